/**
 * The tenant program: one tenant in one environment, on top of that environment's base stack.
 *
 * {@link createTenantStack} validates everything it is given (the spec against its tier, the base
 * stack's outputs against the contract, the environment against the spec) before it creates the
 * first resource, then builds the components in dependency order. Resource shapes (counts, sizes,
 * which components exist) come from the spec and the tier catalog only, never from the reference.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BASE_OUTPUT_KEYS,
  BaseOutputs,
  buildTags,
  defaultBaseStackName,
  Environment,
  ENVIRONMENT_PROFILES,
  INGRESS_SHARDS_KEY,
  ingressPlacement,
  ingressShardsOf,
  parseBaseOutputs,
  physicalName,
  Problem,
  ProblemsError,
} from "../common";
import { TenantAppSecrets } from "./appSecrets";
import { TenantCache } from "./cache";
import { AppSecrets, environmentNotListed, loadTenantConfig, TENANT_CONFIG_KEYS } from "./contract";
import { Decommission, finalSnapshotName } from "./decommission";

import { TenantDatabase } from "./database";
import { TenantIdentity } from "./identity";
import { TenantKey } from "./keys";
import { TenantLogs } from "./logs";
import { TenantNetwork } from "./network";
import { TenantObservability } from "./observability";
import { APP_CREDENTIAL_ROTATION_DAYS, TenantCredentialRotation } from "./rotation";
import { APP_PORT, ContainerSecret, TenantService } from "./service";
import { healthCheckPathOf, migrateCommandOf, TenantSpec, tenantHostname } from "./spec";
import { TenantStorage } from "./storage";
import { effectiveSizing } from "../common";

/** What a tenant stack exports. */
export interface TenantOutputs {
  readonly tenant: string;
  readonly tier: string;
  readonly environment: Environment;
  /** `https://<host>`. */
  readonly url: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  /** `host:port` of the database, and the secret with its credentials. */
  readonly databaseEndpoint: pulumi.Output<string>;
  readonly databaseSecretArn: pulumi.Output<string>;
  readonly bucketName: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  readonly dashboardName: pulumi.Output<string>;
  /** `host:port` of the cache and the secret with its token, for tiers with a cache. */
  readonly cacheEndpoint?: pulumi.Output<string>;
  readonly cacheSecretArn?: pulumi.Output<string>;
  /** While the stack is being decommissioned (`tenant:decommission`): what destroying it keeps. */
  readonly decommission?: DecommissionOutputs;
}

/**
 * What a decommissioned tenant leaves behind once its stack is destroyed: the final snapshots (in
 * the stack's account and region, kept until deleted by hand), the dedicated key that encrypts them
 * (every environment: a deleted key would make them unreadable) and, where the environment protects
 * data stores, the bucket, retained in AWS but no longer in any stack. A staging bucket is deleted;
 * its copy is the base stack's latest AWS Backup recovery point of it.
 */
export interface DecommissionOutputs {
  /** The `tenant:decommission` timestamp. */
  readonly at: string;
  /** RDS snapshot taken when the instance is deleted. */
  readonly databaseFinalSnapshot: string;
  /** ElastiCache snapshot taken when the replication group is deleted (tiers with a cache). */
  readonly cacheFinalSnapshot?: string;
  /** The bucket left in AWS by `pulumi destroy` (production); absent where it is deleted. */
  readonly retainedBucket?: string;
  /** ARN of the dedicated key left in AWS (tiers with a dedicated key, every environment). */
  readonly retainedKeyArn?: pulumi.Output<string>;
}

/** Options of {@link createTenantStack}. */
export interface TenantStackOptions {
  /**
   * The stack is being decommissioned (`tenant:decommission`, set by `tenant offboard`): lift the
   * database's deletion protection, name final snapshots after the time, and, where the
   * environment protects data stores, retain the bucket and the dedicated key on destroy.
   * @default undefined (protection per environment)
   */
  readonly decommission?: Decommission;
  /**
   * The application's own secrets (`tenant:secrets`): kept in a Secrets Manager secret and handed
   * to the container as environment variables of the same names.
   * @default undefined (none: no secret, nothing else changes)
   */
  readonly appSecrets?: AppSecrets;
}

