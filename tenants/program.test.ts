/**
 * The tenant program under Pulumi's mocks, one recording per case (beforeAll), many assertions each:
 * per tier the exact resources and the inputs that matter, production against staging, isolation
 * between two tenants, physical names of the longest tenant id, and the errors that stop the
 * program before any resource exists.
 */
import * as fc from "fast-check";
import { buildTags, Environment, ENVIRONMENTS, NAME_RULES, tenantStackName } from "../common";
import {
  countByType,
  one,
  ofType,
  providerOf,
  record,
  Recording,
  RecordedResource,
} from "../offline/recorder";
import { problemLines } from "../common";
import { TENANT_CONFIG_KEYS, TENANT_PROJECT } from "./contract";
import { finalSnapshotName, parseDecommission } from "./decommission";
import { APP_SECRETS_MAX, appSecretsProblems, PLATFORM_ENV_NAMES } from "./secretNames";
import { recordBase } from "../offline/base";
import { recordTenant } from "../offline/tenant";
import { createTenantStack, tenantPhysicalNames, tenantProgram } from "./program";
import { SECURITY_GROUP_DESCRIPTION_PATTERN } from "./network";
import { derivedListenerPriority } from "./routing";
import { loadRegistry } from "./registry";
import { parseTenantSpec, TenantSpec } from "./spec";
import { fixtureBaseOutputs } from "./testing/baseOutputs";
import { Tier, TIERS } from "../common";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function spec(id: string, tier: Tier, extra: Record<string, unknown> = {}): TenantSpec {
  return parseTenantSpec({
    id,
    displayName: `${id} Inc.`,
    tier,
    environments: ["staging", "production"],
    owner: `${id}-team@example.com`,
    costCenter: `CC-${id.length}00`,
    dataClassification: "confidential",
    imageTag: "1.4.2",
    ...extra,
  });
}

/** A recorded input that Pulumi marked secret, or the plain value. */
function plain(value: any): any {
  return value && typeof value === "object" && SECRET_SIG in value ? value.value : value;
}

function isSecret(value: any): boolean {
  return Boolean(value && typeof value === "object" && SECRET_SIG in value);
}

/** Order-free comparison: registrations finish in whatever order their inputs resolve. */
const bag = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
const json = (r: RecordedResource, field: string) => JSON.parse(plain(r.inputs[field]));
const stateOf = (rec: Recording, type: string, name?: string) => one(rec, type, name).state;
/** The task definition's containers by name (`db-bootstrap`, `migrate`, `app`), and their order. */
const containersOf = (rec: Recording) => {
  const list: any[] = json(one(rec, "aws:ecs/taskDefinition:TaskDefinition"), "containerDefinitions");
  return Object.assign(Object.fromEntries(list.map((c) => [c.name, c])), { order: list.map((c) => c.name) });
};
const appContainer = (rec: Recording) => containersOf(rec).app;

/** Everything a stack declares for one tier; counts are exact. */
const COMMON_COUNTS = {
  "aws:appautoscaling/policy:Policy": 2,
  "aws:appautoscaling/target:Target": 1,
  "aws:cloudwatch/dashboard:Dashboard": 1,
  "aws:cloudwatch/logGroup:LogGroup": 1,
  "aws:ecs/service:Service": 1,
  "aws:ecs/taskDefinition:TaskDefinition": 1,
  "aws:iam/role:Role": 2,
  "aws:iam/rolePolicy:RolePolicy": 2,
  "aws:lb/listenerRule:ListenerRule": 1,
  "aws:lb/targetGroup:TargetGroup": 1,
  "aws:rds/instance:Instance": 1,
  "aws:rds/parameterGroup:ParameterGroup": 1,
  "aws:route53/record:Record": 1,
  "aws:s3/bucket:Bucket": 1,
  // Server access logs to the base stack's access-log bucket (FSBP S3.9).
  "aws:s3/bucketLogging:BucketLogging": 1,
  "aws:secretsmanager/secretRotation:SecretRotation": 1,
  "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": 1,
  "aws:s3/bucketPolicy:BucketPolicy": 1,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
  "aws:s3/bucketVersioning:BucketVersioning": 1,
  "platform:tenant:TenantCredentialRotation": 1,
  "platform:tenant:TenantDatabase": 1,
  "platform:tenant:TenantIdentity": 1,
  "platform:tenant:TenantKey": 1,
  "platform:tenant:TenantLogs": 1,
  "platform:tenant:TenantNetwork": 1,
  "platform:tenant:TenantObservability": 1,
  "platform:tenant:TenantService": 1,
  "platform:tenant:TenantStorage": 1,
  "pulumi:providers:aws": 1,
  "pulumi:pulumi:StackReference": 1,
};
const CACHE_COUNTS = {
  "aws:elasticache/replicationGroup:ReplicationGroup": 1,
  "aws:secretsmanager/secret:Secret": 2,
  "aws:secretsmanager/secretVersion:SecretVersion": 2,
  "aws:ec2/securityGroup:SecurityGroup": 4,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 5,
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4,
  "platform:tenant:TenantCache": 1,
  "random:index/randomPassword:RandomPassword": 2,
};
const NO_CACHE_COUNTS = {
  "aws:secretsmanager/secret:Secret": 1,
  "aws:secretsmanager/secretVersion:SecretVersion": 1,
  "aws:ec2/securityGroup:SecurityGroup": 3,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 4,
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3,
  "random:index/randomPassword:RandomPassword": 1,
};
const sorted = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

/** Time limit per recording in a hook. */
const RECORDING_TIMEOUT_MS = 60_000;

/** Every recording, made once. */
const recs: Record<string, Recording> = {};
const run = async (
  key: string,
  s: TenantSpec,
  env: Environment,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
) => {
  recs[key] = await recordTenant(s, env, fixtureBaseOutputs(env), undefined, config, secretKeys);
};

/** The application secrets of the `app-secrets` recording (`tenant:secrets`, a secret key). */
const APP_SECRETS = { API_TOKEN: "tok-7f3a9c", SMTP_PASSWORD: "mail-0b51e2", FEATURE_KEY: "feat-c4d8" };

beforeAll(async () => {
  await run("enterprise-production", spec("acme", "enterprise"), "production");
  await run("enterprise-staging", spec("acme", "enterprise"), "staging");
  await run("standard-staging", spec("globex", "standard", { subdomain: "portal" }), "staging");
  await run("trial-staging", spec("initech", "trial", { environments: ["staging"] }), "staging");
  await run(
    "trial-production",
    spec("initech", "trial", { sizing: { cpu: 512, memory: 1024 }, imageTag: `sha256:${"b".repeat(64)}` }),
    "production",
  );
  await run(
    "app-secrets",
    spec("hooli", "standard", { environments: ["staging"] }),
    "staging",
    { [TENANT_CONFIG_KEYS.secrets]: JSON.stringify(APP_SECRETS) },
    [TENANT_CONFIG_KEYS.secrets],
  );
  // About 1 s per recording on an idle machine, many times that when the whole suite and the e2e
  // tests share two cores: a limit per recording, not jest's one per hook.
}, 6 * RECORDING_TIMEOUT_MS);

