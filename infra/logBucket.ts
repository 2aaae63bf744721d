/**
 * The part every log bucket of the base stack shares: an auto-named bucket with ACLs disabled, all
 * public access blocked, SSE-S3 default encryption (AWS log delivery, ALB and S3 server access
 * logging alike, supports nothing else on the target) and a lifecycle that expires the logs. The
 * components that own the buckets (./accessLogs.ts, ./s3AccessLogs.ts) add their bucket policy.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** What {@link createLogBucket} needs. */
export interface LogBucketOptions {
  /** Days log objects are kept. */
  readonly expirationDays: number;
  /** Let `pulumi destroy` delete a bucket that still holds logs. */
  readonly forceDestroy: boolean;
  /** Keep object versions (expired after 7 days when not current). */
  readonly versioned: boolean;
  /** The lifecycle rule's id. */
  readonly lifecycleRuleId: string;
}

/**
 * Creates the bucket `name` and its ownership, public access block, encryption, optional versioning
 * and lifecycle (children `${name}-<role>` of `parent`).
 * @returns the bucket and its public access block (a bucket policy must wait for the block).
 */
export function createLogBucket(
  name: string,
  parent: pulumi.Resource,
  options: LogBucketOptions,
): { bucket: aws.s3.Bucket; publicAccess: aws.s3.BucketPublicAccessBlock } {
  // Pulumi's auto-name keeps the globally unique bucket name unique.
  const bucket = new aws.s3.Bucket(name, { forceDestroy: options.forceDestroy }, { parent });
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );
  if (options.versioned) {
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent },
    );
  }
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: options.lifecycleRuleId,
          status: "Enabled",
          filter: {},
          expiration: { days: options.expirationDays },
          ...(options.versioned ? { noncurrentVersionExpiration: { noncurrentDays: 7 } } : {}),
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    { parent },
  );
  return { bucket, publicAccess };
}
