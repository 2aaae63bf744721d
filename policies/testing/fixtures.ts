/**
 * Hand-built stacks for policy tests: a compliant base stack and a compliant tenant stack of any
 * tier and environment, as recordings (the same shape the recorder produces, so they go through the
 * same harness). Each policy test applies one change to a fresh fixture and expects one violation.
 *
 * Values follow what the real programs produce: provider default tags JSON-encoded, ids and ARNs in
 * the mocks' shapes, tier sizes from common/tiers.ts, retention from effectiveSizing.
 */
import {
  buildTags,
  defaultBaseStackName,
  Environment,
  ENVIRONMENT_PROFILES,
  tenantStackName,
} from "../../common";
import {
  derivedListenerPriority,
  effectiveSizing,
  physicalName,
  shardLoadBalancerRole,
  TENANT_SPEC_CONFIG_KEY,
  Tier,
  TIERS,
} from "../../common";
import type { RecordedResource, Recording } from "../../offline/recorder";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

/** A stack under construction. */
export class FixtureStack {
  readonly resources: RecordedResource[] = [];
  private provider?: RecordedResource;
  /** The stack's config, as the engine hands it to the pack (`tenant:spec` on tenant stacks). */
  readonly config: Record<string, string> = {};

  constructor(
    readonly project: string,
    readonly stack: string,
  ) {}

  /** Adds a resource; `state` extras (ids, ARNs) go on top of the inputs. */
  add(
    type: string,
    name: string,
    inputs: Record<string, any>,
    extra: {
      id?: string;
      state?: Record<string, any>;
      provider?: RecordedResource | null;
      read?: boolean;
    } = {},
  ): RecordedResource {
    const urn = `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
    const provider = extra.provider === null ? undefined : (extra.provider ?? this.provider);
    const id = extra.id ?? `${name}-id`;
    const r: RecordedResource = {
      urn,
      type,
      name,
      provider: type.startsWith("pulumi:") || !provider ? undefined : `${provider.urn}::${provider.state.id}`,
      custom: !type.startsWith("platform:"),
      read: extra.read ?? false,
      inputs,
      state: { ...inputs, id, ...(extra.state ?? {}) },
    };
    this.resources.push(r);
    return r;
  }

  /** Adds the AWS provider with these default tags; later resources use it. */
  awsProvider(tags: Record<string, string>): RecordedResource {
    this.provider = this.add(
      "pulumi:providers:aws",
      "aws",
      { region: REGION, defaultTags: JSON.stringify({ tags }) },
      { id: "provider-id", provider: null },
    );
    return this.provider;
  }

  recording(): Recording {
    return {
      project: this.project,
      stack: this.stack,
      resources: this.resources,
      outputs: {},
      config: { ...this.config },
    };
  }
}

/** A bucket with its companions: KMS encryption, public access block, TLS-only policy. */
function bucketWithCompanions(
  s: FixtureStack,
  name: string,
  keyArn: string,
  sse: "kms" | "AES256" = "kms",
): string {
  const bucketName = `plat-${name}`;
  s.add(
    "aws:s3/bucket:Bucket",
    name,
    { bucket: bucketName },
    { id: bucketName, state: { arn: `arn:aws:s3:::${bucketName}` } },
  );
  s.add(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    `${name}-encryption`,
    {
      bucket: bucketName,
      rules: [
        sse === "kms"
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    },
  );
  s.add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${name}-public-access`, {
    bucket: bucketName,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  s.add("aws:s3/bucketPolicy:BucketPolicy", `${name}-policy`, {
    bucket: bucketName,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    }),
  });
  return bucketName;
}

