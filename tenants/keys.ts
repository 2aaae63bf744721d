/**
 * The tenant's encryption key: a dedicated KMS key for tiers that have one (enterprise), otherwise
 * the base stack's platform key. Every data store, secret and log group of the tenant uses it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link TenantKey}. */
export interface TenantKeyArgs {
  /** Tenant id, for the description. */
  readonly tenant: string;
  /** True: create a dedicated key; false: use `platformKeyArn`. */
  readonly dedicated: boolean;
  /** The base stack's platform key, used when `dedicated` is false. */
  readonly platformKeyArn: string;
  /** KMS alias of the dedicated key, without `alias/`. */
  readonly aliasName: string;
  /** AWS account, region and partition of the stack (from the base outputs). */
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** ARN of the tenant's log group: the only log group CloudWatch Logs may encrypt with the key. */
  readonly logGroupArn: string;
  /**
   * Days KMS waits before deleting the dedicated key once scheduled (7 to 30).
   * @default 30
   */
  readonly deletionWindowInDays?: number;
  /**
   * Keep the dedicated key in AWS when the stack is destroyed (its alias goes, so the tenant can be
   * onboarded again). Set while a production tenant is offboarded: the final snapshots and the
   * retained bucket are encrypted with this key, and a deleted key would make them unreadable.
   * @default false
   */
  readonly retainOnDelete?: boolean;
}

/**
 * The tenant's key. With `dedicated`, a symmetric key with yearly rotation, an alias and a key
 * policy that lets only this account's IAM policies (which name only their own tenant's key) and
 * CloudWatch Logs, for this tenant's log group only, use it.
 */
export class TenantKey extends pulumi.ComponentResource {
  /** ARN of the key the tenant's resources encrypt with. */
  public readonly arn: pulumi.Output<string>;
  /** True when the key belongs to this tenant alone. */
  public readonly dedicated: boolean;
  /** The dedicated key, when there is one. */
  public readonly key?: aws.kms.Key;

  constructor(name: string, args: TenantKeyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantKey", name, {}, opts);
    this.dedicated = args.dedicated;
    if (args.dedicated) {
      this.key = new aws.kms.Key(
        name,
        {
          description: `Dedicated key of tenant ${args.tenant}: database, cache, bucket, secrets, logs`,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          enableKeyRotation: true,
          rotationPeriodInDays: 365,
          deletionWindowInDays: args.deletionWindowInDays ?? 30,
          policy: tenantKeyPolicy(args),
        },
        { parent: this, retainOnDelete: args.retainOnDelete ?? false },
      );
      new aws.kms.Alias(
        `${name}-alias`,
        { name: `alias/${args.aliasName}`, targetKeyId: this.key.keyId },
        { parent: this },
      );
      this.arn = this.key.arn;
    } else {
      this.arn = pulumi.output(args.platformKeyArn);
    }
    this.registerOutputs({ arn: this.arn, dedicated: this.dedicated });
  }
}

/**
 * The dedicated key's policy, JSON. The account root statement is the default key policy: it keeps
 * the key manageable and delegates use to IAM, where only this tenant's roles name the key
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). CloudWatch Logs
 * encrypts as itself, so it gets a statement limited to this tenant's log group
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 */
export function tenantKeyPolicy(
  args: Pick<TenantKeyArgs, "account" | "region" | "partition" | "logGroupArn">,
): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountRootManagesKeyAndDelegatesToIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${args.partition}:iam::${args.account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsEncryptsThisTenantsLogGroup",
        Effect: "Allow",
        Principal: { Service: `logs.${args.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": args.logGroupArn } },
      },
    ],
  });
}
