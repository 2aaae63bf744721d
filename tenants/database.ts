/**
 * The tenant's own PostgreSQL database: one RDS instance per tenant and environment, in the base
 * stack's isolated subnets, encrypted with the tenant's key, TLS forced, its credentials generated
 * here and kept in the tenant's own Secrets Manager secret.
 *
 * Credentials: a `random.RandomPassword` stored in a secret we own (JSON with host, port, database,
 * username, password), rather than RDS-managed master passwords (`manageMasterUserPassword`): the
 * task definition reads fields of that JSON by key (`<arn>:password::`), the secret is encrypted with
 * the tenant's key and named by our naming function, and its ARN is known to the IAM policies up
 * front. The password lives in Pulumi state only as a secret (encrypted). The master user belongs to
 * this tenant's instance alone: no tenant ever holds an admin credential shared with another.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_TAG_KEY, Environment } from "../common";
import { POSTGRES_PORT } from "./network";
import { EffectiveSizing } from "../common";

/** PostgreSQL major version; RDS applies minor versions in the maintenance window. */
export const POSTGRES_MAJOR_VERSION = "16";

/** Arguments of {@link TenantDatabase}. */
export interface TenantDatabaseArgs {
  readonly environment: Environment;
  /** The effective database sizing and the environment's deletion protection. */
  readonly sizing: EffectiveSizing["database"];
  /** RDS identifier of the instance and its parameter group. */
  readonly identifier: string;
  /** Name of the credentials secret. */
  readonly secretName: string;
  /** The base stack's RDS subnet group (isolated subnets). */
  readonly subnetGroupName: string;
  /** The database security group (ingress from the tenant's service only). */
  readonly securityGroupId: pulumi.Input<string>;
  /** The tenant's key: storage, Performance Insights and the secret. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Database and user name (PostgreSQL identifiers).
   * @default "app"
   */
  readonly databaseName?: string;
  /** @default "app" */
  readonly username?: string;
  /**
   * Set while the tenant is being offboarded (`tenant:decommission`): deletion protection is lifted
   * so `pulumi destroy` can delete the instance, and deleting it leaves a final snapshot under this
   * name (`<identifier>-final-<yyyymmddhhmm>`, config.ts `finalSnapshotName`), in every environment.
   * @default undefined (protection and final snapshot per environment)
   */
  readonly decommissionSnapshotIdentifier?: string;
}

/** RDS PostgreSQL, its parameter group, its password and its credentials secret. */
export class TenantDatabase extends pulumi.ComponentResource {
  public readonly instance: aws.rds.Instance;
  /** The credentials secret (JSON: engine, host, port, dbname, username, password). */
  public readonly secret: aws.secretsmanager.Secret;
  /** `host:port` of the instance. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: TenantDatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantDatabase", name, {}, opts);
    const databaseName = args.databaseName ?? "app";
    const username = args.username ?? "app";
    const protect = args.sizing.deletionProtection;
    const decommissionSnapshot = args.decommissionSnapshotIdentifier;

    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        name: args.identifier,
        family: `postgres${POSTGRES_MAJOR_VERSION}`,
        description: `${args.identifier}: TLS only`,
        // Clients without TLS are refused (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html).
        parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
      },
      { parent: this },
    );
    // RDS forbids "/", "@", '"' and spaces in passwords; letters and digits are plenty at 40.
    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 40, special: false },
      { parent: this },
    );

    this.instance = new aws.rds.Instance(
      name,
      {
        identifier: args.identifier,
        engine: "postgres",
        engineVersion: POSTGRES_MAJOR_VERSION,
        autoMinorVersionUpgrade: true,
        instanceClass: args.sizing.instanceClass,
        allocatedStorage: args.sizing.allocatedStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        dbName: databaseName,
        username,
        password: password.result,
        port: POSTGRES_PORT,
        dbSubnetGroupName: args.subnetGroupName,
        vpcSecurityGroupIds: [args.securityGroupId],
        publiclyAccessible: false,
        parameterGroupName: parameterGroup.name,
        multiAz: args.sizing.multiAz,
        backupRetentionPeriod: args.sizing.backupRetentionDays,
        // Clear of the base stack's AWS Backup plan (daily from 03:00 UTC, one-hour start window):
        // an AWS Backup job for RDS that falls inside the instance's automated backup window waits
        // for it, and one that cannot start within its start window expires.
        backupWindow: "01:00-02:00",
        maintenanceWindow: "sun:04:30-sun:05:30",
        copyTagsToSnapshot: true,
        // Where data stores are protected, destroying the instance leaves a final snapshot. Offboarding
        // (decommissioning) first lifts the protection, which RDS applies at once whatever
        // applyImmediately says, and names the snapshot after the offboarding time, so offboarding
        // the same tenant again never collides with an earlier snapshot. Both settings only matter
        // when the instance is deleted: changing them modifies nothing else.
        deletionProtection: decommissionSnapshot ? false : protect,
        skipFinalSnapshot: decommissionSnapshot ? false : !protect,
        finalSnapshotIdentifier: decommissionSnapshot ?? (protect ? `${args.identifier}-final` : undefined),
        performanceInsightsEnabled: args.sizing.performanceInsights,
        performanceInsightsKmsKeyId: args.sizing.performanceInsights ? args.kmsKeyArn : undefined,
        performanceInsightsRetentionPeriod: args.sizing.performanceInsights ? 7 : undefined,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        applyImmediately: !protect,
        tags: { [BACKUP_TAG_KEY]: args.environment },
      },
      { parent: this },
    );

    this.secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: args.secretName,
        description: `Credentials of the ${args.identifier} database`,
        kmsKeyId: args.kmsKeyArn,
        // Protected environments keep a deleted secret recoverable for 30 days; elsewhere it goes at
        // once so a tenant can be offboarded and onboarded again under the same name.
        recoveryWindowInDays: protect ? 30 : 0,
      },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-secret-value`,
      {
        secretId: this.secret.id,
        secretString: pulumi.jsonStringify({
          engine: "postgres",
          host: this.instance.address,
          port: POSTGRES_PORT,
          dbname: databaseName,
          username,
          password: password.result,
        }),
      },
      { parent: this },
    );
    this.endpoint = this.instance.endpoint;
    this.secretArn = this.secret.arn;
    this.registerOutputs({ endpoint: this.endpoint, secretArn: this.secretArn });
  }
}
