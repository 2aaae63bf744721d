/**
 * platform-s3-sse-s3-only-lb-logs: SSE-S3 (AES256) is allowed only on log destinations whose AWS
 * delivery supports nothing else: buckets a load balancer delivers its access or connection logs to,
 * and buckets that receive S3 server access logs (an aws.s3.BucketLogging's targetBucket); every
 * other bucket uses SSE-KMS (platform-s3-sse-kms). Log buckets are recognized from the load
 * balancers' `accessLogs`/`connectionLogs` and the BucketLogging resources, not by name, so renaming
 * a bucket cannot widen the exception.
 */
import * as aws from "@pulumi/aws";
import { ofClass, PlatformPolicy, stackPolicy } from "../lib/policy";
import { resolveRef } from "../lib/refs";
import { list } from "../lib/values";

export const s3SseS3OnlyLbLogs: PlatformPolicy = stackPolicy(
  {
    name: "platform-s3-sse-s3-only-lb-logs",
    description:
      "SSE-S3 (AES256) is used only by buckets that receive load balancer or S3 server access logs.",
    category: "encryption",
    severity: "high",
    controls: { fsbp: ["S3.17"] },
    rules: [
      "a bucket encrypted with AES256 is the accessLogs or connectionLogs bucket of a load balancer, or the targetBucket of an aws.s3.BucketLogging",
    ],
    remediationSteps:
      "Use sseAlgorithm aws:kms with the stack's KMS key; keep AES256 for the ALB and S3 access-log buckets only.",
  },
  (resources, _ctx, report) => {
    const buckets = ofClass(resources, aws.s3.Bucket, aws.s3.BucketV2);
    const logBuckets = new Set<string>();
    for (const lb of ofClass(resources, aws.lb.LoadBalancer, aws.alb.LoadBalancer)) {
      for (const logs of [lb.props.accessLogs, lb.props.connectionLogs]) {
        if (logs?.bucket && logs.enabled !== false) {
          logBuckets.add(logs.bucket);
        }
      }
    }
    for (const logging of ofClass(resources, aws.s3.BucketLogging, aws.s3.BucketLoggingV2)) {
      const target = resolveRef(logging.props.targetBucket, buckets);
      [logging.props.targetBucket, target?.props.bucket, target?.props.id]
        .filter((n): n is string => typeof n === "string")
        .forEach((n) => logBuckets.add(n));
    }
    for (const config of ofClass(resources, aws.s3.BucketServerSideEncryptionConfiguration)) {
      const aes = list(config.props.rules as any[]).some(
        (r) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm === "AES256",
      );
      if (!aes) {
        continue;
      }
      const bucket = resolveRef(config.props.bucket, buckets);
      const names = [config.props.bucket, bucket?.props.bucket, bucket?.props.id].filter(Boolean);
      if (!names.some((n) => logBuckets.has(n))) {
        report(
          `${config.type} "${config.name}" encrypts bucket ${JSON.stringify(config.props.bucket)} with SSE-S3 (AES256), but no load balancer or S3 server access logging delivers logs to it. ` +
            `Use sseAlgorithm "aws:kms" with the stack's KMS key; SSE-S3 is allowed only for log buckets.`,
          config.urn,
        );
      }
    }
  },
);
