/**
 * Backups off the host and off the region: an AWS Backup vault encrypted with the platform key, a
 * daily plan, and a selection that picks every data store tagged `Backup=<environment>` (tenant
 * stacks tag their databases and buckets; nothing here needs to know them).
 *
 * Copies: a second vault in another region with its own key receives a copy of every recovery point
 * whose tier asks for it (all of them in production, enterprise's in staging: `offRegionBackupCopy`
 * in the tier catalog, `backupCopyAllTiers` in the environment). Where only some tiers are copied,
 * the plan is split in two, selected by the tenants' `Tier` tag, so no data store is backed up twice.
 *
 * Restore testing (production): AWS Backup restores the latest recovery point of each selected RDS
 * database and S3 bucket every week into the isolated subnets, checks the restore succeeded, and
 * deletes the restored copy after the validation window.
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_TAG_KEY, Environment, Tier, TIER_TAG_KEY } from "../common";

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
  /**
   * The copy to a second region: where, and which tiers' recovery points (`"all"`, or a list).
   * @default { enabled: false }
   */
  readonly copy?:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        readonly region: string;
        readonly tiers: "all" | readonly Tier[];
        /** Days the key of the copy vault waits before deletion. @default 30 */
        readonly keyDeletionWindowInDays?: number;
      };
  /**
   * Weekly restore tests of RDS and S3 recovery points; RDS restores go into `dbSubnetGroupName`.
   * @default { enabled: false }
   */
  readonly restoreTesting?:
    | { readonly enabled: false }
    | { readonly enabled: true; readonly dbSubnetGroupName: pulumi.Input<string> };
}