/** A compliant base stack for `environment`. */
export function baseFixture(environment: Environment): FixtureStack {
  const s = new FixtureStack("platform", environment);
  const env = ENVIRONMENT_PROFILES[environment];
  s.awsProvider(
    buildTags({
      tenant: "shared",
      environment,
      owner: "platform-team",
      costCenter: "cc-platform",
      dataClassification: "confidential",
    }),
  );
  const keyId = "11111111-2222-3333-4444-555555555555";
  const keyArn = arn("kms", `key/${keyId}`);
  s.add(
    "aws:kms/key:Key",
    "platform-key",
    { enableKeyRotation: true, description: "platform" },
    { id: keyId, state: { arn: keyArn } },
  );
  s.add("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.1.0.0/16" }, { id: "vpc-1" });
  s.add("aws:ec2/internetGateway:InternetGateway", "igw", { vpcId: "vpc-1" }, { id: "igw-1" });
  s.add("aws:ec2/natGateway:NatGateway", "nat", { subnetId: "subnet-pub" }, { id: "nat-1" });
  s.add(
    "aws:ec2/subnet:Subnet",
    "public",
    { vpcId: "vpc-1", cidrBlock: "10.1.0.0/24", mapPublicIpOnLaunch: true },
    { id: "subnet-pub" },
  );
  s.add(
    "aws:ec2/subnet:Subnet",
    "private",
    { vpcId: "vpc-1", cidrBlock: "10.1.1.0/24" },
    { id: "subnet-prv" },
  );
  s.add(
    "aws:ec2/subnet:Subnet",
    "isolated-a",
    { vpcId: "vpc-1", cidrBlock: "10.1.2.0/24" },
    { id: "subnet-iso-a" },
  );
  s.add(
    "aws:ec2/subnet:Subnet",
    "isolated-b",
    { vpcId: "vpc-1", cidrBlock: "10.1.3.0/24" },
    { id: "subnet-iso-b" },
  );
  s.add("aws:ec2/routeTable:RouteTable", "public-rt", { vpcId: "vpc-1" }, { id: "rtb-pub" });
  s.add("aws:ec2/route:Route", "public-default", {
    routeTableId: "rtb-pub",
    destinationCidrBlock: "0.0.0.0/0",
    gatewayId: "igw-1",
  });
  s.add(
    "aws:ec2/routeTable:RouteTable",
    "private-rt",
    { vpcId: "vpc-1", routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-1" }] },
    { id: "rtb-prv" },
  );
  s.add("aws:ec2/routeTable:RouteTable", "isolated-rt", { vpcId: "vpc-1" }, { id: "rtb-iso" });
  s.add("aws:ec2/routeTableAssociation:RouteTableAssociation", "public-assoc", {
    subnetId: "subnet-pub",
    routeTableId: "rtb-pub",
  });
  s.add("aws:ec2/routeTableAssociation:RouteTableAssociation", "private-assoc", {
    subnetId: "subnet-prv",
    routeTableId: "rtb-prv",
  });
  s.add("aws:ec2/routeTableAssociation:RouteTableAssociation", "isolated-a-assoc", {
    subnetId: "subnet-iso-a",
    routeTableId: "rtb-iso",
  });
  s.add("aws:ec2/routeTableAssociation:RouteTableAssociation", "isolated-b-assoc", {
    subnetId: "subnet-iso-b",
    routeTableId: "rtb-iso",
  });
  s.add(
    "aws:rds/subnetGroup:SubnetGroup",
    "db-subnets",
    { name: "plat-db", subnetIds: ["subnet-iso-a", "subnet-iso-b"] },
    { id: "plat-db" },
  );
  s.add(
    "aws:elasticache/subnetGroup:SubnetGroup",
    "cache-subnets",
    { name: "plat-cache", subnetIds: ["subnet-iso-a", "subnet-iso-b"] },
    { id: "plat-cache" },
  );
  s.add(
    "aws:ec2/securityGroup:SecurityGroup",
    "alb-sg",
    {
      vpcId: "vpc-1",
      description: "ALB",
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
      ],
      egress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.1.0.0/16"] }],
    },
    { id: "sg-alb" },
  );
  s.add(
    "aws:ec2/securityGroup:SecurityGroup",
    "endpoints-sg",
    { vpcId: "vpc-1", description: "endpoints" },
    { id: "sg-endpoints" },
  );
  s.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "endpoints-https", {
    securityGroupId: "sg-endpoints",
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: "10.1.0.0/16",
  });
  const logBucket = bucketWithCompanions(s, "alb-logs", keyArn, "AES256");
  const assets = bucketWithCompanions(s, "assets", keyArn);
  const accessLogs = bucketWithCompanions(s, "s3-access-logs", keyArn, "AES256");
  s.add("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "s3-access-logs-lifecycle", {
    bucket: accessLogs,
    rules: [{ id: "expire", status: "Enabled", filter: {}, expiration: { days: env.logRetentionFloorDays } }],
  });
  serverAccessLogs(s, "alb-logs", logBucket, accessLogs);
  serverAccessLogs(s, "assets", assets, accessLogs);
  const albArn = arn("elasticloadbalancing", "loadbalancer/app/plat/0123");
  s.add(
    "aws:lb/loadBalancer:LoadBalancer",
    "alb",
    {
      loadBalancerType: "application",
      securityGroups: ["sg-alb"],
      subnets: ["subnet-pub"],
      accessLogs: { bucket: logBucket, enabled: true },
    },
    { id: albArn, state: { arn: albArn } },
  );
  s.add("aws:lb/listener:Listener", "https", {
    loadBalancerArn: albArn,
    port: 443,
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    certificateArn: arn("acm", "certificate/abc"),
    routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains",
    defaultActions: [
      { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } },
    ],
  });
  s.add("aws:lb/listener:Listener", "http", {
    loadBalancerArn: albArn,
    port: 80,
    protocol: "HTTP",
    defaultActions: [
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ],
  });
  s.add("aws:ecr/repository:Repository", "app", {
    encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn }],
  });
  s.add("aws:sns/topic:Topic", "alarms", { kmsMasterKeyId: keyArn });
  // Daily backups, copied to a vault in the second region (infra/backup.ts).
  s.add("aws:backup/plan:Plan", "backup", {
    rules: [
      {
        ruleName: "daily",
        targetVaultName: "backup-vault",
        schedule: "cron(0 3 * * ? *)",
        lifecycle: { deleteAfter: 35 },
        copyActions: [
          {
            destinationVaultArn: `arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:backup-copy`,
            lifecycle: { deleteAfter: 35 },
          },
        ],
      },
    ],
  });
  s.add("aws:cloudwatch/logGroup:LogGroup", "flow-logs", {
    retentionInDays: env.logRetentionFloorDays,
    kmsKeyId: keyArn,
  });
  s.add("aws:efs/fileSystem:FileSystem", "shared-files", { encrypted: true, kmsKeyId: keyArn });
  return s;
}

