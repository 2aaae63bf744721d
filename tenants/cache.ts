/**
 * The tenant's Redis cache (tiers with a cache): an ElastiCache replication group in the base stack's
 * isolated subnets, encrypted at rest with the tenant's key and in transit, behind an auth token
 * generated here and kept in the tenant's own secret.
 *
 * Rotating the token (docs/tenant-stack.md, "Rotation"): a new `authTokenRotation.generation` makes a
 * new token, which ElastiCache adds next to the old one (`ROTATE`: both accepted) while the secret
 * gets a new version and the tasks roll onto it; the next update with `SET` leaves only the new one.
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html#auth-modifyng-token
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { REDIS_PORT } from "./network";

/** Redis engine version and its parameter group family. */
export const REDIS_ENGINE_VERSION = "7.1";

/** Arguments of {@link TenantCache}. */
export interface TenantCacheArgs {
  /** Replication group id (at most 40 characters, lowercase). */
  readonly replicationGroupId: string;
  /** Name of the auth token secret. */
  readonly secretName: string;
  readonly nodeType: string;
  /** Nodes: the primary plus replicas. */
  readonly numCacheClusters: number;
  readonly automaticFailover: boolean;
  readonly multiAz: boolean;
  /** The base stack's ElastiCache subnet group (isolated subnets). */
  readonly subnetGroupName: string;
  /** The cache security group (ingress from the tenant's service only). */
  readonly securityGroupId: pulumi.Input<string>;
  /** The tenant's key: data at rest and the secret. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Whether deleted secrets stay recoverable (30 days) and a final snapshot is taken. */
  readonly protect: boolean;
  /**
   * Days of automatic snapshots.
   * @default 1
   */
  readonly snapshotRetentionDays?: number;
  /**
   * A rotation of the auth token in progress or done: its generation (a new one makes a new token)
   * and ElastiCache's strategy (`ROTATE`: the new token next to the old; `SET`: only the new one).
   * @default undefined (the token made at creation, no strategy)
   */
  readonly authTokenRotation?: { readonly generation: number; readonly strategy: "ROTATE" | "SET" };
  /**
   * Set while the tenant is being offboarded (`tenant:decommission`): deleting the replication group
   * leaves a final snapshot under this name (`<id>-final-<yyyymmddhhmm>`), in every environment.
   * @default undefined (a final snapshot `<id>-final` where `protect` is on, none elsewhere)
   */
  readonly decommissionSnapshotIdentifier?: string;
}

/** Replication group, auth token and its secret. */
export class TenantCache extends pulumi.ComponentResource {
  public readonly replicationGroup: aws.elasticache.ReplicationGroup;
  public readonly secret: aws.secretsmanager.Secret;
  /** `host:port` of the primary endpoint. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly secretArn: pulumi.Output<string>;
  /** The secret's current version: containers that name it roll when the token changes. */
  public readonly secretVersionId: pulumi.Output<string>;

  constructor(name: string, args: TenantCacheArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantCache", name, {}, opts);
    // Auth tokens: 16 to 128 printable characters without "@", '"' or "/"; letters and digits.
    const rotation = args.authTokenRotation;
    const token = new random.RandomPassword(
      `${name}-auth-token`,
      // Keepers only once a rotation was asked for: adding them to a stack made before would itself
      // replace the token.
      {
        length: 64,
        special: false,
        ...(rotation ? { keepers: { generation: String(rotation.generation) } } : {}),
      },
      { parent: this },
    );
    this.replicationGroup = new aws.elasticache.ReplicationGroup(
      name,
      {
        replicationGroupId: args.replicationGroupId,
        description: `Redis cache ${args.replicationGroupId}`,
        engine: "redis",
        engineVersion: REDIS_ENGINE_VERSION,
        nodeType: args.nodeType,
        numCacheClusters: args.numCacheClusters,
        automaticFailoverEnabled: args.automaticFailover,
        multiAzEnabled: args.multiAz,
        port: REDIS_PORT,
        subnetGroupName: args.subnetGroupName,
        securityGroupIds: [args.securityGroupId],
        atRestEncryptionEnabled: true,
        kmsKeyId: args.kmsKeyArn,
        transitEncryptionEnabled: true,
        authToken: token.result,
        ...(rotation ? { authTokenUpdateStrategy: rotation.strategy } : {}),
        snapshotRetentionLimit: args.snapshotRetentionDays ?? 1,
        snapshotWindow: "03:00-04:00",
        maintenanceWindow: "sun:05:30-sun:06:30",
        autoMinorVersionUpgrade: true,
        // Read only when the group is deleted: changing it modifies nothing in AWS.
        finalSnapshotIdentifier:
          args.decommissionSnapshotIdentifier ??
          (args.protect ? `${args.replicationGroupId}-final` : undefined),
        applyImmediately: !args.protect,
      },
      { parent: this },
    );
    this.secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: args.secretName,
        description: `Auth token of the ${args.replicationGroupId} cache`,
        kmsKeyId: args.kmsKeyArn,
        recoveryWindowInDays: args.protect ? 30 : 0,
      },
      { parent: this },
    );
    const host = this.replicationGroup.primaryEndpointAddress;
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-secret-value`,
      {
        secretId: this.secret.id,
        secretString: pulumi.jsonStringify({ host, port: REDIS_PORT, tls: true, authToken: token.result }),
      },
      // The new token reaches the secret only once ElastiCache accepts it.
      { parent: this, dependsOn: [this.replicationGroup] },
    );
    this.endpoint = pulumi.interpolate`${host}:${REDIS_PORT}`;
    this.secretVersionId = version.versionId;
    this.secretArn = this.secret.arn;
    this.registerOutputs({ endpoint: this.endpoint, secretArn: this.secretArn });
  }
}
