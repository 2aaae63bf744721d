/**
 * The tenant's Redis cache (tiers with a cache): an ElastiCache replication group in the base stack's
 * isolated subnets, encrypted at rest with the tenant's key and in transit, behind an auth token
 * generated here and kept in the tenant's own secret.
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

  constructor(name: string, args: TenantCacheArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantCache", name, {}, opts);
    // Auth tokens: 16 to 128 printable characters without "@", '"' or "/"; letters and digits.
    const token = new random.RandomPassword(
      `${name}-auth-token`,
      { length: 64, special: false },
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
    new aws.secretsmanager.SecretVersion(
      `${name}-secret-value`,
      {
        secretId: this.secret.id,
        secretString: pulumi.jsonStringify({ host, port: REDIS_PORT, tls: true, authToken: token.result }),
      },
      { parent: this },
    );
    this.endpoint = pulumi.interpolate`${host}:${REDIS_PORT}`;
    this.secretArn = this.secret.arn;
    this.registerOutputs({ endpoint: this.endpoint, secretArn: this.secretArn });
  }
}