/** Every AWS physical name of a tenant stack, from the one naming function. */
export function tenantPhysicalNames(tenant: string, environment: Environment, account: string) {
  const p = { environment, tenant };
  return Object.freeze({
    service: physicalName("ecs", { ...p, role: "app" }),
    // No role: `plat-<env>-<20-character id>` is 29 of the target group's 32 characters.
    targetGroup: physicalName("targetGroup", p),
    database: physicalName("rds", { ...p, role: "db" }),
    databaseSecret: physicalName("secret", { ...p, role: "db" }),
    cache: physicalName("elasticache", { ...p, role: "cache" }),
    cacheSecret: physicalName("secret", { ...p, role: "cache" }),
    appSecret: physicalName("secret", { ...p, role: "app" }),
    // Bucket names are global: the account id keeps two accounts' platforms apart.
    bucket: physicalName("s3", { ...p, role: `data-${account}` }),
    taskRole: physicalName("iamRole", { ...p, role: "task" }),
    executionRole: physicalName("iamRole", { ...p, role: "exec" }),
    logGroup: physicalName("logGroup", { ...p, role: "app" }),
    dashboard: physicalName("dashboard", p),
    // KMS aliases allow 256 characters of letters, digits, "-", "_" and "/": the ECS rule's shape.
    keyAlias: physicalName("ecs", { ...p, role: "key" }),
    rotationFunction: physicalName("lambda", { ...p, role: "db-rotation" }),
    rotationStack: physicalName("sarStack", { ...p, role: "db-rotation" }),
  });
}

/**
 * Reads the base stack's outputs through a `StackReference` and validates them against the contract.
 * Awaited before any resource exists, so a missing or malformed base output stops the program first.
 */
export async function readBaseOutputs(baseStackName: string): Promise<BaseOutputs> {
  const ref = new pulumi.StackReference(baseStackName);
  const entries = await Promise.all(
    BASE_OUTPUT_KEYS.map(async (key) => {
      const details = await ref.getOutputDetails(key);
      return [key, details.value ?? details.secretValue] as const;
    }),
  );
  return parseBaseOutputs(baseStackName, Object.fromEntries(entries.filter(([, v]) => v !== undefined)));
}

/** Account, partition and region of the base stack, from its platform key's ARN. */
function awsContext(base: BaseOutputs): { account: string; partition: string; region: string } {
  const [, partition, , region, account] = base.platformKmsKeyArn.split(":");
  return { account, partition, region: region || base.region };
}

/**
 * Declares one tenant's stack: provider with the tenant's default tags, key, log group, security
 * groups, bucket, database, cache (per tier), roles, service and monitoring.
 * @param spec a validated spec (parseTenantSpec).
 * @param baseStackName the base stack to read. @default defaultBaseStackName(environment)
 * @param options decommissioning (offboarding). @default {}
 * @throws before any resource is created: the environment is not one of the spec's, the base stack
 * serves another environment or breaks the contract, or `aws:region` differs from the base's region.
 */