describe("enterprise tier (acme, production)", () => {
  let rec: Recording;
  const base = fixtureBaseOutputs("production");
  beforeAll(() => (rec = recs["enterprise-production"]));

  it("declares exactly these resources", () => {
    expect(countByType(rec)).toEqual(
      sorted({
        ...COMMON_COUNTS,
        ...CACHE_COUNTS,
        "aws:kms/key:Key": 1,
        "aws:kms/alias:Alias": 1,
        // 8 for the service, requests and database, 2 per cache node (primary and replica).
        "aws:cloudwatch/metricAlarm:MetricAlarm": 12,
      }),
    );
    expect(expectedCounts("enterprise")).toEqual(countByType(rec));
    expect(rec.resources).toHaveLength(70);
  });

  it("tags every resource through the provider's default tags", () => {
    const provider = one(rec, "pulumi:providers:aws");
    expect(JSON.parse(provider.inputs.defaultTags)).toEqual({
      tags: buildTags({
        tenant: "acme",
        environment: "production",
        owner: "acme-team@example.com",
        costCenter: "CC-400",
        dataClassification: "confidential",
        tier: "enterprise",
      }),
    });
    expect(provider.inputs.region).toBe("us-east-1");
    for (const r of rec.resources.filter((r) => r.custom && r.type.startsWith("aws:"))) {
      expect(providerOf(rec, r)?.urn).toBe(provider.urn);
    }
  });

  it("has a dedicated key with rotation, scoped to this tenant's log group, encrypting everything", () => {
    const key = one(rec, "aws:kms/key:Key");
    expect(key.inputs).toMatchObject({
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
    });
    expect(one(rec, "aws:kms/alias:Alias").inputs.name).toBe("alias/plat-prd-acme-key");
    const policy = json(key, "policy");
    expect(policy.Statement.map((s: any) => s.Sid)).toEqual([
      "AccountRootManagesKeyAndDelegatesToIam",
      "CloudWatchLogsEncryptsThisTenantsLogGroup",
    ]);
    expect(policy.Statement[1].Condition).toEqual({
      ArnEquals: {
        "kms:EncryptionContext:aws:logs:arn":
          "arn:aws:logs:us-east-1:123456789012:log-group:plat-prd-acme-app",
      },
    });
    const keyArn = key.state.arn;
    expect(keyArn).not.toBe(base.platformKmsKeyArn);
    expect(one(rec, "aws:rds/instance:Instance").inputs.kmsKeyId).toBe(keyArn);
    expect(one(rec, "aws:rds/instance:Instance").inputs.performanceInsightsKmsKeyId).toBe(keyArn);
    expect(one(rec, "aws:elasticache/replicationGroup:ReplicationGroup").inputs.kmsKeyId).toBe(keyArn);
    expect(one(rec, "aws:cloudwatch/logGroup:LogGroup").inputs.kmsKeyId).toBe(keyArn);
    for (const secret of ofType(rec, "aws:secretsmanager/secret:Secret")) {
      expect(secret.inputs.kmsKeyId).toBe(keyArn);
    }
    const sse = one(
      rec,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(sse.inputs.rules).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
        bucketKeyEnabled: true,
      },
    ]);
  });

  it("runs the tier's task: size, non-root, read-only, logs, secrets from Secrets Manager", () => {
    const td = one(rec, "aws:ecs/taskDefinition:TaskDefinition");
    expect(td.inputs).toMatchObject({
      family: "plat-prd-acme-app",
      cpu: "1024",
      memory: "2048",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      executionRoleArn: stateOf(rec, "aws:iam/role:Role", "identity-execution").arn,
      taskRoleArn: stateOf(rec, "aws:iam/role:Role", "identity-task").arn,
    });
    const container = appContainer(rec);
    expect(container).toMatchObject({
      name: "app",
      image: `${base.ecrRepositoryUrl}:1.4.2`,
      user: "1000:1000",
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": "plat-prd-acme-app",
          "awslogs-region": "us-east-1",
          "awslogs-stream-prefix": "acme",
        },
      },
    });
    const dbSecret = stateOf(rec, "aws:secretsmanager/secret:Secret", "database-secret").arn;
    const cacheSecret = stateOf(rec, "aws:secretsmanager/secret:Secret", "cache-secret").arn;
    expect(container.secrets).toEqual([
      { name: "DB_HOST", valueFrom: `${dbSecret}:host::` },
      { name: "DB_PORT", valueFrom: `${dbSecret}:port::` },
      { name: "DB_NAME", valueFrom: `${dbSecret}:dbname::` },
      { name: "DB_USER", valueFrom: `${dbSecret}:username::` },
      { name: "DB_PASSWORD", valueFrom: `${dbSecret}:password::` },
      { name: "REDIS_HOST", valueFrom: `${cacheSecret}:host::` },
      // Pinned to the version, so a rotated token rolls the service.
      {
        name: "REDIS_AUTH_TOKEN",
        valueFrom: `${cacheSecret}:authToken::${stateOf(rec, "aws:secretsmanager/secretVersion:SecretVersion", "cache-secret-value").versionId}`,
      },
    ]);
    // No secret value, and no secret-looking name, among the plain environment values.
    expect(container.environment.map((e: any) => e.name)).toEqual([
      "APP_ENV",
      "APP_PORT",
      "AWS_REGION",
      "REDIS_TLS",
      "S3_BUCKET",
      "TENANT_ID",
    ]);
    expect(JSON.stringify(container.environment)).not.toMatch(/placeholder-|PASSWORD|TOKEN/);
  });

  it("limits the execution role to pulling the image, writing its own log group and reading its own secrets", () => {
    const keyArn = one(rec, "aws:kms/key:Key").state.arn;
    const logGroupArn = stateOf(rec, "aws:cloudwatch/logGroup:LogGroup").arn;
    const secret = (name: string) => stateOf(rec, "aws:secretsmanager/secret:Secret", name).arn;
    expect(json(one(rec, "aws:iam/rolePolicy:RolePolicy", "identity-execution"), "policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "PullImage",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: base.ecrRepositoryArn,
        },
        {
          // `<group arn>:*`: CloudWatch Logs checks CreateLogStream against it, not `:log-stream:*`.
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logGroupArn}:*`,
        },
        {
          Sid: "ReadOwnSecrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          // The master user's secret (RDS's), for the bootstrap container only: ECS reads it at start.
          Resource: [
            secret("database-secret"),
            secret("cache-secret"),
            stateOf(rec, "aws:rds/instance:Instance").masterUserSecrets[0].secretArn,
          ],
        },
        {
          Sid: "DecryptOwnSecrets",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: keyArn,
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } },
        },
      ],
    });
  });

  it("orders what AWS checks at creation: policies before tasks, listener rule before service", () => {
    const urn = (type: string, name?: string) => one(rec, type, name).urn;
    const policy = (name: string) => urn("aws:iam/rolePolicy:RolePolicy", name);
    // ECS starts tasks as soon as the service exists: both roles must already hold their policies.
    expect(one(rec, "aws:ecs/taskDefinition:TaskDefinition").dependencies).toEqual(
      expect.arrayContaining([policy("identity-task"), policy("identity-execution")]),
    );
    // ECS refuses a target group no listener forwards to yet.
    expect(one(rec, "aws:ecs/service:Service").dependencies).toContain(
      urn("aws:lb/listenerRule:ListenerRule"),
    );
    // S3 rejects the bucket policy while the public access block is being applied.
    expect(one(rec, "aws:s3/bucketPolicy:BucketPolicy").dependencies).toContain(
      urn("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    );
    // CloudWatch Logs checks the key policy when the log group is created with the key.
    expect(one(rec, "aws:cloudwatch/logGroup:LogGroup").dependencies).toContain(urn("aws:kms/key:Key"));
  });

  it("runs a Fargate service in private subnets behind the listener, with rollback and autoscaling", () => {
    const service = one(rec, "aws:ecs/service:Service");
    expect(service.inputs).toMatchObject({
      name: "plat-prd-acme-app",
      cluster: base.clusterArn,
      launchType: "FARGATE",
      desiredCount: 3,
      healthCheckGracePeriodSeconds: 60,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // The health gate: create and update end only on a steady deployment, else they fail.
      waitForSteadyState: true,
      networkConfiguration: {
        subnets: base.privateSubnetIds,
        securityGroups: [stateOf(rec, SG, "network-service").id],
        assignPublicIp: false,
      },
      loadBalancers: [
        {
          targetGroupArn: stateOf(rec, "aws:lb/targetGroup:TargetGroup").arn,
          containerName: "app",
          containerPort: 8080,
        },
      ],
    });
    const tg = one(rec, "aws:lb/targetGroup:TargetGroup");
    expect(tg.inputs).toMatchObject({
      name: "plat-prd-acme",
      port: 8080,
      protocol: "HTTP",
      targetType: "ip",
      vpcId: base.vpcId,
      healthCheck: { enabled: true, path: "/healthz", matcher: "200-399" },
    });
    expect(one(rec, "aws:lb/listenerRule:ListenerRule").inputs).toEqual({
      listenerArn: base.httpsListenerArn,
      priority: derivedListenerPriority("acme"),
      conditions: [{ hostHeader: { values: ["acme.platform.example.com"] } }],
      actions: [{ type: "forward", targetGroupArn: tg.state.arn }],
    });
    expect(one(rec, "aws:route53/record:Record").inputs).toMatchObject({
      zoneId: base.hostedZoneId,
      name: "acme.platform.example.com",
      type: "A",
      aliases: [{ name: base.albDnsName, zoneId: base.albZoneId, evaluateTargetHealth: true }],
    });
    expect(one(rec, "aws:appautoscaling/target:Target").inputs).toMatchObject({
      minCapacity: 3,
      maxCapacity: 20,
      resourceId: "service/plat-prd/plat-prd-acme-app",
      scalableDimension: "ecs:service:DesiredCount",
    });
    expect(
      bag(
        ofType(rec, "aws:appautoscaling/policy:Policy").map((p) => [
          p.inputs.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification
            .predefinedMetricType,
          p.inputs.targetTrackingScalingPolicyConfiguration.targetValue,
        ]),
      ),
    ).toEqual(
      bag([
        ["ECSServiceAverageCPUUtilization", 60],
        ["ECSServiceAverageMemoryUtilization", 70],
      ]),
    );
  });

  it("keeps a Multi-AZ, TLS-only, protected database with the tier's size and backups", () => {
    const db = one(rec, "aws:rds/instance:Instance");
    expect(db.inputs).toMatchObject({
      identifier: "plat-prd-acme-db",
      engine: "postgres",
      instanceClass: "db.m7g.large",
      allocatedStorage: 100,
      // Storage autoscaling up to the tier's ceiling.
      maxAllocatedStorage: TIERS.enterprise.limits.maxAllocatedStorageGb,
      multiAz: true,
      backupRetentionPeriod: 35,
      // Clear of the base backup plan's 03:00 UTC start window.
      backupWindow: "01:00-02:00",
      storageEncrypted: true,
      publiclyAccessible: false,
      dbSubnetGroupName: base.dbSubnetGroupName,
      vpcSecurityGroupIds: [stateOf(rec, SG, "network-db").id],
      parameterGroupName: "plat-prd-acme-db",
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "plat-prd-acme-db-final",
      performanceInsightsEnabled: true,
      tags: { Backup: "production" },
    });
    // RDS keeps and rotates the master password; no program, state or container holds it.
    expect(db.inputs).toMatchObject({
      username: "app",
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: one(rec, "aws:kms/key:Key").state.arn,
    });
    expect(db.inputs.password).toBeUndefined();
    expect(one(rec, "aws:rds/parameterGroup:ParameterGroup").inputs).toMatchObject({
      family: "postgres16",
      parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
    });
    const version = one(rec, "aws:secretsmanager/secretVersion:SecretVersion", "database-app-credential");
    expect(isSecret(version.inputs.secretString)).toBe(true);
    // The app's own role, and the master secret the rotation function logs in with.
    const password = one(rec, "random:index/randomPassword:RandomPassword", "database-app-password");
    expect(password.inputs).toEqual({ length: 40, special: false });
    expect(JSON.parse(plain(version.inputs.secretString))).toEqual({
      engine: "postgres",
      host: db.state.address,
      port: 5432,
      dbname: "app",
      username: "app_user",
      password: password.state.result,
      masterarn: db.state.masterUserSecrets[0].secretArn,
    });
    expect(one(rec, "aws:secretsmanager/secret:Secret", "database-secret").inputs).toMatchObject({
      name: "plat-prd-acme-db",
      recoveryWindowInDays: 30,
    });
  });

  it("keeps a primary and a replica cache with failover, encrypted at rest and in transit", () => {
    const cache = one(rec, "aws:elasticache/replicationGroup:ReplicationGroup");
    expect(cache.inputs).toMatchObject({
      replicationGroupId: "plat-prd-acme-cache",
      engine: "redis",
      nodeType: "cache.m7g.large",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      subnetGroupName: base.cacheSubnetGroupName,
      securityGroupIds: [stateOf(rec, SG, "network-cache").id],
      finalSnapshotIdentifier: "plat-prd-acme-cache-final",
    });
    expect(isSecret(cache.inputs.authToken)).toBe(true);
    const token = JSON.parse(
      plain(
        one(rec, "aws:secretsmanager/secretVersion:SecretVersion", "cache-secret-value").inputs.secretString,
      ),
    );
    expect(token).toEqual({
      host: cache.state.primaryEndpointAddress,
      port: 6379,
      tls: true,
      authToken: plain(cache.inputs.authToken),
    });
  });

  it("keeps a private, versioned, TLS-only bucket", () => {
    const bucket = one(rec, "aws:s3/bucket:Bucket");
    expect(bucket.inputs).toMatchObject({
      bucket: "plat-prd-acme-data-123456789012",
      forceDestroy: false,
      tags: { Backup: "production" },
    });
    expect(one(rec, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toEqual({
      bucket: bucket.state.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one(rec, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).toEqual({
      status: "Enabled",
    });
    expect(json(one(rec, "aws:s3/bucketPolicy:BucketPolicy"), "policy").Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.state.arn, `${bucket.state.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("logs for 365 days and alarms to the base topic at the tier's thresholds", () => {
    expect(one(rec, "aws:cloudwatch/logGroup:LogGroup").inputs).toMatchObject({
      name: "plat-prd-acme-app",
      retentionInDays: 365,
    });
    const tgSuffix = stateOf(rec, "aws:lb/targetGroup:TargetGroup").arnSuffix;
    const alarms = ofType(rec, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
    const t = TIERS.enterprise.alarms;
    const svc = { ClusterName: "plat-prd", ServiceName: "plat-prd-acme-app" };
    const tg = { LoadBalancer: base.albArnSuffix, TargetGroup: tgSuffix };
    const db = { DBInstanceIdentifier: "plat-prd-acme-db" };
    const node = (n: number) => ({ CacheClusterId: `plat-prd-acme-cache-00${n}` });
    // db.m7g.large: 8 GiB, max_connections 901; 100 GiB allocated.
    expect([t.dbConnectionsPercent, t.dbFreeStoragePercent]).toEqual([70, 15]);
    expect(
      bag(
        alarms.map((a) => [
          a.namespace,
          a.metricName,
          a.dimensions,
          a.statistic ?? a.extendedStatistic,
          a.comparisonOperator,
          a.threshold,
        ]),
      ),
    ).toEqual(
      bag([
        ["AWS/ECS", "CPUUtilization", svc, "Average", "GreaterThanOrEqualToThreshold", t.cpuPercent],
        ["AWS/ECS", "MemoryUtilization", svc, "Average", "GreaterThanOrEqualToThreshold", t.memoryPercent],
        [undefined, undefined, undefined, undefined, "GreaterThanOrEqualToThreshold", t.target5xxRatePercent],
        ["AWS/ApplicationELB", "TargetResponseTime", tg, "p99", "GreaterThanOrEqualToThreshold", 1],
        ["AWS/ApplicationELB", "UnHealthyHostCount", tg, "Maximum", "GreaterThanOrEqualToThreshold", 1],
        ["AWS/RDS", "CPUUtilization", db, "Average", "GreaterThanOrEqualToThreshold", t.dbCpuPercent],
        ["AWS/RDS", "FreeStorageSpace", db, "Minimum", "LessThanThreshold", 15 * 2 ** 30],
        ["AWS/RDS", "DatabaseConnections", db, "Maximum", "GreaterThanOrEqualToThreshold", 630],
        ...[1, 2].flatMap((n) => [
          [
            "AWS/ElastiCache",
            "DatabaseMemoryUsagePercentage",
            node(n),
            "Average",
            "GreaterThanOrEqualToThreshold",
            80,
          ],
          ["AWS/ElastiCache", "Evictions", node(n), "Sum", "GreaterThanOrEqualToThreshold", 100],
        ]),
      ]),
    );
    // The 5xx alarm is a rate: errors over requests, counted from the tier's minimum of requests.
    const rate = alarms.find((a) => a.metricQueries)!;
    expect(rate.metricQueries).toEqual([
      {
        id: "errors",
        metric: {
          namespace: "AWS/ApplicationELB",
          metricName: "HTTPCode_Target_5XX_Count",
          dimensions: tg,
          stat: "Sum",
          period: 300,
        },
        returnData: false,
      },
      {
        id: "requests",
        metric: {
          namespace: "AWS/ApplicationELB",
          metricName: "RequestCount",
          dimensions: tg,
          stat: "Sum",
          period: 300,
        },
        returnData: false,
      },
      {
        id: "rate",
        label: "5xx answers, % of requests",
        expression: "IF(requests >= 50, 100 * FILL(errors, 0) / requests, 0)",
        returnData: true,
      },
    ]);
    expect(rate.treatMissingData).toBe("notBreaching");
    for (const a of alarms) {
      expect(a.alarmActions).toEqual([base.alarmTopicArn]);
      expect(a.okActions).toEqual([base.alarmTopicArn]);
    }
    const dashboard = one(rec, "aws:cloudwatch/dashboard:Dashboard");
    expect(dashboard.inputs.dashboardName).toBe("plat-prd-acme");
    const widgets = json(dashboard, "dashboardBody").widgets;
    expect(widgets.map((w: any) => w.properties.title)).toEqual([
      "acme: service CPU and memory (%)",
      "acme: requests and errors",
      "acme: healthy and unhealthy tasks",
      "acme: response time, p99 (s)",
      "acme: database CPU (%) and connections",
      "acme: database free storage (bytes)",
      "acme: cache memory (%)",
      "acme: cache evictions",
      "acme: alarms",
    ]);
    // The thresholds are drawn where their metrics are, and every alarm's state is shown.
    const lines = (title: string) =>
      widgets.find((w: any) => w.properties.title === `acme: ${title}`).properties.annotations.horizontal;
    expect(lines("service CPU and memory (%)")).toEqual([
      { label: "alarm: CPU", value: t.cpuPercent },
      { label: "alarm: memory", value: t.memoryPercent },
    ]);
    expect(lines("database CPU (%) and connections")).toEqual([
      { label: "alarm: CPU", value: t.dbCpuPercent },
      { label: "alarm: connections", value: 630 },
    ]);
    expect(lines("cache evictions")).toEqual([{ label: "alarm: evictions", value: 100 }]);
    expect([...widgets[8].properties.alarms].sort()).toEqual(
      ofType(rec, "aws:cloudwatch/metricAlarm:MetricAlarm")
        .map((a) => a.state.arn)
        .sort(),
    );
  });

  it("exports URL, service, database, bucket, log group and cache", () => {
    expect(rec.outputs).toEqual({
      tenant: "acme",
      tier: "enterprise",
      environment: "production",
      url: "https://acme.platform.example.com",
      serviceName: "plat-prd-acme-app",
      databaseEndpoint: stateOf(rec, "aws:rds/instance:Instance").endpoint,
      databaseSecretArn: stateOf(rec, "aws:secretsmanager/secret:Secret", "database-secret").arn,
      bucketName: "plat-prd-acme-data-123456789012",
      logGroupName: "plat-prd-acme-app",
      dashboardName: "plat-prd-acme",
      cacheEndpoint: `${stateOf(rec, "aws:elasticache/replicationGroup:ReplicationGroup").primaryEndpointAddress}:6379`,
      cacheSecretArn: stateOf(rec, "aws:secretsmanager/secret:Secret", "cache-secret").arn,
    });
  });
});

describe("standard tier (globex, staging)", () => {
  let rec: Recording;
  const base = fixtureBaseOutputs("staging");
  beforeAll(() => (rec = recs["standard-staging"]));

  it("declares exactly these resources: no dedicated key", () => {
    expect(countByType(rec)).toEqual(
      sorted({ ...COMMON_COUNTS, ...CACHE_COUNTS, "aws:cloudwatch/metricAlarm:MetricAlarm": 10 }),
    );
    expect(rec.resources).toHaveLength(66);
  });

  it("sizes task, autoscaling, database and cache from the tier", () => {
    const td = one(rec, "aws:ecs/taskDefinition:TaskDefinition").inputs;
    expect([td.cpu, td.memory]).toEqual(["512", "1024"]);
    expect(one(rec, "aws:ecs/service:Service").inputs.desiredCount).toBe(2);
    expect(one(rec, "aws:appautoscaling/target:Target").inputs).toMatchObject({
      minCapacity: 2,
      maxCapacity: 6,
    });
    expect(one(rec, "aws:rds/instance:Instance").inputs).toMatchObject({
      instanceClass: "db.t4g.small",
      allocatedStorage: 50,
      multiAz: false,
      backupRetentionPeriod: 7,
      performanceInsightsEnabled: false,
      deletionProtection: false,
      skipFinalSnapshot: true,
      tags: { Backup: "staging" },
    });
    expect(one(rec, "aws:rds/instance:Instance").inputs.performanceInsightsKmsKeyId).toBeUndefined();
    expect(one(rec, "aws:elasticache/replicationGroup:ReplicationGroup").inputs).toMatchObject({
      nodeType: "cache.t4g.micro",
      numCacheClusters: 1,
      automaticFailoverEnabled: false,
      multiAzEnabled: false,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
    });
    expect(one(rec, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).toBe(90);
  });

  it("encrypts with the platform key, usable by the task only through S3 and Secrets Manager", () => {
    const key = base.platformKmsKeyArn;
    expect(one(rec, "aws:rds/instance:Instance").inputs.kmsKeyId).toBe(key);
    expect(one(rec, "aws:elasticache/replicationGroup:ReplicationGroup").inputs.kmsKeyId).toBe(key);
    expect(one(rec, "aws:cloudwatch/logGroup:LogGroup").inputs.kmsKeyId).toBe(key);
    const task = json(one(rec, "aws:iam/rolePolicy:RolePolicy", "identity-task"), "policy");
    expect(task.Statement.find((s: any) => s.Sid === "OwnKey")).toEqual({
      Sid: "OwnKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: key,
      Condition: {
        StringEquals: {
          "kms:ViaService": ["s3.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"],
        },
      },
    });
  });

  it("serves its own subdomain under the staging domain", () => {
    expect(one(rec, "aws:route53/record:Record").inputs.name).toBe("portal.staging.platform.example.com");
    expect(one(rec, "aws:lb/listenerRule:ListenerRule").inputs.conditions).toEqual([
      { hostHeader: { values: ["portal.staging.platform.example.com"] } },
    ]);
    expect(rec.outputs.url).toBe("https://portal.staging.platform.example.com");
  });
});

describe("trial tier (initech)", () => {
  let rec: Recording;
  beforeAll(() => (rec = recs["trial-staging"]));

  it("declares exactly these resources: no cache, no dedicated key", () => {
    expect(countByType(rec)).toEqual(
      sorted({ ...COMMON_COUNTS, ...NO_CACHE_COUNTS, "aws:cloudwatch/metricAlarm:MetricAlarm": 8 }),
    );
    expect(rec.resources).toHaveLength(56);
    expect(rec.outputs.cacheEndpoint).toBeUndefined();
  });

  it("sizes task, autoscaling and database from the tier; keeps logs 30 days in staging", () => {
    const td = one(rec, "aws:ecs/taskDefinition:TaskDefinition");
    expect([td.inputs.cpu, td.inputs.memory]).toEqual(["256", "512"]);
    expect(appContainer(rec).secrets.map((s: any) => s.name)).toEqual([
      "DB_HOST",
      "DB_PORT",
      "DB_NAME",
      "DB_USER",
      "DB_PASSWORD",
    ]);
    expect(one(rec, "aws:appautoscaling/target:Target").inputs).toMatchObject({
      minCapacity: 1,
      maxCapacity: 2,
    });
    expect(one(rec, "aws:rds/instance:Instance").inputs).toMatchObject({
      instanceClass: "db.t4g.micro",
      allocatedStorage: 20,
      multiAz: false,
      backupRetentionPeriod: 1,
    });
    expect(one(rec, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).toBe(30);
  });

  it("in production: overrides and image digest applied, the 90-day log floor, protection on", () => {
    const prod = recs["trial-production"];
    const td = one(prod, "aws:ecs/taskDefinition:TaskDefinition").inputs;
    expect([td.cpu, td.memory]).toEqual(["512", "1024"]);
    // A digest pins the image by content.
    expect(appContainer(prod).image).toBe(
      `${fixtureBaseOutputs("production").ecrRepositoryUrl}@sha256:${"b".repeat(64)}`,
    );
    expect(one(prod, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).toBe(90);
    expect(one(prod, "aws:rds/instance:Instance").inputs).toMatchObject({
      deletionProtection: true,
      skipFinalSnapshot: false,
    });
  });
});

describe("production against staging (enterprise)", () => {
  const inputs = (env: string, type: string, name?: string) =>
    one(recs[`enterprise-${env}`], type, name).inputs;

  it("declares the same resources in both", () => {
    expect(countByType(recs["enterprise-staging"])).toEqual(countByType(recs["enterprise-production"]));
  });

  it("protects data stores in production only", () => {
    const db = "aws:rds/instance:Instance";
    expect(inputs("production", db)).toMatchObject({
      deletionProtection: true,
      skipFinalSnapshot: false,
      applyImmediately: false,
    });
    expect(inputs("production", db).finalSnapshotIdentifier).toBe("plat-prd-acme-db-final");
    expect(inputs("staging", db)).toMatchObject({
      deletionProtection: false,
      skipFinalSnapshot: true,
      applyImmediately: true,
    });
    expect(inputs("staging", db).finalSnapshotIdentifier).toBeUndefined();
    const cache = "aws:elasticache/replicationGroup:ReplicationGroup";
    expect(inputs("production", cache).finalSnapshotIdentifier).toBe("plat-prd-acme-cache-final");
    expect(inputs("staging", cache).finalSnapshotIdentifier).toBeUndefined();
    const secret = "aws:secretsmanager/secret:Secret";
    expect(inputs("production", secret, "database-secret").recoveryWindowInDays).toBe(30);
    expect(inputs("staging", secret, "database-secret").recoveryWindowInDays).toBe(0);
    expect(inputs("production", "aws:s3/bucket:Bucket").forceDestroy).toBe(false);
    expect(inputs("staging", "aws:s3/bucket:Bucket").forceDestroy).toBe(true);
  });

  it("keeps the tier's shape in staging: Multi-AZ, backups, sizes", () => {
    expect(inputs("staging", "aws:rds/instance:Instance")).toMatchObject({
      multiAz: true,
      backupRetentionPeriod: 35,
    });
    expect(inputs("staging", "aws:appautoscaling/target:Target")).toMatchObject({
      minCapacity: 3,
      maxCapacity: 20,
    });
    expect(inputs("staging", "aws:rds/instance:Instance").identifier).toBe("plat-stg-acme-db");
  });
});

describe("application secrets (tenant:secrets, hooli, staging)", () => {
  let rec: Recording;
  const SECRET = "aws:secretsmanager/secret:Secret";
  const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
  const values = Object.values(APP_SECRETS);
  beforeAll(() => (rec = recs["app-secrets"]));

  it("adds one secret and its version to the standard tier's resources, nothing else", () => {
    expect(countByType(rec)).toEqual(
      sorted({
        ...COMMON_COUNTS,
        ...CACHE_COUNTS,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 10,
        [SECRET]: CACHE_COUNTS[SECRET] + 1,
        [VERSION]: CACHE_COUNTS[VERSION] + 1,
        "platform:tenant:TenantAppSecrets": 1,
      }),
    );
    expect(rec.resources).toHaveLength(66 + 3);
  });

  it("keeps them in a Secrets Manager secret encrypted with the tenant's key, the value a secret", () => {
    const base = fixtureBaseOutputs("staging");
    const secret = one(rec, SECRET, "app-secrets");
    expect(secret.inputs).toEqual({
      name: tenantPhysicalNames("hooli", "staging", "123456789012").appSecret,
      description: "Application secrets of tenant hooli",
      kmsKeyId: base.platformKmsKeyArn,
      recoveryWindowInDays: 0,
    });
    expect(secret.inputs.name).toBe("plat-stg-hooli-app");
    const version = one(rec, VERSION, "app-secrets-value");
    expect(version.inputs.secretId).toBe(secret.state.id);
    expect(isSecret(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(plain(version.inputs.secretString))).toEqual(APP_SECRETS);
  });

  it("hands each key to the container by reference to that version, never as a plain value", () => {
    const arn = stateOf(rec, SECRET, "app-secrets").arn;
    const versionId = stateOf(rec, VERSION, "app-secrets-value").versionId;
    expect(versionId).toMatch(/^v-/);
    const container = appContainer(rec);
    const db = stateOf(rec, SECRET, "database-secret").arn;
    expect(
      container.secrets.filter((s: any) => !s.valueFrom.startsWith(db) && !s.name.startsWith("REDIS_")),
    ).toEqual([
      { name: "API_TOKEN", valueFrom: `${arn}:API_TOKEN::${versionId}` },
      { name: "FEATURE_KEY", valueFrom: `${arn}:FEATURE_KEY::${versionId}` },
      { name: "SMTP_PASSWORD", valueFrom: `${arn}:SMTP_PASSWORD::${versionId}` },
    ]);
    // The environment is the standard tier's, and no value appears anywhere in the task
    // definition, the outputs or any input but the secret version's.
    expect(container.environment.map((e: any) => e.name)).toEqual(
      appContainer(recs["standard-staging"]).environment.map((e: any) => e.name),
    );
    const elsewhere = [
      JSON.stringify(rec.outputs),
      ...rec.resources.filter((r) => r.type !== VERSION).map((r) => JSON.stringify(r.inputs)),
    ];
    for (const value of values) {
      expect(elsewhere.filter((text) => text.includes(value))).toEqual([]);
    }
  });

  it("lets the execution role read the secret, and not the task role (ECS injects the values)", () => {
    const secret = (name: string) => stateOf(rec, SECRET, name).arn;
    const statement = (role: string, sid: string) =>
      json(one(rec, "aws:iam/rolePolicy:RolePolicy", role), "policy").Statement.find(
        (s: any) => s.Sid === sid,
      );
    expect(statement("identity-execution", "ReadOwnSecrets")).toEqual({
      Sid: "ReadOwnSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: [
        secret("database-secret"),
        secret("cache-secret"),
        stateOf(rec, "aws:rds/instance:Instance").masterUserSecrets[0].secretArn,
        secret("app-secrets"),
      ],
    });
    expect(statement("identity-task", "OwnSecrets").Resource).toEqual([
      secret("database-secret"),
      secret("cache-secret"),
    ]);
  });

  it("every variable the program sets itself is one a secret may not take", () => {
    for (const [key, r] of Object.entries(recs)) {
      const container = appContainer(r);
      const own = [...container.environment, ...container.secrets]
        .map((e: any) => e.name)
        .filter((name: string) => !(name in APP_SECRETS));
      expect([key, own.filter((name: string) => !PLATFORM_ENV_NAMES.includes(name))]).toEqual([key, []]);
      // ...and the secrets' check refuses each of them.
      const accepted = own.filter((name: string) => appSecretsProblems({ [name]: "x" }).length === 0);
      expect([key, accepted]).toEqual([key, []]);
    }
  });
});

describe("isolation", () => {
  const all = () => Object.entries(recs);

  /** Every IAM policy, key policy, bucket policy and security group rule of a recording, as text. */
  function accessDocuments(rec: Recording): string[] {
    return [
      ...ofType(rec, "aws:iam/rolePolicy:RolePolicy").map((r) => plain(r.inputs.policy)),
      ...ofType(rec, "aws:iam/role:Role").map((r) => plain(r.inputs.assumeRolePolicy)),
      ...ofType(rec, "aws:kms/key:Key").map((r) => plain(r.inputs.policy)),
      ...ofType(rec, "aws:s3/bucketPolicy:BucketPolicy").map((r) => plain(r.inputs.policy)),
      ...[...ofType(rec, INGRESS), ...ofType(rec, EGRESS)].map((r) => JSON.stringify(r.inputs)),
    ];
  }

  it("no policy or rule of one tenant names another tenant", () => {
    for (const [key, rec] of all()) {
      const own = (rec.outputs.tenant as string) ?? "";
      const others = all()
        .map(([, r]) => r.outputs.tenant as string)
        .filter((t) => t !== own);
      expect(others.length).toBeGreaterThan(0);
      for (const doc of accessDocuments(rec)) {
        for (const other of others) {
          if (doc.includes(other)) {
            throw new Error(`${key}: a policy or rule names tenant ${other}: ${doc}`);
          }
        }
      }
    }
  });

  it("the physical names of two tenants never overlap", () => {
    const names = (t: string) => Object.values(tenantPhysicalNames(t, "staging", "123456789012"));
    const a = names("acme");
    const b = names("globex");
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });

  it("IAM policies name only the tenant's own bucket, secrets, key, log group and the base's image repository", () => {
    for (const [key, rec] of all()) {
      const base = fixtureBaseOutputs(rec.outputs.environment);
      const keyArn = ofType(rec, "aws:kms/key:Key")[0]?.state.arn ?? base.platformKmsKeyArn;
      const bucketArn = stateOf(rec, "aws:s3/bucket:Bucket").arn;
      const logGroupArn = stateOf(rec, "aws:cloudwatch/logGroup:LogGroup").arn;
      const secrets = [
        ...ofType(rec, "aws:secretsmanager/secret:Secret").map((s) => s.state.arn),
        // The master user's, which RDS creates; only the execution role names it (tested above).
        stateOf(rec, "aws:rds/instance:Instance").masterUserSecrets[0].secretArn,
      ];
      const allowed = new Set([
        keyArn,
        bucketArn,
        `${bucketArn}/*`,
        `${logGroupArn}:*`,
        base.ecrRepositoryArn,
        ...secrets,
      ]);
      for (const policy of ofType(rec, "aws:iam/rolePolicy:RolePolicy")) {
        for (const statement of json(policy, "policy").Statement) {
          const resources = [statement.Resource].flat();
          if (statement.Sid === "RegistryLogin") {
            expect([statement.Action, resources]).toEqual(["ecr:GetAuthorizationToken", ["*"]]);
            continue;
          }
          for (const resource of resources) {
            if (!allowed.has(resource)) {
              throw new Error(`${key}: ${policy.name} statement ${statement.Sid} names ${resource}`);
            }
          }
        }
      }
    }
  });

  it("ingress: service only from the ALB on 8080, database only from the service on 5432, cache on 6379", () => {
    for (const [key, rec] of all()) {
      const base = fixtureBaseOutputs(rec.outputs.environment);
      const sg = (role: string) => ofType(rec, SG).find((g) => g.name === `network-${role}`)?.state.id;
      const rules = ofType(rec, INGRESS).map((r) => [
        r.inputs.securityGroupId,
        r.inputs.referencedSecurityGroupId,
        r.inputs.fromPort,
        r.inputs.toPort,
        r.inputs.cidrIpv4,
      ]);
      const expected = [
        [sg("service"), base.albSecurityGroupId, 8080, 8080, undefined],
        [sg("db"), sg("service"), 5432, 5432, undefined],
        [sg("db"), sg("rotation"), 5432, 5432, undefined],
        ...(sg("cache") ? [[sg("cache"), sg("service"), 6379, 6379, undefined]] : []),
      ];
      expect([key, bag(rules)]).toEqual([key, bag(expected)]);
      // Data stores have no egress at all; the base's ALB group is never changed from here.
      const egress = ofType(rec, EGRESS).map((r) => [
        r.inputs.securityGroupId,
        r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4,
        r.inputs.fromPort,
      ]);
      expect([key, bag(egress)]).toEqual([
        key,
        bag([
          [sg("service"), "0.0.0.0/0", 443],
          [sg("service"), sg("db"), 5432],
          [sg("rotation"), "0.0.0.0/0", 443],
          [sg("rotation"), sg("db"), 5432],
          ...(sg("cache") ? [[sg("service"), sg("cache"), 6379]] : []),
        ]),
      ]);
      for (const group of ofType(rec, SG)) {
        expect(group.inputs.ingress ?? []).toEqual([]);
        expect(group.inputs.egress ?? []).toEqual([]);
      }
    }
  });

  it("writes only descriptions EC2 accepts on security groups and their rules", () => {
    for (const [key, rec] of all()) {
      const descriptions = [...ofType(rec, SG), ...ofType(rec, INGRESS), ...ofType(rec, EGRESS)].map(
        (r) => r.inputs.description,
      );
      expect(descriptions.length).toBeGreaterThanOrEqual(6);
      for (const description of descriptions) {
        expect([key, description, SECURITY_GROUP_DESCRIPTION_PATTERN.test(description)]).toEqual([
          key,
          description,
          true,
        ]);
      }
    }
  });

  it("every task's network stays private and every data store is unreachable from outside", () => {
    for (const [, rec] of all()) {
      expect(one(rec, "aws:ecs/service:Service").inputs.networkConfiguration.assignPublicIp).toBe(false);
      expect(one(rec, "aws:rds/instance:Instance").inputs.publiclyAccessible).toBe(false);
    }
  });
});

describe("decommissioning (tenant:decommission, set by offboard)", () => {
  const AT = "2026-11-22T01:30:00Z";
  const DB = "aws:rds/instance:Instance";
  const CACHE = "aws:elasticache/replicationGroup:ReplicationGroup";
  const BUCKET = "aws:s3/bucket:Bucket";
  /** Recordings with the key set; the ones without are the suite's (`recs`). */
  const dec: Record<string, Recording> = {};
  beforeAll(async () => {
    const config = { [TENANT_CONFIG_KEYS.decommission]: AT };
    for (const [key, s, env] of [
      ["enterprise-production", spec("acme", "enterprise"), "production"],
      ["enterprise-staging", spec("acme", "enterprise"), "staging"],
      ["trial-production", spec("initech", "trial"), "production"],
    ] as const) {
      dec[key] = await recordTenant(s, env, fixtureBaseOutputs(env), undefined, config);
    }
  }, 3 * RECORDING_TIMEOUT_MS);

  /** Names of the resources `pulumi destroy` would leave in AWS. */
  const retained = (rec: Recording) =>
    rec.resources
      .filter((r) => r.retainOnDelete)
      .map((r) => `${r.type} ${r.name}`)
      .sort();
  /** Inputs of every resource but the listed ones, by URN. */
  const inputsExcept = (rec: Recording, types: string[]) =>
    Object.fromEntries(
      rec.resources.filter((r) => !types.includes(r.type)).map((r) => [r.urn, JSON.stringify(r.inputs)]),
    );

  it("without it: production keeps deletion protection, nothing is retained, nothing is exported", () => {
    for (const key of ["enterprise-production", "enterprise-staging", "trial-production"]) {
      expect([key, retained(recs[key])]).toEqual([key, []]);
      expect([key, recs[key].outputs.decommission]).toEqual([key, undefined]);
    }
    expect(one(recs["enterprise-production"], DB).inputs).toMatchObject({
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "plat-prd-acme-db-final",
    });
  });

  it("production: protection lifted, timestamped final snapshots, bucket and key retained", () => {
    const rec = dec["enterprise-production"];
    expect(one(rec, DB).inputs).toMatchObject({
      deletionProtection: false,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "plat-prd-acme-db-final-202611220130",
      // Nothing else of the instance changes; protection is lifted at once by RDS regardless.
      applyImmediately: false,
      backupRetentionPeriod: 35,
      multiAz: true,
    });
    expect(one(rec, CACHE).inputs.finalSnapshotIdentifier).toBe("plat-prd-acme-cache-final-202611220130");
    expect(one(rec, BUCKET).inputs).toMatchObject({
      bucket: "plat-prd-acme-data-123456789012",
      forceDestroy: false,
      tags: { Backup: "production", Decommissioned: AT },
    });
    // The bucket with every setting that keeps it private, encrypted, versioned and TLS-only, and
    // the dedicated key without which the bucket and the snapshots could not be read.
    expect(retained(rec)).toEqual([
      "aws:kms/key:Key key",
      "aws:s3/bucket:Bucket storage",
      "aws:s3/bucketLogging:BucketLogging storage-access-logs",
      "aws:s3/bucketPolicy:BucketPolicy storage-policy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock storage-public-access",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration storage-encryption",
      "aws:s3/bucketVersioning:BucketVersioning storage-versioning",
    ]);
    expect(rec.outputs.decommission).toEqual({
      at: AT,
      databaseFinalSnapshot: "plat-prd-acme-db-final-202611220130",
      cacheFinalSnapshot: "plat-prd-acme-cache-final-202611220130",
      retainedBucket: "plat-prd-acme-data-123456789012",
      retainedKeyArn: one(rec, "aws:kms/key:Key").state.arn,
    });
  });

  it("production: every other resource is declared exactly as without the key", () => {
    const rec = dec["enterprise-production"];
    const before = recs["enterprise-production"];
    expect(countByType(rec)).toEqual(countByType(before));
    expect(inputsExcept(rec, [DB, CACHE, BUCKET])).toEqual(inputsExcept(before, [DB, CACHE, BUCKET]));
  });

  it("production without a dedicated key or a cache: only the bucket is retained, one snapshot", () => {
    const rec = dec["trial-production"];
    expect(one(rec, DB).inputs).toMatchObject({
      deletionProtection: false,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "plat-prd-initech-db-final-202611220130",
    });
    expect(retained(rec)).toEqual([
      "aws:s3/bucket:Bucket storage",
      "aws:s3/bucketLogging:BucketLogging storage-access-logs",
      "aws:s3/bucketPolicy:BucketPolicy storage-policy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock storage-public-access",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration storage-encryption",
      "aws:s3/bucketVersioning:BucketVersioning storage-versioning",
    ]);
    expect(rec.outputs.decommission).toEqual({
      at: AT,
      databaseFinalSnapshot: "plat-prd-initech-db-final-202611220130",
      retainedBucket: "plat-prd-initech-data-123456789012",
    });
  });

  it("staging: final snapshots too, the dedicated key kept for them, the bucket deleted (its copy is in AWS Backup)", () => {
    const rec = dec["enterprise-staging"];
    expect(one(rec, DB).inputs).toMatchObject({
      deletionProtection: false,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "plat-stg-acme-db-final-202611220130",
      applyImmediately: true,
    });
    expect(one(rec, CACHE).inputs.finalSnapshotIdentifier).toBe("plat-stg-acme-cache-final-202611220130");
    // Backed up daily by the base stack's plan (Backup=staging): its recovery points outlive it.
    expect(one(rec, BUCKET).inputs).toMatchObject({ forceDestroy: true, tags: { Backup: "staging" } });
    // The snapshots are encrypted with the dedicated key: it stays as long as they do.
    expect(retained(rec)).toEqual(["aws:kms/key:Key key"]);
    expect(rec.outputs.decommission).toEqual({
      at: AT,
      databaseFinalSnapshot: "plat-stg-acme-db-final-202611220130",
      cacheFinalSnapshot: "plat-stg-acme-cache-final-202611220130",
      retainedKeyArn: one(rec, "aws:kms/key:Key").state.arn,
    });
    const before = recs["enterprise-staging"];
    expect(inputsExcept(rec, [DB, CACHE])).toEqual(inputsExcept(before, [DB, CACHE]));
  });

  it("the timestamp is normalized to minutes in names; fractional seconds are accepted", () => {
    expect(parseDecommission("2026-11-22T01:30:59.999Z")).toEqual({
      value: { at: "2026-11-22T01:30:59Z", stamp: "202611220130" },
    });
    expect(parseDecommission("")).toEqual({ value: undefined });
    expect(parseDecommission(undefined)).toEqual({ value: undefined });
  });

  it("property: final snapshot names are valid RDS/ElastiCache identifiers for any identifier and time", () => {
    const time = fc
      .date({
        min: new Date("2000-01-01T00:00:00Z"),
        max: new Date("2999-12-31T23:59:59Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), time, (identifier, at) => {
        const { value: decommission } = parseDecommission(at);
        const name = finalSnapshotName(identifier, decommission!);
        expect(name.length).toBeLessThanOrEqual(255);
        expect(name).toMatch(/^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/);
        expect(name).not.toContain("--");
        expect(name.endsWith(`-final-${decommission!.stamp}`)).toBe(true);
      }),
      { numRuns: 500 },
    );
    const longest = tenantPhysicalNames("abcdefghij-klmnopqrs", "production", "123456789012");
    const { value: decommission } = parseDecommission(AT);
    expect(finalSnapshotName(longest.database, decommission!)).toBe(
      "plat-prd-abcdefghij-klmnopqrs-db-final-202611220130",
    );
  });
});

describe("physical names", () => {
  const LONGEST = "abcdefghij-klmnopqrs";
  let rec: Recording;
  beforeAll(async () => {
    expect(LONGEST).toHaveLength(20);
    rec = await recordTenant(spec(LONGEST, "enterprise"), "production", fixtureBaseOutputs("production"));
  });

  it("the longest tenant id gives valid, untruncated names for every service", () => {
    const fields: [string, string, keyof typeof NAME_RULES][] = [
      ["aws:lb/targetGroup:TargetGroup", "name", "targetGroup"],
      ["aws:elasticache/replicationGroup:ReplicationGroup", "replicationGroupId", "elasticache"],
      ["aws:rds/instance:Instance", "identifier", "rds"],
      ["aws:rds/parameterGroup:ParameterGroup", "name", "rds"],
      ["aws:s3/bucket:Bucket", "bucket", "s3"],
      ["aws:iam/role:Role", "name", "iamRole"],
      ["aws:ecs/service:Service", "name", "ecs"],
      ["aws:ecs/taskDefinition:TaskDefinition", "family", "ecs"],
      ["aws:secretsmanager/secret:Secret", "name", "secret"],
      ["aws:cloudwatch/logGroup:LogGroup", "name", "logGroup"],
      ["aws:cloudwatch/dashboard:Dashboard", "dashboardName", "dashboard"],
    ];
    const seen: string[] = [];
    for (const [type, field, service] of fields) {
      const rule = NAME_RULES[service];
      for (const r of ofType(rec, type)) {
        const name: string = r.inputs[field];
        seen.push(name);
        expect(name.length).toBeLessThanOrEqual(rule.max);
        expect(name).toContain(`plat-prd-${LONGEST}`);
        expect(name).toMatch(/^[A-Za-z0-9-]+$/);
        if (rule.lowercase) {
          expect(name).toBe(name.toLowerCase());
        }
      }
    }
    expect(seen).toHaveLength(13);
    // The derived names that AWS also limits: snapshots (255), KMS aliases (256).
    expect(one(rec, "aws:rds/instance:Instance").inputs.finalSnapshotIdentifier.length).toBeLessThanOrEqual(
      255,
    );
    expect(one(rec, "aws:kms/alias:Alias").inputs.name).toBe(`alias/plat-prd-${LONGEST}-key`);
    expect(one(rec, "aws:lb/targetGroup:TargetGroup").inputs.name).toHaveLength(29);
  });

  it("property: every valid tenant id fits every limit in both environments, untruncated", () => {
    const id = fc.stringMatching(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/).filter((s) => !s.includes("--"));
    fc.assert(
      fc.property(id, fc.constantFrom(...ENVIRONMENTS), (tenant, env) => {
        const names = tenantPhysicalNames(tenant, env, "123456789012");
        for (const name of Object.values(names)) {
          expect(name).toContain(`-${tenant}`);
        }
        expect(names.targetGroup.length).toBeLessThanOrEqual(NAME_RULES.targetGroup.max);
        expect(names.cache.length).toBeLessThanOrEqual(NAME_RULES.elasticache.max);
        expect(names.database.length).toBeLessThanOrEqual(NAME_RULES.rds.max);
        expect(names.bucket.length).toBeLessThanOrEqual(NAME_RULES.s3.max);
        expect(names.taskRole.length).toBeLessThanOrEqual(NAME_RULES.iamRole.max);
        expect(names.executionRole.length).toBeLessThanOrEqual(NAME_RULES.iamRole.max);
      }),
      { numRuns: 300 },
    );
  });
});

describe("errors stop the program before any resource exists", () => {
  /** Runs the program, catching its error, and returns the error with what was registered. */
  async function failing(
    s: TenantSpec,
    env: Environment,
    base: Record<string, unknown>,
    extraConfig: Record<string, string> = {},
  ) {
    let caught: Error | undefined;
    const baseStackName = `organization/platform/${env}`;
    const rec = await record(
      async () => {
        try {
          return await tenantProgram();
        } catch (error) {
          caught = error as Error;
          return {};
        }
      },
      {
        project: TENANT_PROJECT,
        stack: tenantStackName(s.id, env),
        config: { [TENANT_CONFIG_KEYS.spec]: JSON.stringify(s), ...extraConfig },
        stackOutputs: { [baseStackName]: base },
      },
    );
    // At most the base stack was read; nothing was created.
    expect(rec.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference")).toEqual([]);
    return caught?.message ?? "(no error)";
  }

  it("an environment the spec does not list", async () => {
    const message = await failing(
      spec("initech", "trial", { environments: ["staging"] }),
      "production",
      fixtureBaseOutputs("production"),
    );
    expect(message).toBe(
      'tenant stack "initech-production" is misconfigured:\n' +
        '  - tenant:spec.environments: ["staging"] does not include "production"; add it to tenants/registry/initech.yaml to deploy the tenant there',
    );
  });

  it("base outputs that break the contract", async () => {
    const { albArn: _albArn, ...broken } = fixtureBaseOutputs("staging");
    const message = await failing(spec("acme", "enterprise"), "staging", {
      ...broken,
      privateSubnetIds: ["subnet-1"],
    });
    expect(message).toContain(
      'base stack "organization/platform/staging" does not export the base outputs contract:',
    );
    expect(message).toContain("privateSubnetIds:");
    expect(message).toContain("albArn:");
  });

  describe("tenant:secrets: names and values checked, values never printed", () => {
    const stack = 'tenant stack "acme-staging" is misconfigured:\n  - ';
    const secrets = (raw: string) => ({ [TENANT_CONFIG_KEYS.secrets]: raw });

    it("a name that is not an environment variable name, a reserved one, an empty value", async () => {
      const message = await failing(
        spec("acme", "enterprise"),
        "staging",
        fixtureBaseOutputs("staging"),
        secrets(
          JSON.stringify({ apiToken: "v-1", DB_PASSWORD: "v-2", AWS_SECRET_ACCESS_KEY: "v-3", EMPTY: "" }),
        ),
      );
      expect(message).toBe(
        stack +
          [
            'tenant:secrets.apiToken: "apiToken" is not an environment variable name: an upper-case letter, then upper-case letters, digits or _, at most 64 characters (e.g. API_TOKEN)',
            'tenant:secrets.DB_PASSWORD: "DB_PASSWORD" is set by the platform itself; choose another name',
            'tenant:secrets.DB_PASSWORD: "DB_PASSWORD" starts with a prefix reserved for the platform (AWS_, ECS_, DB_, REDIS_); choose another name',
            'tenant:secrets.AWS_SECRET_ACCESS_KEY: "AWS_SECRET_ACCESS_KEY" starts with a prefix reserved for the platform (AWS_, ECS_, DB_, REDIS_); choose another name',
            "tenant:secrets.EMPTY: the value is empty; expected a non-empty string",
          ].join("\n  - "),
      );
      expect(message).not.toMatch(/v-1|v-2|v-3/);
    });

    it.each([
      [
        "an array",
        '["s3cr3t-value"]',
        'tenant:secrets: is an array; expected a JSON object of NAME: "value" (e.g. {"API_TOKEN": "..."})',
      ],
      [
        "a string",
        '"s3cr3t-value"',
        'tenant:secrets: is a string; expected a JSON object of NAME: "value" (e.g. {"API_TOKEN": "..."})',
      ],
      [
        "not JSON",
        "s3cr3t-value",
        'tenant:secrets: is not valid JSON; expected a JSON object of NAME: "value"',
      ],
      [
        "a value that is not a string",
        '{"API_TOKEN": 42}',
        "tenant:secrets.API_TOKEN: the value is a number; expected a non-empty string",
      ],
    ])("%s", async (_case, raw, problem) => {
      const message = await failing(
        spec("acme", "enterprise"),
        "staging",
        fixtureBaseOutputs("staging"),
        secrets(raw),
      );
      expect(message).toBe(stack + problem);
      expect(message).not.toContain("s3cr3t");
    });

    it("more than the allowed number of secrets", () => {
      const many = Object.fromEntries(Array.from({ length: APP_SECRETS_MAX + 1 }, (_, i) => [`K${i}`, "v"]));
      expect(problemLines(appSecretsProblems(many, "--secret"))).toEqual([
        `--secret: has ${APP_SECRETS_MAX + 1} secrets; at most ${APP_SECRETS_MAX} are allowed`,
      ]);
      expect(problemLines(appSecretsProblems({ BIG: "x".repeat(70_000) }))).toEqual([
        "tenant:secrets: the secrets take more than 65536 bytes as JSON (Secrets Manager's limit)",
      ]);
    });
  });

  it("a base stack of another environment", async () => {
    const message = await failing(spec("acme", "enterprise"), "production", fixtureBaseOutputs("staging"));
    expect(message).toContain(
      'tenant:baseStackName: "organization/platform/production" is the staging base stack; expected a production one',
    );
  });

  it("aws:region other than the base's", async () => {
    const message = await failing(spec("acme", "enterprise"), "staging", fixtureBaseOutputs("staging"), {
      "aws:region": "eu-west-1",
    });
    expect(message).toContain(
      'aws:region: "eu-west-1" differs from the base stack\'s region "us-east-1"; tenant resources live in the base\'s region',
    );
  });

  it("createTenantStack, the automation service's entry, refuses an environment the spec does not list", async () => {
    let caught: Error | undefined;
    const rec = await record(
      async () => {
        try {
          return await createTenantStack(
            spec("initech", "trial", { environments: ["staging"] }),
            "production",
          );
        } catch (error) {
          caught = error as Error;
          return {};
        }
      },
      {
        project: TENANT_PROJECT,
        stack: "initech-production",
        stackOutputs: { "organization/platform/production": fixtureBaseOutputs("production") },
      },
    );
    // Refused before even the base stack is read.
    expect(rec.resources).toEqual([]);
    expect(caught?.message).toBe(
      "tenant initech cannot be deployed to production:\n" +
        '  - environments: ["staging"] does not include "production"; add it to tenants/registry/initech.yaml to deploy the tenant there',
    );
  });

  it("an invalid tenant:decommission, named with its value and the allowed format", async () => {
    const message = await failing(
      spec("acme", "enterprise"),
      "production",
      fixtureBaseOutputs("production"),
      {
        [TENANT_CONFIG_KEYS.decommission]: "2026-11-22 01:30",
      },
    );
    expect(message).toBe(
      'tenant stack "acme-production" is misconfigured:\n' +
        '  - tenant:decommission: "2026-11-22 01:30" is not an ISO-8601 UTC timestamp, YYYY-MM-DDTHH:MM:SSZ ' +
        "(e.g. 2026-11-22T01:30:00Z); `tenant offboard` sets it, `pulumi config rm tenant:decommission` clears it",
    );
  });

  it("a tenant:decommission with a time zone offset, reported with the other problems at once", async () => {
    const message = await failing(
      spec("initech", "trial", { environments: ["staging"] }),
      "production",
      fixtureBaseOutputs("production"),
      { [TENANT_CONFIG_KEYS.decommission]: "2026-11-22T01:30:00+01:00" },
    );
    expect(message).toBe(
      'tenant stack "initech-production" is misconfigured:\n' +
        '  - tenant:spec.environments: ["staging"] does not include "production"; add it to tenants/registry/initech.yaml to deploy the tenant there\n' +
        '  - tenant:decommission: "2026-11-22T01:30:00+01:00" is not an ISO-8601 UTC timestamp, YYYY-MM-DDTHH:MM:SSZ ' +
        "(e.g. 2026-11-22T01:30:00Z); `tenant offboard` sets it, `pulumi config rm tenant:decommission` clears it",
    );
  });

  it("an invalid tenant:decommission read by the one entry the automation service runs too", async () => {
    // The service sets the spec and the base stack (contract.ts stackConfig), offboarding the stamp:
    // the program reads all of them from config, as under `pulumi up`.
    const message = await failing(spec("acme", "enterprise"), "staging", fixtureBaseOutputs("staging"), {
      [TENANT_CONFIG_KEYS.decommission]: "2026-02-30T01:30:00Z",
    });
    expect(message).toBe(
      'tenant stack "acme-staging" is misconfigured:\n' +
        '  - tenant:decommission: "2026-02-30T01:30:00Z" is not an ISO-8601 UTC timestamp, YYYY-MM-DDTHH:MM:SSZ ' +
        "(e.g. 2026-11-22T01:30:00Z); `tenant offboard` sets it, `pulumi config rm tenant:decommission` clears it",
    );
  });

  it("an invalid spec in the stack config", async () => {
    const message = await failing(
      { ...spec("acme", "enterprise"), sizing: { cpu: 16384 } },
      "staging",
      fixtureBaseOutputs("staging"),
    );
    expect(message).toContain(
      "tenant:spec.sizing.cpu: 16384 is outside the enterprise tier's limits: 512 to 4096 CPU units",
    );
  });
});

/**
 * What a tenant of `tier` declares, per type: the tables above. The registry test derives its
 * expectations from each spec's tier, never from a fixed list of tenants (see below).
 */
function expectedCounts(tier: Tier): Record<string, number> {
  const profile = TIERS[tier];
  return sorted({
    ...COMMON_COUNTS,
    ...(profile.cache.enabled ? CACHE_COUNTS : NO_CACHE_COUNTS),
    ...(profile.dedicatedKmsKey ? { "aws:kms/key:Key": 1, "aws:kms/alias:Alias": 1 } : {}),
    "aws:cloudwatch/metricAlarm:MetricAlarm":
      8 + 2 * (profile.cache.enabled ? profile.cache.numCacheClusters : 0),
  });
}

describe("the registry's tenants on the real base program", () => {
  // tenants/registry/ is live data in a shared checkout: the onboarding CLI writes
  // `<id>.yaml` there by default (docs/readme-sections/automation.md walks through onboarding and
  // offboarding `demo`), so other tenants may be registered while this runs. Expectations therefore
  // come from each spec's tier, the three examples must be among them, and the recordings sit in a
  // hook whose time limit grows with the number of stacks to record.
  const EXAMPLES = [
    "acme-staging",
    "globex-staging",
    "initech-staging",
    "acme-production",
    "globex-production",
  ];
  const stacks: { spec: TenantSpec; base: Recording; rec: Recording }[] = [];
  const specs = loadRegistry();
  const stackCount = ENVIRONMENTS.length + specs.reduce((n, s) => n + s.environments.length, 0);

  beforeAll(async () => {
    for (const env of ENVIRONMENTS) {
      const base = await recordBase(env);
      for (const spec of specs.filter((t) => t.environments.includes(env))) {
        stacks.push({ spec, base, rec: await recordTenant(spec, env, base.outputs) });
      }
    }
  }, RECORDING_TIMEOUT_MS * stackCount);

  it("records every tenant in every environment it lists, the three examples included", () => {
    const names = stacks.map(({ rec }) => rec.stack);
    const expected = specs.flatMap((s) => s.environments.map((env) => tenantStackName(s.id, env)));
    expect([...names].sort()).toEqual(expected.sort());
    expect(names).toEqual(expect.arrayContaining(EXAMPLES));
  });

  it("declares exactly its tier's resources", () => {
    for (const { spec, rec } of stacks) {
      expect([rec.stack, countByType(rec)]).toEqual([rec.stack, expectedCounts(spec.tier)]);
    }
    const totals = Object.fromEntries(stacks.map(({ rec }) => [rec.stack, rec.resources.length]));
    expect(totals).toMatchObject({
      "acme-staging": 70,
      "globex-staging": 66,
      "initech-staging": 56,
      "acme-production": 70,
      "globex-production": 66,
    });
  });

  it("wires each to its environment's base stack outputs", () => {
    for (const { spec, base, rec } of stacks) {
      // S3 server access logs go to the environment's log bucket, under the tenant's prefix.
      expect(one(rec, "aws:s3/bucketLogging:BucketLogging").inputs).toEqual({
        bucket: one(rec, "aws:s3/bucket:Bucket").state.id,
        targetBucket: base.outputs.s3AccessLogBucketName,
        targetPrefix: `tenants/${spec.id}/`,
      });
      expect(one(rec, "aws:lb/listenerRule:ListenerRule").inputs.listenerArn).toBe(
        base.outputs.httpsListenerArn,
      );
      expect(one(rec, "aws:ecs/service:Service").inputs.cluster).toBe(base.outputs.clusterArn);
      expect(one(rec, "aws:ecs/service:Service").inputs.networkConfiguration.subnets).toEqual(
        base.outputs.privateSubnetIds,
      );
      expect(one(rec, "aws:rds/instance:Instance").inputs.dbSubnetGroupName).toBe(
        base.outputs.dbSubnetGroupName,
      );
      expect(rec.outputs.url).toBe(`https://${spec.subdomain ?? spec.id}.${base.outputs.domain}`);
    }
  });
});
