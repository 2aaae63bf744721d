/**
 * platform-s3-bucket-companions: in AWS provider v7 a bucket's encryption and public access block are
 * separate resources; a bucket without them is a plain, potentially public, bucket. Every bucket has
 * both, and the access block blocks everything.
 */
import * as aws from "@pulumi/aws";
import { ofClass, PlatformPolicy, stackPolicy } from "../lib/policy";
import { resolveRef } from "../lib/refs";

const BLOCK_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

export const s3BucketCompanions: PlatformPolicy = stackPolicy(
  {
    name: "platform-s3-bucket-companions",
    description: "Every S3 bucket has a full public access block and an encryption configuration.",
    category: "encryption",
    severity: "high",
    controls: { fsbp: ["S3.2", "S3.3", "S3.8"], cis: ["2.1.5"] },
    rules: [
      "each bucket has an aws.s3.BucketPublicAccessBlock with all four flags true",
      "each bucket has an aws.s3.BucketServerSideEncryptionConfiguration",
    ],
    remediationSteps:
      "Create the bucket through the platform's bucket component, or add BucketPublicAccessBlock (all four flags true) and BucketServerSideEncryptionConfiguration for it.",
  },
  (resources, _ctx, report) => {
    const buckets = ofClass(resources, aws.s3.Bucket, aws.s3.BucketV2);
    const blocks = new Map<string, Record<string, unknown>>();
    for (const pab of ofClass(resources, aws.s3.BucketPublicAccessBlock)) {
      const bucket = resolveRef(pab.props.bucket, buckets);
      if (bucket) {
        blocks.set(bucket.urn, pab.props);
      }
    }
    const encrypted = new Set<string>();
    for (const sse of ofClass(resources, aws.s3.BucketServerSideEncryptionConfiguration)) {
      const bucket = resolveRef(sse.props.bucket, buckets);
      if (bucket) {
        encrypted.add(bucket.urn);
      }
    }
    for (const bucket of buckets) {
      const block = blocks.get(bucket.urn);
      if (!block) {
        report(
          `bucket "${bucket.name}" has no public access block. Add an aws.s3.BucketPublicAccessBlock with ${BLOCK_FLAGS.join(", ")} all true.`,
          bucket.urn,
        );
      } else {
        const off = BLOCK_FLAGS.filter((f) => block[f] !== true);
        if (off.length > 0) {
          report(
            `bucket "${bucket.name}": its public access block leaves ${off.join(", ")} off. Set all four flags to true.`,
            bucket.urn,
          );
        }
      }
      if (!encrypted.has(bucket.urn) && !bucket.props.serverSideEncryptionConfiguration) {
        report(
          `bucket "${bucket.name}" has no encryption configuration. Add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and the stack's KMS key.`,
          bucket.urn,
        );
      }
    }
  },
);
