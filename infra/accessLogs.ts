/**
 * The bucket the ALB writes its access logs to: private, TLS-only, encrypted, pruned.
 *
 * Encryption is SSE-S3 (AES256), not the platform KMS key: ALB access logs support only SSE-S3 on
 * the destination bucket.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransportStatement } from "../common/s3";
import { createLogBucket } from "./logBucket";
import type { ServerAccessLogTarget } from "./s3AccessLogs";

/** Arguments of {@link AccessLogBucket}. */
export interface AccessLogBucketArgs {
  /** Days log objects are kept. */
  readonly expirationDays: number;
  /**
   * Whether `pulumi destroy` may delete a bucket that still holds logs.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * Where S3 server access logs of this bucket go (FSBP S3.9).
   * @default { enabled: false }
   */
  readonly serverAccessLogs?:
    { readonly enabled: false } | ({ readonly enabled: true } & ServerAccessLogTarget);
}

/** An S3 bucket the regional ELB log delivery may write to, and nobody may read from outside. */
export class AccessLogBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  /** Depend on these before enabling access logs: AWS checks the bucket policy when logging is turned on. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: AccessLogBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:ingress:AccessLogBucket", name, {}, opts);
    const { bucket, publicAccess } = createLogBucket(name, this, {
      expirationDays: args.expirationDays,
      forceDestroy: args.forceDestroy ?? false,
      versioned: true,
      lifecycleRuleId: "expire-access-logs",
    });
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const elbAccount = aws.elb.getServiceAccountOutput({}, { parent: this });
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.id, policy: accessLogBucketPolicy(bucket.arn, identity.accountId, elbAccount.arn) },
      // The public access block must be in place first, or S3 may judge the policy against none.
      { parent: this, dependsOn: [publicAccess] },
    );
    const logs = args.serverAccessLogs ?? { enabled: false };
    if (logs.enabled) {
      new aws.s3.BucketLogging(
        `${name}-server-access-logs`,
        { bucket: bucket.id, targetBucket: logs.targetBucket, targetPrefix: logs.targetPrefix },
        { parent: this },
      );
    }
    this.bucketName = bucket.bucket;
    this.ready = [policy];
    this.registerOutputs({ bucketName: this.bucketName });
  }
}

/**
 * The bucket policy: ELB log delivery may put objects under `AWSLogs/<account>/`, through the
 * region's ELB account (regions before August 2022) or the log delivery service principal (newer
 * regions); every request without TLS is denied.
 */
export function accessLogBucketPolicy(
  bucketArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
  elbAccountArn: pulumi.Input<string>,
): pulumi.Output<string> {
  const logObjects = pulumi.interpolate`${bucketArn}/AWSLogs/${accountId}/*`;
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ElbAccountWritesAccessLogs",
        Effect: "Allow",
        Principal: { AWS: elbAccountArn },
        Action: "s3:PutObject",
        Resource: logObjects,
      },
      {
        Sid: "ElbLogDeliveryWritesAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: logObjects,
      },
      denyInsecureTransportStatement(bucketArn),
    ],
  });
}
