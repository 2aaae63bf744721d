/**
 * Backups off the host: an AWS Backup vault encrypted with the platform key, a daily plan, and a
 * selection that picks every data store tagged `Backup=<environment>` (tenant stacks tag their
 * databases; nothing here needs to know them).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_TAG_KEY, Environment } from "../common";

/** Arguments of {@link Backup}. */
export interface BackupArgs {
  readonly environment: Environment;
  /** KMS key that encrypts the vault's recovery points. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Days recovery points are kept. */
  readonly retentionDays: number;
  /**
   * When the daily backup starts (AWS Backup cron, UTC).
   * @default "cron(0 3 * * ? *)"
   */
  readonly schedule?: string;
  /**
   * Whether the vault may be deleted while it holds recovery points.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/**
 * Service-role policies AWS manages for backup and restore jobs. The first two cover RDS; S3 has
 * its own pair, and tenant buckets carry the backup tag too, so without them every S3 backup job
 * of the plan fails with an access error.
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html
 */
export const BACKUP_MANAGED_POLICY_ARNS = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
] as const;

/** The backup vault, plan and tag selection of one environment. */
export class Backup extends pulumi.ComponentResource {
  public readonly vaultName: pulumi.Output<string>;
  public readonly planId: pulumi.Output<string>;

  constructor(name: string, args: BackupArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:backup:Backup", name, {}, opts);
    const vault = new aws.backup.Vault(
      name,
      { kmsKeyArn: args.kmsKeyArn, forceDestroy: args.forceDestroy ?? false },
      { parent: this },
    );
    const plan = new aws.backup.Plan(
      name,
      {
        rules: [
          {
            ruleName: "daily",
            targetVaultName: vault.name,
            schedule: args.schedule ?? "cron(0 3 * * ? *)",
            startWindow: 60,
            completionWindow: 360,
            lifecycle: { deleteAfter: args.retentionDays },
          },
        ],
      },
      { parent: this },
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "Assumed by AWS Backup to back up and restore the platform's data stores",
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      },
      { parent: this },
    );
    BACKUP_MANAGED_POLICY_ARNS.forEach(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-role-${i}`,
          { role: role.name, policyArn },
          { parent: this },
        ),
    );
    new aws.backup.Selection(
      `${name}-tagged`,
      {
        planId: plan.id,
        iamRoleArn: role.arn,
        selectionTags: [{ type: "STRINGEQUALS", key: BACKUP_TAG_KEY, value: args.environment }],
      },
      { parent: this },
    );
    this.vaultName = vault.name;
    this.planId = plan.id;
    this.registerOutputs({ vaultName: this.vaultName, planId: this.planId });
  }
}