export async function createTenantStack(
  spec: TenantSpec,
  environment: Environment,
  baseStackName: string = defaultBaseStackName(environment),
  options: TenantStackOptions = {},
): Promise<TenantOutputs> {
  const problems: Problem[] = environmentNotListed(spec, environment);
  const sizing = effectiveSizing(spec, environment);
  const tags = buildTags({
    tenant: spec.id,
    environment,
    owner: spec.owner,
    costCenter: spec.costCenter,
    dataClassification: spec.dataClassification,
    tier: spec.tier,
  });
  const heading = `tenant ${spec.id} cannot be deployed to ${environment}`;
  if (problems.length > 0) {
    throw new ProblemsError(heading, problems);
  }
  const base = await readBaseOutputs(baseStackName);
  const { account, partition, region } = awsContext(base);
  if (base.environment !== environment) {
    problems.push({
      path: TENANT_CONFIG_KEYS.baseStackName,
      value: baseStackName,
      message: `"${baseStackName}" is the ${base.environment} base stack; expected a ${environment} one`,
    });
  }
  const configuredRegion = new pulumi.Config("aws").get("region");
  if (configuredRegion !== undefined && configuredRegion !== base.region) {
    problems.push({
      path: "aws:region",
      value: configuredRegion,
      message:
        `"${configuredRegion}" differs from the base stack's region "${base.region}"; ` +
        `tenant resources live in the base's region (unset aws:region or set it to ${base.region})`,
    });
  }
  const placement = ingressPlacement(spec);
  const shards = ingressShardsOf(base);
  const shard = shards[placement.shard];
  if (!shard) {
    problems.push({
      path: "ingressShard",
      value: placement.shard,
      message:
        `the tenant is placed on ingress shard ${placement.shard}, but the ${environment} base stack has ` +
        `${shards.length} (0 to ${shards.length - 1}); raise ${INGRESS_SHARDS_KEY} to at least ${placement.shard + 1} ` +
        `on the ${environment} base stack and run its up, or move the tenant (docs/runbooks/move-tenant-shard.md)`,
    });
  }
  if (problems.length > 0 || !shard) {
    throw new ProblemsError(heading, problems);
  }

  const names = tenantPhysicalNames(spec.id, environment, account);
  const hostname = tenantHostname(spec, base.domain);
  const protect = ENVIRONMENT_PROFILES[environment].deletionProtection;
  const decommission = options.decommission;
  // Decommissioning: the final snapshots outlive the stack everywhere, and so does the dedicated key
  // that encrypts them. Where data stores are protected the bucket is kept too; in staging it is
  // deleted, and the base stack's AWS Backup recovery points of it are its copy.
  const retain = decommission !== undefined && protect;
  const retainKey = decommission !== undefined;
  const databaseFinalSnapshot = decommission ? finalSnapshotName(names.database, decommission) : undefined;
  const cacheFinalSnapshot =
    decommission && sizing.cache.enabled ? finalSnapshotName(names.cache, decommission) : undefined;
  const provider = new aws.Provider("aws", {
    region: base.region as aws.Region,
    defaultTags: { tags: { ...tags } },
  });
  const opts: pulumi.ComponentResourceOptions = { providers: [provider] };
  const logGroupArn = `arn:${partition}:logs:${region}:${account}:log-group:${names.logGroup}`;

  const key = new TenantKey(
    "key",
    {
      tenant: spec.id,
      dedicated: sizing.dedicatedKmsKey,
      platformKeyArn: base.platformKmsKeyArn,
      aliasName: names.keyAlias,
      account,
      region,
      partition,
      logGroupArn,
      retainOnDelete: retainKey,
    },
    opts,
  );
  const logs = new TenantLogs(
    "logs",
    { logGroupName: names.logGroup, retentionInDays: sizing.logRetentionDays, kmsKeyArn: key.arn },
    opts,
  );
  const network = new TenantNetwork(
    "network",
    {
      tenant: spec.id,
      vpcId: base.vpcId,
      albSecurityGroupId: base.albSecurityGroupId,
      appPort: APP_PORT,
      cache: sizing.cache.enabled,
    },
    opts,
  );
  const storage = new TenantStorage(
    "storage",
    {
      bucketName: names.bucket,
      environment,
      kmsKeyArn: key.arn,
      forceDestroy: !protect,
      retainOnDelete: retain,
      decommissionedAt: retain ? decommission.at : undefined,
      // FSBP S3.9: the environment's server access log bucket, one prefix per tenant.
      serverAccessLogs: { targetBucket: base.s3AccessLogBucketName, targetPrefix: `tenants/${spec.id}/` },
    },
    opts,
  );
  const database = new TenantDatabase(
    "database",
    {
      environment,
      sizing: sizing.database,
      identifier: names.database,
      secretName: names.databaseSecret,
      subnetGroupName: base.dbSubnetGroupName,
      securityGroupId: network.databaseSecurityGroup.id,
      kmsKeyArn: key.arn,
      decommissionSnapshotIdentifier: databaseFinalSnapshot,
    },
    opts,
  );
  const rotation = spec.cacheTokenRotation;
  const cache =
    sizing.cache.enabled && network.cacheSecurityGroup
      ? new TenantCache(
          "cache",
          {
            replicationGroupId: names.cache,
            secretName: names.cacheSecret,
            nodeType: sizing.cache.nodeType,
            numCacheClusters: sizing.cache.numCacheClusters,
            automaticFailover: sizing.cache.automaticFailover,
            multiAz: sizing.cache.multiAz,
            subnetGroupName: base.cacheSubnetGroupName,
            securityGroupId: network.cacheSecurityGroup.id,
            kmsKeyArn: key.arn,
            protect,
            snapshotRetentionDays: sizing.cache.automaticFailover ? 7 : 1,
            decommissionSnapshotIdentifier: cacheFinalSnapshot,
            authTokenRotation: rotation
              ? { generation: rotation.generation, strategy: rotation.phase === "rotate" ? "ROTATE" : "SET" }
              : undefined,
          },
          opts,
        )
      : undefined;
  const appSecrets = options.appSecrets
    ? new TenantAppSecrets(
        "app-secrets",
        {
          secretName: names.appSecret,
          tenant: spec.id,
          names: options.appSecrets.names,
          values: options.appSecrets.values,
          kmsKeyArn: key.arn,
          recoveryWindowInDays: protect ? 30 : 0,
        },
        opts,
      )
    : undefined;
  const secretArns = [database.secretArn, ...(cache ? [cache.secretArn] : [])];
  const identity = new TenantIdentity(
    "identity",
    {
      taskRoleName: names.taskRole,
      executionRoleName: names.executionRole,
      account,
      region,
      partition,
      bucketArn: storage.bucketArn,
      secretArns,
      // The master credential only ever reaches the bootstrap container, through ECS at start.
      startupSecretArns: [database.masterSecretArn, ...(appSecrets ? [appSecrets.secretArn] : [])],
      kmsKeyArn: key.arn,
      dedicatedKey: sizing.dedicatedKmsKey,
      logGroupArn: logs.arn,
      ecrRepositoryArn: base.ecrRepositoryArn,
    },
    opts,
  );
  const field = (arn: pulumi.Output<string>, key: string) => pulumi.interpolate`${arn}:${key}::`;
  const secrets: ContainerSecret[] = [
    { name: "DB_HOST", valueFrom: field(database.secretArn, "host") },
    { name: "DB_PORT", valueFrom: field(database.secretArn, "port") },
    { name: "DB_NAME", valueFrom: field(database.secretArn, "dbname") },
    { name: "DB_USER", valueFrom: field(database.secretArn, "username") },
    { name: "DB_PASSWORD", valueFrom: field(database.secretArn, "password") },
    ...(cache
      ? [
          { name: "REDIS_HOST", valueFrom: field(cache.secretArn, "host") },
          // Pinned to the version: a rotated token is a new task definition, so the tasks roll onto it.
          {
            name: "REDIS_AUTH_TOKEN",
            valueFrom: pulumi.interpolate`${cache.secretArn}:authToken::${cache.secretVersionId}`,
          },
        ]
      : []),
    // Names validated against the platform's own (config.ts PLATFORM_ENV_NAMES): none shadows these.
    ...(appSecrets ? appSecrets.containerSecrets : []),
  ];
  const separator = spec.imageTag.startsWith("sha256:") ? "@" : ":";
  const service = new TenantService(
    "service",
    {
      tenant: spec.id,
      serviceName: names.service,
      targetGroupName: names.targetGroup,
      task: sizing.task,
      image: `${base.ecrRepositoryUrl}${separator}${spec.imageTag}`,
      hostname,
      listenerPriority: placement.priority,
      region: base.region,
      vpcId: base.vpcId,
      privateSubnetIds: base.privateSubnetIds,
      clusterArn: base.clusterArn,
      clusterName: base.clusterName,
      // The tenant's shard: its rule on that shard's HTTPS listener, its name an alias of that ALB.
      httpsListenerArn: shard.httpsListenerArn,
      hostedZoneId: base.hostedZoneId,
      albDnsName: shard.albDnsName,
      albZoneId: shard.albZoneId,
      securityGroupId: network.serviceSecurityGroup.id,
      taskRoleArn: identity.taskRoleArn,
      executionRoleArn: identity.executionRoleArn,
      logGroupName: logs.name,
      environmentVariables: {
        TENANT_ID: spec.id,
        APP_ENV: environment,
        APP_PORT: String(APP_PORT),
        AWS_REGION: base.region,
        S3_BUCKET: storage.bucketName,
        ...(cache ? { REDIS_TLS: "true" } : {}),
      },
      secrets,
      healthCheckPath: healthCheckPathOf(spec),
      migrateCommand: migrateCommandOf(spec),
      bootstrap: database.bootstrap,
    },
    opts,
  );
  new TenantCredentialRotation(
    "db-rotation",
    {
      stackName: names.rotationStack,
      functionName: names.rotationFunction,
      secretArn: database.secretArn,
      masterSecretArn: database.masterSecretArn,
      kmsKeyArn: key.arn,
      subnetIds: base.privateSubnetIds,
      securityGroupId: network.rotationSecurityGroup.id,
      region: base.region,
      rotationDays: APP_CREDENTIAL_ROTATION_DAYS,
    },
    // The first rotation clones the app's role, which the first task's bootstrap creates.
    { ...opts, dependsOn: [service] },
  );
  const observability = new TenantObservability(
    "observability",
    {
      tenant: spec.id,
      dashboardName: names.dashboard,
      region: base.region,
      alarmTopicArn: base.alarmTopicArn,
      clusterName: base.clusterName,
      serviceName: service.serviceName,
      albArnSuffix: shard.albArnSuffix,
      targetGroupArnSuffix: service.targetGroupArnSuffix,
      databaseIdentifier: names.database,
      thresholds: sizing.alarms,
      cache:
        cache && sizing.cache.enabled
          ? { replicationGroupId: names.cache, nodes: sizing.cache.numCacheClusters }
          : undefined,
    },
    opts,
  );

  return {
    tenant: spec.id,
    tier: spec.tier,
    environment,
    url: service.url,
    serviceName: service.serviceName,
    databaseEndpoint: database.endpoint,
    databaseSecretArn: database.secretArn,
    bucketName: storage.bucketName,
    logGroupName: logs.name,
    dashboardName: observability.dashboard.dashboardName,
    ...(cache ? { cacheEndpoint: cache.endpoint, cacheSecretArn: cache.secretArn } : {}),
    ...(decommission && databaseFinalSnapshot
      ? {
          decommission: {
            at: decommission.at,
            databaseFinalSnapshot,
            ...(cache && cacheFinalSnapshot ? { cacheFinalSnapshot } : {}),
            ...(retain ? { retainedBucket: names.bucket } : {}),
            ...(retainKey && key.key ? { retainedKeyArn: key.key.arn } : {}),
          },
        }
      : {}),
  };
}

/**
 * The one program entry: the stack's config (contract.ts, the spec included: `tenant:spec` is its
 * only channel), then the tenant's stack. `pulumi -C tenants up` (index.ts), the automation
 * service's inline program (automation/cli/programs.ts) and the offline recorder (offline/tenant.ts)
 * all run exactly this function.
 */
export async function tenantProgram(): Promise<TenantOutputs> {
  const config = loadTenantConfig();
  return createTenantStack(config.spec, config.environment, config.baseStackName, {
    decommission: config.decommission,
    appSecrets: config.appSecrets,
  });
}
