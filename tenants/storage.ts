/**
 * The tenant's object storage: one private, versioned S3 bucket encrypted with the tenant's key,
 * reachable only over TLS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_TAG_KEY, Environment } from "../common";
import { tlsOnlyBucketPolicy } from "../common/s3";

/** Arguments of {@link TenantStorage}. */
export interface TenantStorageArgs {
  /** Physical bucket name (globally unique: it carries the account id). */
  readonly bucketName: string;
  readonly environment: Environment;
  /** KMS key for SSE-KMS (the tenant's key). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Let `pulumi destroy` delete a bucket that still holds objects. Off where data stores are
   * protected (production), so offboarding never silently deletes tenant data there.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * Keep the bucket and its settings (encryption, public access block, versioning, TLS-only
   * policy) in AWS when the stack is destroyed: `pulumi destroy` only forgets them. Set while a
   * production tenant is being offboarded, so its data outlives the stack (docs/automation.md,
   * "Offboarding and data"). The settings are kept too: a retained bucket stays private, encrypted,
   * versioned and TLS-only.
   * @default false
   */
  readonly retainOnDelete?: boolean;
  /**
   * When the tenant was offboarded (`tenant:decommission`), tagged on a retained bucket as
   * `Decommissioned` so it can be found and cleaned up later.
   * @default undefined (no tag)
   */
  readonly decommissionedAt?: string;
  /**
   * Where the bucket's S3 server access logs go (FSBP S3.9): the base stack's
   * `s3AccessLogBucketName` and this tenant's prefix there.
   */
  readonly serverAccessLogs: { readonly targetBucket: pulumi.Input<string>; readonly targetPrefix: string };
}

/** Tag a retained bucket carries: when its tenant was offboarded (ISO-8601 UTC). */
export const DECOMMISSIONED_TAG_KEY = "Decommissioned";

/** Bucket, encryption, public access block, versioning, a TLS-only policy and server access logs. */
export class TenantStorage extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  /** The bucket's name and ARN. */
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: TenantStorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantStorage", name, {}, opts);
    const retainOnDelete = args.retainOnDelete ?? false;
    // Every resource of the bucket: retained together, so a retained bucket keeps its settings.
    const childOpts = { parent: this, retainOnDelete };
    this.bucket = new aws.s3.Bucket(
      name,
      {
        bucket: args.bucketName,
        forceDestroy: args.forceDestroy ?? false,
        // AWS Backup selects data stores by this tag (base stack's backup plan).
        tags: {
          [BACKUP_TAG_KEY]: args.environment,
          ...(args.decommissionedAt ? { [DECOMMISSIONED_TAG_KEY]: args.decommissionedAt } : {}),
        },
      },
      childOpts,
    );
    const bucket = this.bucket.id;
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
            // An S3 bucket key cuts KMS requests (and their cost) by orders of magnitude.
            bucketKeyEnabled: true,
          },
        ],
      },
      childOpts,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      childOpts,
    );
    // Versioning protects against overwrites and deletes, and AWS Backup requires it for S3.
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      childOpts,
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket, policy: tlsOnlyBucketPolicy(this.bucket.arn) },
      // S3 rejects a policy while the public access block is being applied; order them.
      { ...childOpts, dependsOn: [publicAccessBlock] },
    );
    new aws.s3.BucketLogging(
      `${name}-access-logs`,
      {
        bucket,
        targetBucket: args.serverAccessLogs.targetBucket,
        targetPrefix: args.serverAccessLogs.targetPrefix,
      },
      childOpts,
    );
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
