/**
 * The per-environment bucket S3 server access logs go to (AWS FSBP S3.9): tenant data buckets and
 * the ALB's log bucket log their requests here. Private, TLS-only, encrypted, pruned by a lifecycle,
 * and itself not logged (a bucket that logs to itself, or to a bucket logging back, loops).
 *
 * Encryption is SSE-S3 (AES256), not the platform KMS key: "You can use default bucket encryption
 * on the target bucket only if you use server-side encryption with Amazon S3 managed keys (SSE-S3)
 * ... Default server-side encryption with AWS KMS keys (SSE-KMS) is not supported."
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 * The target bucket must also have no Object Lock and no default retention, and log delivery is
 * granted by bucket policy to the logging service principal (ACLs are disabled here).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransportStatement } from "../common/s3";
import { createLogBucket } from "./logBucket";

/** Arguments of {@link S3AccessLogBucket}. */
export interface S3AccessLogBucketArgs {
  /** Days log objects are kept. */
  readonly expirationDays: number;
  /**
   * Whether `pulumi destroy` may delete a bucket that still holds logs.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/** The S3 server access log bucket of an environment. */
export class S3AccessLogBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  /** Depend on these before a bucket logs here: S3 checks the target's policy when logging is enabled. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: S3AccessLogBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:storage:ServerAccessLogBucket", name, {}, opts);
    const { bucket, publicAccess } = createLogBucket(name, this, {
      expirationDays: args.expirationDays,
      forceDestroy: args.forceDestroy ?? false,
      versioned: false,
      lifecycleRuleId: "expire-server-access-logs",
    });
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.id, policy: s3AccessLogBucketPolicy(bucket.arn, identity.accountId) },
      // The public access block must be in place first, or S3 may judge the policy against none.
      { parent: this, dependsOn: [publicAccess] },
    );
    this.bucketName = bucket.bucket;
    this.ready = [policy];
    this.registerOutputs({ bucketName: this.bucketName });
  }
}

/**
 * The bucket policy: S3's logging service may put log objects for buckets of this account only;
 * every request without TLS is denied.
 */
export function s3AccessLogBucketPolicy(
  bucketArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "S3ServerAccessLogsPolicy",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${bucketArn}/*`,
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" },
        },
      },
      denyInsecureTransportStatement(bucketArn),
    ],
  });
}

/** Where a bucket's server access logs go: the environment's log bucket, under the bucket's prefix. */
export interface ServerAccessLogTarget {
  /** The log bucket's name (the base stack's `s3AccessLogBucketName`). */
  readonly targetBucket: pulumi.Input<string>;
  /** Key prefix of this bucket's logs, ending in `/`. */
  readonly targetPrefix: string;
}
