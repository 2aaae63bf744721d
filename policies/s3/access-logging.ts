/**
 * platform-s3-access-logging (AWS FSBP S3.9): every bucket's requests are logged by S3 server access
 * logging to the environment's server access log bucket, the base stack's `s3AccessLogBucketName`
 * (infra/s3AccessLogs.ts). That destination is itself not logged, which would loop, and uses SSE-S3,
 * the only default encryption S3 log delivery supports
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html), with a
 * lifecycle that expires the logs. Destinations are recognized from the stack's BucketLogging
 * resources, not by name, so renaming a bucket cannot exempt it.
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { ofClass, PlatformPolicy, stackPolicy } from "../lib/policy";
import { identifiers, resolveRef } from "../lib/refs";
import { known, list, UNKNOWN } from "../lib/values";

/** The base outputs contract key of the destination (common/contract.ts). */
const CONTRACT_KEY = "s3AccessLogBucketName";

export const s3AccessLogging: PlatformPolicy = stackPolicy(
  {
    name: "platform-s3-access-logging",
    description:
      "Every S3 bucket has server access logging to the environment's access-log bucket, which is not logged itself, uses SSE-S3 and expires its logs.",
    category: "encryption",
    severity: "medium",
    controls: { fsbp: ["S3.9"] },
    rules: [
      "each bucket has an aws.s3.BucketLogging, unless it is a server access log destination",
      "a bucket logs to the environment's access-log bucket: the base stack's own, or on tenant stacks its s3AccessLogBucketName output",
      "a server access log destination has no server access logging of its own (no loop)",
      "a server access log destination uses SSE-S3 (AES256) default encryption, the only one S3 log delivery supports",
      "a server access log destination has a lifecycle rule that expires its logs",
    ],
    remediationSteps:
      "Give the bucket an aws.s3.BucketLogging whose targetBucket is the base stack's s3AccessLogBucketName output (tenants/storage.ts, infra/s3AccessLogs.ts); never log the destination itself.",
  },
  (resources, ctx, report) => {
    const buckets = ofClass(resources, aws.s3.Bucket, aws.s3.BucketV2);
    const loggings = ofClass(resources, aws.s3.BucketLogging, aws.s3.BucketLoggingV2);
    const baseDestinations = resources
      .filter((r) => r.type === "pulumi:pulumi:StackReference")
      .map((r) => known(() => (r.props.outputs ?? {})[CONTRACT_KEY]))
      .filter((v) => v !== undefined);
    // Buckets of this stack that receive server access logs.
    const destinations = new Map<string, PolicyResource>();
    for (const l of loggings) {
      const target = resolveRef(
        known(() => l.props.targetBucket),
        buckets,
      );
      if (target) {
        destinations.set(target.urn, target);
      }
    }
    const logged = new Map<string, PolicyResource>();
    for (const l of loggings) {
      const source = resolveRef(
        known(() => l.props.bucket),
        buckets,
      );
      if (source) {
        logged.set(source.urn, l);
      }
    }
    for (const bucket of buckets) {
      const logging = logged.get(bucket.urn);
      if (destinations.has(bucket.urn)) {
        if (logging) {
          report(
            `bucket "${bucket.name}" receives server access logs and has server access logging itself (${logging.name}); that loops. ` +
              `Remove the destination's aws.s3.BucketLogging.`,
            bucket.urn,
          );
        }
        continue;
      }
      if (!logging) {
        report(
          `bucket "${bucket.name}" has no server access logging (FSBP S3.9). ` +
            `Add an aws.s3.BucketLogging with targetBucket set to the base stack's ${CONTRACT_KEY} output.`,
          bucket.urn,
        );
        continue;
      }
      const target = known(() => logging.props.targetBucket);
      if (ctx.stack.kind === "base" && target !== UNKNOWN && !resolveRef(target, buckets)) {
        report(
          `bucket "${bucket.name}" logs to ${JSON.stringify(target)}, which is not the base stack's access-log bucket. ` +
            `Log to the bucket infra/s3AccessLogs.ts creates (the ${CONTRACT_KEY} output).`,
          bucket.urn,
        );
      }
      // The engine leaves reads (the StackReference) out of a stack policy's resources; without the
      // base outputs, a target outside this stack is all that can be shown (docs/policies.md).
      if (
        ctx.stack.kind === "tenant" &&
        target !== UNKNOWN &&
        baseDestinations.length > 0 &&
        !baseDestinations.some((d) => d === UNKNOWN || d === target)
      ) {
        report(
          `bucket "${bucket.name}" logs to ${JSON.stringify(target)}, not to the environment's access-log bucket. ` +
            `Set the aws.s3.BucketLogging's targetBucket to the base stack's ${CONTRACT_KEY} output (read through the StackReference).`,
          bucket.urn,
        );
      }
    }
    for (const dest of destinations.values()) {
      const ids = identifiers(dest);
      const sse = ofClass(resources, aws.s3.BucketServerSideEncryptionConfiguration).filter((c) =>
        ids.includes(c.props.bucket),
      );
      const algorithms = sse.flatMap((c) =>
        list(c.props.rules as any[]).map((r) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm),
      );
      if (algorithms.some((a) => a !== "AES256")) {
        report(
          `bucket "${dest.name}" receives server access logs but its default encryption is ${algorithms.filter((a) => a !== "AES256").join(", ")}; ` +
            `S3 log delivery supports only SSE-S3 on the destination. Use sseAlgorithm "AES256".`,
          dest.urn,
        );
      }
      const expires = ofClass(
        resources,
        aws.s3.BucketLifecycleConfiguration,
        aws.s3.BucketLifecycleConfigurationV2,
      )
        .filter((c) => ids.includes(c.props.bucket))
        .some((c) =>
          list(c.props.rules as any[]).some(
            (r) => r?.status === "Enabled" && (r?.expiration?.days ?? list<any>(r?.expirations)[0]?.days) > 0,
          ),
        );
      if (!expires) {
        report(
          `bucket "${dest.name}" receives server access logs but no enabled lifecycle rule expires them. ` +
            `Add an aws.s3.BucketLifecycleConfiguration with an expiration (the environment's log retention).`,
          dest.urn,
        );
      }
    }
  },
);
