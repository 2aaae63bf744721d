/**
 * The platform KMS key: one customer managed key per environment that encrypts the base stack's
 * logs, topic, registry and backups, and the data of tenants without a dedicated key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link PlatformKey}. */
export interface PlatformKeyArgs {
  /** Region of the key; scopes the CloudWatch Logs grant. */
  readonly region: string;
  /** Alias without the `alias/` prefix, e.g. `plat-stg-platform`. */
  readonly aliasName: string;
  /**
   * Days KMS waits before deleting the key once scheduled (7 to 30).
   * @default 30
   */
  readonly deletionWindowInDays?: number;
}

/**
 * A symmetric KMS key with yearly automatic rotation, an alias, and a key policy that lets the AWS
 * services the platform uses encrypt with it.
 *
 * The account root keeps full access so IAM policies decide who else may use the key (the default
 * key policy, https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 * Services that call KMS with a caller's credentials (RDS, ElastiCache, Secrets Manager, ECR, AWS
 * Backup's role) need nothing more; services that encrypt as themselves (CloudWatch Logs, alarm
 * publishers to the encrypted topic) need an explicit statement.
 */
export class PlatformKey extends pulumi.ComponentResource {
  /** The key. */
  public readonly key: aws.kms.Key;
  /** The key's ARN. */
  public readonly arn: pulumi.Output<string>;
  /** The key's id (UUID). */
  public readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: PlatformKeyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:keys:PlatformKey", name, {}, opts);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    this.key = new aws.kms.Key(
      name,
      {
        description: `Platform key (${args.aliasName}): logs, alarms, registry, backups, tenant data`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: args.deletionWindowInDays ?? 30,
        policy: keyPolicy(args.region, identity.accountId),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${args.aliasName}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.arn = this.key.arn;
    this.keyId = this.key.keyId;
    this.registerOutputs({ arn: this.arn, keyId: this.keyId });
  }
}

/** The key policy document, JSON. Exported for tests. */
export function keyPolicy(region: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountRootManagesKeyAndDelegatesToIam",
        Effect: "Allow",
        Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
        Sid: "CloudWatchLogsEncryptsLogGroupsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:aws:logs:${region}:${accountId}:*`,
          },
        },
      },
      {
        // Publishers to the encrypted alarm topic: CloudWatch alarms, EventBridge rules, AWS Backup
        // notifications (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        Sid: "ServicesPublishToEncryptedTopics",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });
}
