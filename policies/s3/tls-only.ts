/**
 * platform-s3-tls-only: every bucket has a bucket policy that denies requests without TLS
 * (`aws:SecureTransport = false`), so data is encrypted in transit as well as at rest.
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { ofClass, PlatformPolicy, stackPolicy } from "../lib/policy";
import { resolveRef } from "../lib/refs";
import { list } from "../lib/values";

/** True when a policy document (JSON text or object) denies every non-TLS request. */
export function deniesInsecureTransport(document: unknown): boolean {
  let doc: any = document;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return false;
    }
  }
  return list(doc?.Statement).some((s: any) => {
    const condition = s?.Condition?.Bool?.["aws:SecureTransport"];
    const actions = list(s?.Action);
    return (
      s?.Effect === "Deny" &&
      (condition === false || condition === "false") &&
      (actions.includes("s3:*") || actions.includes("*"))
    );
  });
}

export const s3TlsOnly: PlatformPolicy = stackPolicy(
  {
    name: "platform-s3-tls-only",
    description: "Every S3 bucket has a bucket policy denying requests without TLS.",
    category: "encryption",
    severity: "high",
    controls: { fsbp: ["S3.5"], cis: ["2.1.2"] },
    rules: ["each bucket has an aws.s3.BucketPolicy with a Deny s3:* statement on aws:SecureTransport=false"],
    remediationSteps:
      'Add an aws.s3.BucketPolicy with {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":[bucketArn, bucketArn/*],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}.',
  },
  (resources, _ctx, report) => {
    const buckets = ofClass(resources, aws.s3.Bucket, aws.s3.BucketV2);
    const secured = new Set<PolicyResource>();
    for (const policy of ofClass(resources, aws.s3.BucketPolicy)) {
      const bucket = resolveRef(policy.props.bucket, buckets);
      if (bucket && deniesInsecureTransport(policy.props.policy)) {
        secured.add(bucket);
      }
    }
    for (const bucket of buckets) {
      if (!secured.has(bucket) && !deniesInsecureTransport(bucket.props.policy)) {
        report(
          `bucket "${bucket.name}" has no bucket policy denying non-TLS requests. Add an aws.s3.BucketPolicy with a Deny on "aws:SecureTransport": "false" for the bucket and its objects.`,
          bucket.urn,
        );
      }
    }
  },
);
