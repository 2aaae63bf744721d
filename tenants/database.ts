/**
 * The tenant's own PostgreSQL database: one RDS instance per tenant and environment, in the base
 * stack's isolated subnets, encrypted with the tenant's key, TLS forced, storage autoscaling up to
 * the tier's ceiling.
 *
 * Two credentials, neither shared with another tenant (docs/tenant-stack.md, "Database roles and
 * rotation"):
 * - the **master user**'s password is managed by RDS in Secrets Manager (`manageMasterUserPassword`,
 *   encrypted with the tenant's key, rotated by RDS every 7 days). Only the task's bootstrap
 *   container receives it ({@link bootstrapSql}), and the rotation function of the app's credential;
 * - the **app's own role** (`app_user`, no rights outside its schema) has its credential in a secret we
 *   own (JSON: engine, host, port, dbname, username, password, masterarn), created by the bootstrap
 *   container and rotated on a schedule by AWS's multi-user rotation function (./rotation.ts). The
 *   task definition reads fields of that JSON by key (`<arn>:password::`).
 *
 * The first value of the app's secret is generated here and kept in Pulumi state as a secret; after
 * that the rotation function owns the value (`ignoreChanges` on the version), so an `up` never puts
 * an old password back.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_TAG_KEY, EffectiveSizing, Environment } from "../common";
import { POSTGRES_PORT } from "./network";
import { ContainerSecret } from "./service";

/** PostgreSQL major version; RDS applies minor versions in the maintenance window. */
export const POSTGRES_MAJOR_VERSION = "16";

/**
 * The app's own database role and the one schema it may use. The multi-user rotation function
 * alternates between this role and `<role>_clone` (which it creates as a member of this role).
 */
export const APP_DB_ROLE = "app_user";
export const APP_DB_SCHEMA = "app";

/**
 * The bootstrap step, as the master user, idempotent (every new task runs it before the migrations):
 * creates the app's role if it does not exist, with the password of the app's secret; lets it
 * connect to the database and use and create objects in its schema only; takes everything from
 * PUBLIC on the `public` schema and the database. psql reads the role's name and password from the
 * environment (`\getenv`), so neither is ever in a command line; `%I`/`%L` quote them.
 * Grants, not ownership: PostgreSQL 16 lets the master create the role but not act as it.
 */
export function bootstrapSql(databaseName: string): string {
  return [
    "\\set ON_ERROR_STOP on",
    "\\getenv app_user APP_DB_USER",
    "\\getenv app_password APP_DB_PASSWORD",
    `\\set schema ${APP_DB_SCHEMA}`,
    "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')",
    "  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \\gexec",
    "SELECT format('CREATE SCHEMA IF NOT EXISTS %I', :'schema') \\gexec",
    "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
    `REVOKE ALL ON DATABASE ${databaseName} FROM PUBLIC;`,
    "SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_user') \\gexec",
    "SELECT format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', :'schema', :'app_user') \\gexec",
    // On the database, not the role: the rotation function's `<role>_clone` must see the same tables.
    "SELECT format('ALTER DATABASE %I SET search_path = %I', current_database(), :'schema') \\gexec",
    "",
  ].join("\n");
}

/** What the bootstrap container gets: plain settings and the two credentials, from Secrets Manager. */
export interface DatabaseBootstrap {
  readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
  readonly secrets: readonly ContainerSecret[];
}

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
   * Database name (a PostgreSQL identifier).
   * @default "app"
   */
  readonly databaseName?: string;
  /**
   * The master user's name. "app" for history: it was the only user before the app got its own
   * role, and renaming the master user replaces the instance.
   * @default "app"
   */
  readonly username?: string;
  /**
   * Set while the tenant is being offboarded (`tenant:decommission`): deletion protection is lifted
   * so `pulumi destroy` can delete the instance, and deleting it leaves a final snapshot under this
   * name (`<identifier>-final-<yyyymmddhhmm>`, config.ts `finalSnapshotName`), in every environment.
   * @default undefined (protection and final snapshot per environment)
   */
  readonly decommissionSnapshotIdentifier?: string;
}