/** S3 server access logging of `bucket` to `target` (FSBP S3.9). */
function serverAccessLogs(s: FixtureStack, name: string, bucket: string, target: string): void {
  s.add("aws:s3/bucketLogging:BucketLogging", `${name}-access-logs`, {
    bucket,
    targetBucket: target,
    targetPrefix: `${bucket}/`,
  });
}

/** The HTTPS listener of ingress shard `k` in the fixtures' base outputs, shaped as AWS shapes it. */
export function FIXTURE_LISTENER_ARN(environment: Environment, shard: number): string {
  const alb = physicalName("loadBalancer", { environment, role: shardLoadBalancerRole(shard) });
  return arn("elasticloadbalancing", `listener/app/${alb}/0123456789abcdef/${shard}00000000000000`);
}

/** The tenant id fixtures use per tier. */
export const FIXTURE_TENANT: Record<Tier, string> = {
  trial: "trialco",
  standard: "stdco",
  enterprise: "bigco",
};

/** A compliant tenant stack of `tier` in `environment`. */
export function tenantFixture(
  tier: Tier,
  environment: Environment,
  tenant: string = FIXTURE_TENANT[tier],
): FixtureStack {
  const s = new FixtureStack("tenant", tenantStackName(tenant, environment));
  // What the tenant program and the pack read the tier from (a spec's other fields do not matter here).
  s.config[TENANT_SPEC_CONFIG_KEY] = JSON.stringify({ id: tenant, tier, environments: [environment] });
  const sizing = effectiveSizing({ tier }, environment);
  const limits = TIERS[tier].limits;
  const envShort = ENVIRONMENT_PROFILES[environment].shortName;
  s.add(
    "pulumi:pulumi:StackReference",
    defaultBaseStackName(environment),
    { name: defaultBaseStackName(environment) },
    {
      read: true,
      state: {
        outputs: {
          dbSubnetGroupName: physicalName("rds", { environment, role: "isolated" }),
          cacheSubnetGroupName: physicalName("elasticache", { environment, role: "isolated" }),
          albSecurityGroupId: "sg-alb",
          s3AccessLogBucketName: `plat-${envShort}-s3-access-logs`,
          httpsListenerArn: FIXTURE_LISTENER_ARN(environment, 0),
          ingressShards: [0, 1].map((index) => ({
            index,
            httpsListenerArn: FIXTURE_LISTENER_ARN(environment, index),
          })),
        },
      },
    },
  );
  s.awsProvider(
    buildTags({
      tenant,
      environment,
      owner: `${tenant}@example.com`,
      costCenter: "CC-1000",
      dataClassification: "confidential",
      tier,
    }),
  );
  const keyArn = arn("kms", "key/99999999-2222-3333-4444-555555555555");
  if (sizing.dedicatedKmsKey) {
    s.add("aws:kms/key:Key", "key", { enableKeyRotation: true }, { state: { arn: keyArn } });
  }
  const storage = bucketWithCompanions(s, "storage", keyArn);
  serverAccessLogs(s, "storage", storage, `plat-${envShort}-s3-access-logs`);
  s.add("aws:secretsmanager/secret:Secret", "db-credentials", { kmsKeyId: keyArn, recoveryWindowInDays: 7 });
  s.add("aws:cloudwatch/logGroup:LogGroup", "logs", {
    retentionInDays: sizing.logRetentionDays,
    kmsKeyId: keyArn,
  });
  s.add(
    "aws:ec2/securityGroup:SecurityGroup",
    "service-sg",
    { vpcId: "vpc-1", description: "tasks" },
    { id: "sg-svc" },
  );
  s.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "service-from-alb", {
    securityGroupId: "sg-svc",
    ipProtocol: "tcp",
    fromPort: 8080,
    toPort: 8080,
    referencedSecurityGroupId: "sg-alb",
  });
  s.add("aws:ecs/taskDefinition:TaskDefinition", "task", {
    family: `${tenant}-app`,
    cpu: String(sizing.task.cpu),
    memory: String(sizing.task.memory),
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    // The tenant program's three containers: two run-to-completion steps, then the app.
    containerDefinitions: JSON.stringify([
      { name: "db-bootstrap", essential: false },
      { name: "migrate", essential: false },
      {
        name: "app",
        essential: true,
        healthCheck: {
          command: ["CMD-SHELL", "curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1"],
        },
      },
    ]),
  });
  s.add("aws:ecs/service:Service", "service", {
    desiredCount: sizing.task.desiredCount,
    launchType: "FARGATE",
    networkConfiguration: { subnets: ["subnet-prv"], securityGroups: ["sg-svc"], assignPublicIp: false },
  });
  s.add("aws:appautoscaling/target:Target", "scaling", {
    serviceNamespace: "ecs",
    scalableDimension: "ecs:service:DesiredCount",
    resourceId: `service/plat-${envShort}/${tenant}`,
    minCapacity: sizing.task.desiredCount,
    maxCapacity: sizing.task.maxCount,
  });
  s.add(
    "aws:rds/parameterGroup:ParameterGroup",
    "db-params",
    {
      family: "postgres16",
      parameters: [{ name: "rds.force_ssl", value: "1" }],
    },
    { id: `${tenant}-db-params` },
  );
  const db = sizing.database;
  s.add("aws:rds/instance:Instance", "db", {
    engine: "postgres",
    instanceClass: db.instanceClass,
    allocatedStorage: db.allocatedStorageGb,
    maxAllocatedStorage: limits.maxAllocatedStorageGb,
    multiAz: db.multiAz,
    storageEncrypted: true,
    kmsKeyId: keyArn,
    performanceInsightsEnabled: db.performanceInsights,
    ...(db.performanceInsights ? { performanceInsightsKmsKeyId: keyArn } : {}),
    parameterGroupName: `${tenant}-db-params`,
    dbSubnetGroupName: physicalName("rds", { environment, role: "isolated" }),
    publiclyAccessible: false,
    backupRetentionPeriod: db.backupRetentionDays,
    deletionProtection: db.deletionProtection,
    skipFinalSnapshot: !db.deletionProtection,
    ...(db.deletionProtection ? { finalSnapshotIdentifier: `${tenant}-final` } : {}),
    manageMasterUserPassword: true,
    masterUserSecretKmsKeyId: keyArn,
  });
  if (sizing.cache.enabled) {
    s.add("aws:elasticache/replicationGroup:ReplicationGroup", "cache", {
      description: "cache",
      engine: "redis",
      nodeType: sizing.cache.nodeType,
      numCacheClusters: sizing.cache.numCacheClusters,
      automaticFailoverEnabled: sizing.cache.automaticFailover,
      atRestEncryptionEnabled: true,
      kmsKeyId: keyArn,
      transitEncryptionEnabled: true,
      authToken: {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: "placeholder-token",
      },
      subnetGroupName: physicalName("elasticache", { environment, role: "isolated" }),
      snapshotRetentionLimit: environment === "production" ? 7 : 0,
      ...(environment === "production" ? { finalSnapshotIdentifier: `${tenant}-cache-final` } : {}),
    });
  }
  // The tenant's host rule on shard 0's HTTPS listener at its derived priority (no placement fields).
  s.add("aws:lb/listenerRule:ListenerRule", "service", {
    listenerArn: FIXTURE_LISTENER_ARN(environment, 0),
    priority: derivedListenerPriority(tenant),
    conditions: [{ hostHeader: { values: [`${tenant}.platform.example.com`] } }],
    actions: [
      {
        type: "forward",
        targetGroupArn: arn("elasticloadbalancing", `targetgroup/plat-${envShort}-${tenant}/1`),
      },
    ],
  });
  return s;
}