/** When restore tests start (AWS Backup cron, UTC): Sundays at 05:00, after the 03:00 backups. */
export const RESTORE_TESTING_SCHEDULE = "cron(0 5 ? * SUN *)";
/** Hours a restored copy is kept for validation before AWS Backup deletes it. */
export const RESTORE_VALIDATION_HOURS = 4;

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
  /** The copy vault's ARN, in the copy region, when copies are on. */
  public readonly copyVaultArn?: pulumi.Output<string>;

  constructor(name: string, args: BackupArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:backup:Backup", name, {}, opts);
    const copy = args.copy ?? { enabled: false };
    const vault = new aws.backup.Vault(
      name,
      { kmsKeyArn: args.kmsKeyArn, forceDestroy: args.forceDestroy ?? false },
      { parent: this },
    );
    const copyVault = copy.enabled ? this.createCopyVault(name, args, copy) : undefined;
    const rule = (copies: boolean) => ({
      ruleName: "daily",
      targetVaultName: vault.name,
      schedule: args.schedule ?? "cron(0 3 * * ? *)",
      startWindow: 60,
      completionWindow: 360,
      lifecycle: { deleteAfter: args.retentionDays },
      ...(copies && copyVault
        ? {
            copyActions: [
              { destinationVaultArn: copyVault.arn, lifecycle: { deleteAfter: args.retentionDays } },
            ],
          }
        : {}),
    });
    // Some tiers copied: the main plan keeps the others, a second plan copies those tiers.
    const someTiers = copy.enabled && copy.tiers !== "all" ? copy.tiers : undefined;
    const plan = new aws.backup.Plan(
      name,
      { rules: [rule(copy.enabled && copy.tiers === "all")] },
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
    const tag = (key: string) => `aws:ResourceTag/${key}`;
    const backupTag = { key: tag(BACKUP_TAG_KEY), value: args.environment };
    new aws.backup.Selection(
      `${name}-tagged`,
      someTiers
        ? {
            planId: plan.id,
            iamRoleArn: role.arn,
            // Conditions apply to the resources listed: all of them, narrowed by tags (AND).
            resources: ["*"],
            conditions: [
              {
                stringEquals: [backupTag],
                stringNotEquals: someTiers.map((tier) => ({ key: tag(TIER_TAG_KEY), value: tier })),
              },
            ],
          }
        : {
            planId: plan.id,
            iamRoleArn: role.arn,
            selectionTags: [{ type: "STRINGEQUALS", key: BACKUP_TAG_KEY, value: args.environment }],
          },
      { parent: this },
    );
    if (someTiers) {
      const copiedPlan = new aws.backup.Plan(`${name}-copied`, { rules: [rule(true)] }, { parent: this });
      for (const tier of someTiers) {
        new aws.backup.Selection(
          `${name}-copied-${tier}`,
          {
            planId: copiedPlan.id,
            iamRoleArn: role.arn,
            resources: ["*"],
            conditions: [{ stringEquals: [backupTag, { key: tag(TIER_TAG_KEY), value: tier }] }],
          },
          { parent: this },
        );
      }
    }
    const restoreTesting = args.restoreTesting ?? { enabled: false };
    if (restoreTesting.enabled) {
      this.createRestoreTesting(
        name,
        args.environment,
        vault.arn,
        role.arn,
        restoreTesting.dbSubnetGroupName,
      );
    }
    this.vaultName = vault.name;
    this.planId = plan.id;
    this.copyVaultArn = copyVault?.arn;
    this.registerOutputs({ vaultName: this.vaultName, planId: this.planId, copyVaultArn: this.copyVaultArn });
  }

  /** The copy vault in the copy region, encrypted with a key of its own there. */
  private createCopyVault(
    name: string,
    args: BackupArgs,
    copy: Extract<NonNullable<BackupArgs["copy"]>, { enabled: true }>,
  ): aws.backup.Vault {
    const key = new aws.kms.Key(
      `${name}-copy-key`,
      {
        region: copy.region,
        description: `Backup copies of the ${args.environment} platform, in ${copy.region}`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: copy.keyDeletionWindowInDays ?? 30,
      },
      { parent: this },
    );
    return new aws.backup.Vault(
      `${name}-copy`,
      { region: copy.region, kmsKeyArn: key.arn, forceDestroy: args.forceDestroy ?? false },
      { parent: this },
    );
  }

  /** A weekly restore-testing plan over the vault, with one selection for RDS and one for S3. */
  private createRestoreTesting(
    name: string,
    environment: Environment,
    vaultArn: pulumi.Output<string>,
    roleArn: pulumi.Output<string>,
    dbSubnetGroupName: pulumi.Input<string>,
  ): void {
    // Restore testing names allow letters, digits and underscores only.
    const planName = `plat_${environment}_restore_testing`;
    const plan = new aws.backup.RestoreTestingPlan(
      `${name}-restore-testing`,
      {
        name: planName,
        scheduleExpression: RESTORE_TESTING_SCHEDULE,
        startWindowHours: 4,
        recoveryPointSelection: {
          algorithm: "LATEST_WITHIN_WINDOW",
          includeVaults: [vaultArn],
          recoveryPointTypes: ["SNAPSHOT"],
          selectionWindowDays: 7,
        },
      },
      { parent: this },
    );
    const conditions = { stringEquals: [{ key: `aws:ResourceTag/${BACKUP_TAG_KEY}`, value: environment }] };
    new aws.backup.RestoreTestingSelection(
      `${name}-restore-testing-rds`,
      {
        name: "rds",
        restoreTestingPlanName: plan.name,
        protectedResourceType: "RDS",
        iamRoleArn: roleArn,
        protectedResourceConditions: conditions,
        // Into the isolated subnets (whose default security group admits nothing), single-AZ.
        restoreMetadataOverrides: { DBSubnetGroupName: dbSubnetGroupName, MultiAZ: "false" },
        validationWindowHours: RESTORE_VALIDATION_HOURS,
      },
      { parent: this },
    );
    new aws.backup.RestoreTestingSelection(
      `${name}-restore-testing-s3`,
      {
        name: "s3",
        restoreTestingPlanName: plan.name,
        protectedResourceType: "S3",
        iamRoleArn: roleArn,
        protectedResourceConditions: conditions,
        validationWindowHours: RESTORE_VALIDATION_HOURS,
      },
      { parent: this },
    );
  }
}