/** RDS PostgreSQL, its parameter group, and the app's credential (password and secret). */
export class TenantDatabase extends pulumi.ComponentResource {
  public readonly instance: aws.rds.Instance;
  /** The app's credential (JSON: engine, host, port, dbname, username, password, masterarn). */
  public readonly secret: aws.secretsmanager.Secret;
  /** `host:port` of the instance. */
  public readonly endpoint: pulumi.Output<string>;
  /** ARN of the app's credential secret. */
  public readonly secretArn: pulumi.Output<string>;
  /** ARN of the master user's secret, which RDS creates and rotates. */
  public readonly masterSecretArn: pulumi.Output<string>;
  /** The bootstrap container's settings and secrets. */
  public readonly bootstrap: DatabaseBootstrap;

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
    // The app role's first password; letters and digits are plenty at 40 (and safe in any client).
    const appPassword = new random.RandomPassword(
      `${name}-app-password`,
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
        // Storage autoscaling up to the tier's ceiling. Once RDS grows the storage, the provider
        // ignores an allocatedStorage below the actual one, so an `up` never tries to shrink it.
        maxAllocatedStorage: args.sizing.maxAllocatedStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        dbName: databaseName,
        username,
        // RDS keeps the master password in Secrets Manager, encrypted with the tenant's key, and
        // rotates it (every 7 days by default): no one, Pulumi state included, ever holds it.
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: args.kmsKeyArn,
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

    this.masterSecretArn = this.instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets?.[0]?.secretArn;
      if (!arn) {
        throw new Error(`database ${args.identifier}: RDS reported no master user secret`);
      }
      return arn;
    });
    this.secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: args.secretName,
        description: `Credentials of the app's own role on the ${args.identifier} database`,
        kmsKeyId: args.kmsKeyArn,
        // Protected environments keep a deleted secret recoverable for 30 days; elsewhere it goes at
        // once so a tenant can be offboarded and onboarded again under the same name.
        recoveryWindowInDays: protect ? 30 : 0,
      },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      // A new logical name (it was `-secret-value`, holding the master credential): a stack made
      // before the app had its own role gets this value once, then the rotation function owns it.
      `${name}-app-credential`,
      {
        secretId: this.secret.id,
        // The shape AWS's rotation functions read: `masterarn` names the secret whose user may
        // change this one's password (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html).
        secretString: pulumi.jsonStringify({
          engine: "postgres",
          host: this.instance.address,
          port: POSTGRES_PORT,
          dbname: databaseName,
          username: APP_DB_ROLE,
          password: appPassword.result,
          masterarn: this.masterSecretArn,
        }),
      },
      // After the first write the rotation function owns the value: a new version from here would
      // put back a password the database no longer accepts.
      { parent: this, ignoreChanges: ["secretString"] },
    );
    this.endpoint = this.instance.endpoint;
    this.secretArn = this.secret.arn;
    const field = (arn: pulumi.Output<string>, key: string) => pulumi.interpolate`${arn}:${key}::`;
    this.bootstrap = {
      environment: {
        PGSSLMODE: "require",
        PGCONNECT_TIMEOUT: "10",
        BOOTSTRAP_SQL: bootstrapSql(databaseName),
      },
      secrets: [
        { name: "PGHOST", valueFrom: field(this.secret.arn, "host") },
        { name: "PGPORT", valueFrom: field(this.secret.arn, "port") },
        { name: "PGDATABASE", valueFrom: field(this.secret.arn, "dbname") },
        { name: "PGUSER", valueFrom: field(this.masterSecretArn, "username") },
        { name: "PGPASSWORD", valueFrom: field(this.masterSecretArn, "password") },
        { name: "APP_DB_USER", valueFrom: field(this.secret.arn, "username") },
        { name: "APP_DB_PASSWORD", valueFrom: field(this.secret.arn, "password") },
      ],
    };
    this.registerOutputs({
      endpoint: this.endpoint,
      secretArn: this.secretArn,
      masterSecretArn: this.masterSecretArn,
    });
  }
}