/** The resource of `type` (and `name`) in a fixture. @throws when absent. */
export function find(s: FixtureStack, type: string, name?: string): RecordedResource {
  const r = s.resources.find((x) => x.type === type && (name === undefined || x.name === name));
  if (!r) {
    throw new Error(`fixture ${s.stack} has no ${type}${name ? ` "${name}"` : ""}`);
  }
  return r;
}

/** Changes inputs (and the matching outputs) of one resource; `undefined` deletes a key. */
export function patch(
  s: FixtureStack,
  type: string,
  name: string | undefined,
  changes: Record<string, unknown>,
): void {
  const r = find(s, type, name);
  for (const [k, v] of Object.entries(changes)) {
    for (const bag of [r.inputs, r.state]) {
      if (v === undefined) {
        delete bag[k];
      } else {
        bag[k] = v;
      }
    }
  }
}

/** Removes a resource from a fixture. */
export function remove(s: FixtureStack, type: string, name?: string): void {
  const r = find(s, type, name);
  s.resources.splice(s.resources.indexOf(r), 1);
}

/** Replaces the provider's default tags (encoded as a Node program encodes them). */
export function setDefaultTags(
  s: FixtureStack,
  change: (tags: Record<string, string>) => Record<string, string>,
): void {
  const p = find(s, "pulumi:providers:aws");
  const tags = JSON.parse(p.inputs.defaultTags).tags;
  p.inputs.defaultTags = JSON.stringify({ tags: change({ ...tags }) });
  p.state.defaultTags = p.inputs.defaultTags;
}
