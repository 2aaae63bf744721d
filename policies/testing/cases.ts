/**
 * One failing case per rule of every policy: a compliant fixture, one change, the violation it must
 * cause. The meta test in policies.test.ts fails when a policy or one of its rules has no case here.
 */
import type { Environment } from "../../common";
import type { Tier } from "../../common";
import type { EvaluateOptions } from "../engine/harness";
import { TENANT_SPEC_CONFIG_KEY } from "../../common";
import {
  baseFixture,
  find,
  FIXTURE_LISTENER_ARN,
  FixtureStack,
  patch,
  remove,
  setDefaultTags,
  tenantFixture,
} from "./fixtures";

/** A failing case. */
export interface FailingCase {
  readonly policy: string;
  /** The rule it breaks, exactly as listed in the policy's `rules`. */
  readonly rule: string;
  /** `base` or the tenant's tier. */
  readonly stack: "base" | Tier;
  /** @default "production" (every policy is mandatory there) */
  readonly environment?: Environment;
  readonly change: (s: FixtureStack) => void;
  readonly expect: RegExp;
  readonly options?: EvaluateOptions;
}

/** Builds the fixture a case starts from. */
export function fixtureFor(c: Pick<FailingCase, "stack" | "environment">): FixtureStack {
  const env = c.environment ?? "production";
  return c.stack === "base" ? baseFixture(env) : tenantFixture(c.stack, env);
}

const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const LOGGING = "aws:s3/bucketLogging:BucketLogging";
const RDS = "aws:rds/instance:Instance";
const CACHE = "aws:elasticache/replicationGroup:ReplicationGroup";
const LOGS = "aws:cloudwatch/logGroup:LogGroup";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const SERVICE = "aws:ecs/service:Service";
const TARGET = "aws:appautoscaling/target:Target";
const LISTENER = "aws:lb/listener:Listener";
const PLAN = "aws:backup/plan:Plan";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const RULE = "aws:lb/listenerRule:ListenerRule";

/** The fixture's spec placed on ingress shard `shard` (its rule left where it is). */
function placeOn(s: FixtureStack, shard: number): void {
  const spec = JSON.parse(s.config[TENANT_SPEC_CONFIG_KEY]) as Record<string, unknown>;
  s.config[TENANT_SPEC_CONFIG_KEY] = JSON.stringify({ ...spec, ingressShard: shard });
}

/** A complete, otherwise compliant database in the base stack on subnet group `group`. */
function addBaseDatabase(s: FixtureStack, group: string): void {
  s.add(RDS, "stray-db", {
    engine: "postgres",
    instanceClass: "db.t4g.micro",
    allocatedStorage: 20,
    storageEncrypted: true,
    kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    parameterGroupName: "plat-db-params",
    dbSubnetGroupName: group,
    backupRetentionPeriod: 7,
    deletionProtection: true,
  });
}

/** The fixture's backup plan with one rule kept 35 days, copied to `destination` for `keepDays`. */
function copyInto(s: FixtureStack, destination: string, keepDays: number): void {
  patch(s, PLAN, "backup", {
    rules: [
      {
        ruleName: "daily",
        lifecycle: { deleteAfter: 35 },
        copyActions: [{ destinationVaultArn: destination, lifecycle: { deleteAfter: keepDays } }],
      },
    ],
  });
}

export const FAILING_CASES: readonly FailingCase[] = [
  // tagging
  {
    policy: "platform-tagging-required-tags",
    rule: "taggable resources carry Tenant, Environment, Owner, CostCenter, DataClassification, ManagedBy",
    stack: "base",
    change: (s) => setDefaultTags(s, ({ Owner: _o, ...t }) => t),
    expect: /missing tag Owner/,
  },
  {
    policy: "platform-tagging-required-tags",
    rule: "tenant stack resources also carry Tier",
    stack: "standard",
    change: (s) => setDefaultTags(s, ({ Tier: _t, ...t }) => t),
    expect: /missing tag Tier/,
  },
  {
    policy: "platform-tagging-tag-values",
    rule: "values pass tagValueProblem (allowed characters, Environment and DataClassification from the allowed lists, ManagedBy=pulumi)",
    stack: "standard",
    change: (s) => setDefaultTags(s, (t) => ({ ...t, DataClassification: "secret" })),
    expect: /DataClassification="secret" must be one of/,
  },
  {
    policy: "platform-tagging-tag-values",
    rule: "Environment equals the stack's environment",
    stack: "standard",
    change: (s) => setDefaultTags(s, (t) => ({ ...t, Environment: "staging" })),
    expect: /Environment="staging" but stack "stdco-production" is production/,
  },
  {
    policy: "platform-tagging-tenant-tags",
    rule: "Tenant equals the tenant of a tenant stack",
    stack: "standard",
    change: (s) => setDefaultTags(s, (t) => ({ ...t, Tenant: "otherco" })),
    expect: /Tenant="otherco" but this is tenant "stdco"/,
  },
  {
    policy: "platform-tagging-tenant-tags",
    rule: 'Tenant is "shared" on base stacks',
    stack: "base",
    change: (s) => setDefaultTags(s, (t) => ({ ...t, Tenant: "acme" })),
    expect: /shared resources are tagged Tenant="shared"/,
  },
  {
    policy: "platform-tagging-tenant-tags",
    rule: "Tier on tenant stacks is one of trial, standard, enterprise",
    stack: "standard",
    change: (s) => setDefaultTags(s, (t) => ({ ...t, Tier: "platinum" })),
    expect: /Tier="platinum" is not a tier/,
  },
  {
    policy: "platform-tagging-tenant-tags",
    rule: "Tier on tenant stacks equals the stack's tier (tenant:spec)",
    stack: "trial",
    change: (s) => patch(s, RDS, "db", { tags: { Tier: "enterprise" } }),
    expect: /Tier tag "enterprise" disagrees with the stack's tier "trial"/,
  },
  // encryption
  {
    policy: "platform-s3-sse-kms",
    rule: "BucketServerSideEncryptionConfiguration rules use aws:kms with a customer key (SSE-S3 only for LB logs)",
    stack: "standard",
    change: (s) =>
      patch(s, SSE, undefined, {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
      }),
    expect: /uses the AWS managed key/,
  },
  {
    policy: "platform-s3-sse-kms",
    rule: "a bucket's inline serverSideEncryptionConfiguration, if set, follows the same rule",
    stack: "standard",
    change: (s) =>
      patch(s, "aws:s3/bucket:Bucket", undefined, {
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } },
        },
      }),
    expect: /Bucket "storage": sseAlgorithm is "none"/,
  },
  {
    policy: "platform-s3-sse-s3-only-lb-logs",
    rule: "a bucket encrypted with AES256 is the accessLogs or connectionLogs bucket of a load balancer, or the targetBucket of an aws.s3.BucketLogging",
    stack: "base",
    change: (s) =>
      patch(s, SSE, "assets-encryption", {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      }),
    expect:
      /"plat-assets" with SSE-S3 \(AES256\), but no load balancer or S3 server access logging delivers logs to it/,
  },
  {
    policy: "platform-s3-access-logging",
    rule: "each bucket has an aws.s3.BucketLogging, unless it is a server access log destination",
    stack: "standard",
    change: (s) => remove(s, LOGGING, "storage-access-logs"),
    expect: /bucket "storage" has no server access logging \(FSBP S3\.9\)/,
  },
  {
    policy: "platform-s3-access-logging",
    rule: "a bucket logs to the environment's access-log bucket: the base stack's own, or on tenant stacks its s3AccessLogBucketName output",
    stack: "standard",
    change: (s) => patch(s, LOGGING, "storage-access-logs", { targetBucket: "someone-elses-bucket" }),
    expect: /bucket "storage" logs to "someone-elses-bucket", not to the environment's access-log bucket/,
  },
  {
    policy: "platform-s3-access-logging",
    rule: "a server access log destination has no server access logging of its own (no loop)",
    stack: "base",
    change: (s) =>
      void s.add(LOGGING, "loop", { bucket: "plat-s3-access-logs", targetBucket: "plat-s3-access-logs" }),
    expect:
      /bucket "s3-access-logs" receives server access logs and has server access logging itself \(loop\); that loops/,
  },
  {
    policy: "platform-s3-access-logging",
    rule: "a server access log destination uses SSE-S3 (AES256) default encryption, the only one S3 log delivery supports",
    stack: "base",
    change: (s) =>
      patch(s, SSE, "s3-access-logs-encryption", {
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/1",
            },
          },
        ],
      }),
    expect:
      /bucket "s3-access-logs" receives server access logs but its default encryption is aws:kms; S3 log delivery supports only SSE-S3/,
  },
  {
    policy: "platform-s3-access-logging",
    rule: "a server access log destination has a lifecycle rule that expires its logs",
    stack: "base",
    change: (s) =>
      remove(
        s,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "s3-access-logs-lifecycle",
      ),
    expect: /bucket "s3-access-logs" receives server access logs but no enabled lifecycle rule expires them/,
  },
  {
    policy: "platform-s3-tls-only",
    rule: "each bucket has an aws.s3.BucketPolicy with a Deny s3:* statement on aws:SecureTransport=false",
    stack: "trial",
    change: (s) => remove(s, "aws:s3/bucketPolicy:BucketPolicy"),
    expect: /bucket "storage" has no bucket policy denying non-TLS requests/,
  },
  {
    policy: "platform-s3-bucket-companions",
    rule: "each bucket has an aws.s3.BucketPublicAccessBlock with all four flags true",
    stack: "trial",
    change: (s) => remove(s, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    expect: /bucket "storage" has no public access block/,
  },
  {
    policy: "platform-s3-bucket-companions",
    rule: "each bucket has an aws.s3.BucketPublicAccessBlock with all four flags true",
    stack: "trial",
    change: (s) =>
      patch(s, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", undefined, {
        restrictPublicBuckets: false,
      }),
    expect: /leaves restrictPublicBuckets off/,
  },
  {
    policy: "platform-s3-bucket-companions",
    rule: "each bucket has an aws.s3.BucketServerSideEncryptionConfiguration",
    stack: "trial",
    change: (s) => remove(s, SSE),
    expect: /bucket "storage" has no encryption configuration/,
  },
  {
    policy: "platform-rds-encryption",
    rule: "storageEncrypted is true",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { storageEncrypted: false }),
    expect: /storageEncrypted is false/,
  },
  {
    policy: "platform-rds-encryption",
    rule: "kmsKeyId is a customer managed key",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { kmsKeyId: "alias/aws/rds" }),
    expect: /kmsKeyId is "alias\/aws\/rds"/,
  },
  {
    policy: "platform-rds-encryption",
    rule: "performanceInsightsKmsKeyId is set when Performance Insights is on",
    stack: "enterprise",
    change: (s) => patch(s, RDS, "db", { performanceInsightsKmsKeyId: undefined }),
    expect: /Performance Insights is on but performanceInsightsKmsKeyId is unset/,
  },
  {
    policy: "platform-rds-encryption",
    rule: "parameterGroupName names our own (TLS-forcing) parameter group, not a default.* one",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { parameterGroupName: "default.postgres16" }),
    expect: /parameterGroupName is "default.postgres16"/,
  },
  {
    policy: "platform-rds-force-ssl",
    rule: "postgres parameter groups have parameter rds.force_ssl = 1",
    stack: "standard",
    change: (s) =>
      patch(s, "aws:rds/parameterGroup:ParameterGroup", undefined, {
        parameters: [{ name: "rds.force_ssl", value: "0" }],
      }),
    expect: /rds.force_ssl is "0"/,
  },
  {
    policy: "platform-elasticache-encryption",
    rule: "atRestEncryptionEnabled is true with a customer managed kmsKeyId",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { atRestEncryptionEnabled: false }),
    expect: /atRestEncryptionEnabled is false/,
  },
  {
    policy: "platform-elasticache-encryption",
    rule: "atRestEncryptionEnabled is true with a customer managed kmsKeyId",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { kmsKeyId: undefined }),
    expect: /cache "cache": kmsKeyId is unset/,
  },
  {
    policy: "platform-elasticache-encryption",
    rule: "transitEncryptionEnabled is true (and transitEncryptionMode, if set, is required)",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { transitEncryptionEnabled: false }),
    expect: /transitEncryptionEnabled is false/,
  },
  {
    policy: "platform-elasticache-encryption",
    rule: "transitEncryptionEnabled is true (and transitEncryptionMode, if set, is required)",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { transitEncryptionMode: "preferred" }),
    expect: /transitEncryptionMode is "preferred"/,
  },
  {
    policy: "platform-elasticache-encryption",
    rule: "authToken or userGroupIds is set",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { authToken: undefined }),
    expect: /no authToken or userGroupIds/,
  },
  {
    policy: "platform-elasticache-encryption",
    rule: "aws.elasticache.Cluster is used only as a member of a replication group",
    stack: "standard",
    change: (s) =>
      void s.add("aws:elasticache/cluster:Cluster", "memcached", {
        engine: "memcached",
        nodeType: "cache.t4g.micro",
        numCacheNodes: 1,
      }),
    expect: /cache cluster "memcached" is standalone/,
  },
  {
    policy: "platform-efs-encryption",
    rule: "encrypted is true",
    stack: "base",
    change: (s) => patch(s, "aws:efs/fileSystem:FileSystem", undefined, { encrypted: false }),
    expect: /encrypted is false/,
  },
  {
    policy: "platform-efs-encryption",
    rule: "kmsKeyId is a customer managed key",
    stack: "base",
    change: (s) => patch(s, "aws:efs/fileSystem:FileSystem", undefined, { kmsKeyId: undefined }),
    expect: /EFS file system "shared-files": kmsKeyId is unset/,
  },
  {
    policy: "platform-cloudwatch-log-group-kms",
    rule: "kmsKeyId is set to a customer managed key",
    stack: "trial",
    change: (s) => patch(s, LOGS, undefined, { kmsKeyId: undefined }),
    expect: /log group "logs": kmsKeyId is unset/,
  },
  {
    policy: "platform-sns-kms",
    rule: "kmsMasterKeyId is a customer managed key (not alias/aws/sns)",
    stack: "base",
    change: (s) => patch(s, "aws:sns/topic:Topic", undefined, { kmsMasterKeyId: "alias/aws/sns" }),
    expect: /kmsMasterKeyId is "alias\/aws\/sns"/,
  },
  {
    policy: "platform-ecr-kms",
    rule: "encryptionConfigurations use encryptionType KMS",
    stack: "base",
    change: (s) =>
      patch(s, "aws:ecr/repository:Repository", undefined, { encryptionConfigurations: undefined }),
    expect: /encryptionType is unset \(AES256 by default\)/,
  },
  {
    policy: "platform-ecr-kms",
    rule: "kmsKey is a customer managed key",
    stack: "base",
    change: (s) =>
      patch(s, "aws:ecr/repository:Repository", undefined, {
        encryptionConfigurations: [{ encryptionType: "KMS" }],
      }),
    expect: /KMS encryption without kmsKey/,
  },
  {
    policy: "platform-secretsmanager-customer-key",
    rule: "kmsKeyId is a customer managed key (not aws/secretsmanager)",
    stack: "trial",
    change: (s) => patch(s, "aws:secretsmanager/secret:Secret", undefined, { kmsKeyId: undefined }),
    expect: /secret "db-credentials": kmsKeyId is unset/,
  },
  {
    policy: "platform-kms-rotation",
    rule: "enableKeyRotation is true on SYMMETRIC_DEFAULT keys",
    stack: "base",
    change: (s) => patch(s, "aws:kms/key:Key", undefined, { enableKeyRotation: false }),
    expect: /enableKeyRotation is false/,
  },
  {
    policy: "platform-lb-tls-policy",
    rule: "sslPolicy is one of the modern policies (TLS 1.2+, forward secrecy)",
    stack: "base",
    change: (s) => patch(s, LISTENER, "https", { sslPolicy: "ELBSecurityPolicy-2016-08" }),
    expect: /sslPolicy "ELBSecurityPolicy-2016-08" allows old TLS/,
  },
  {
    policy: "platform-lb-tls-policy",
    rule: "certificateArn is set",
    stack: "base",
    change: (s) => patch(s, LISTENER, "https", { certificateArn: undefined }),
    expect: /certificateArn is not set/,
  },
  {
    policy: "platform-lb-hsts",
    rule: "routingHttpResponseStrictTransportSecurityHeaderValue has max-age of at least 31536000",
    stack: "base",
    change: (s) =>
      patch(s, LISTENER, "https", { routingHttpResponseStrictTransportSecurityHeaderValue: undefined }),
    expect: /HTTPS listener "https": Strict-Transport-Security is unset; browsers may fall back to HTTP/,
  },
  {
    policy: "platform-lb-hsts",
    rule: "routingHttpResponseStrictTransportSecurityHeaderValue has max-age of at least 31536000",
    stack: "base",
    environment: "staging",
    change: (s) =>
      patch(s, LISTENER, "https", { routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=300" }),
    expect: /Strict-Transport-Security is "max-age=300"/,
  },
  {
    policy: "platform-lb-hsts",
    rule: "that header value includes includeSubDomains",
    stack: "base",
    change: (s) =>
      patch(s, LISTENER, "https", {
        routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=63072000",
      }),
    expect: /leaves the tenants' subdomains out; add "includeSubDomains"/,
  },
  {
    policy: "platform-backup-production-copy",
    rule: "each rule of a backup plan has a copy action where the environment copies every tier",
    stack: "base",
    change: (s) =>
      patch(s, PLAN, "backup", {
        rules: [{ ruleName: "daily", targetVaultName: "backup-vault", lifecycle: { deleteAfter: 35 } }],
      }),
    expect: /backup plan "backup" rule "daily" \(production\): has no copy action/,
  },
  {
    policy: "platform-backup-production-copy",
    rule: "the copy's destination vault is in another region than the stack's",
    stack: "base",
    change: (s) => copyInto(s, "arn:aws:backup:us-east-1:123456789012:backup-vault:same", 35),
    expect: /in the stack's own region us-east-1; copy to another region/,
  },
  {
    policy: "platform-backup-production-copy",
    rule: "the copy is kept at least as long as the recovery point",
    stack: "base",
    change: (s) => copyInto(s, "arn:aws:backup:us-west-2:123456789012:backup-vault:copy", 7),
    expect: /the copy is deleted after 7 days, before the recovery point \(35\)/,
  },
  {
    policy: "platform-rds-managed-master-password",
    rule: "manageMasterUserPassword is true",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { manageMasterUserPassword: undefined }),
    expect: /database "db": manageMasterUserPassword is unset; let RDS keep and rotate the master password/,
  },
  {
    policy: "platform-rds-managed-master-password",
    rule: "password is not set",
    stack: "trial",
    environment: "staging",
    change: (s) => patch(s, RDS, "db", { password: "hunter2-in-state" }),
    expect: /database "db": sets password; a password in the program is in its state too/,
  },
  // limits
  {
    policy: "platform-ecs-container-health-check",
    rule: "each essential container (essential unset or true) in containerDefinitions has a healthCheck command",
    stack: "enterprise",
    change: (s) =>
      patch(s, TASK, undefined, {
        containerDefinitions: JSON.stringify([{ name: "migrate", essential: false }, { name: "app" }]),
      }),
    expect: /essential container "app" has no health check/,
  },
  {
    policy: "platform-ecs-task-size",
    rule: "cpu is within the tier's minTaskCpu..maxTaskCpu",
    stack: "enterprise",
    change: (s) => patch(s, TASK, undefined, { cpu: "256", memory: "2048" }),
    expect: /cpu "256" is outside 512-4096/,
  },
  {
    policy: "platform-ecs-task-size",
    rule: "memory does not exceed the tier's maxTaskMemory",
    stack: "trial",
    change: (s) => patch(s, TASK, undefined, { memory: "2048" }),
    expect: /memory "2048" MiB exceeds the tier's 1024/,
  },
  {
    policy: "platform-ecs-task-size",
    rule: "cpu/memory is a valid Fargate size",
    stack: "trial",
    change: (s) => patch(s, TASK, undefined, { cpu: "512", memory: "512" }),
    expect: /cpu 512 with memory 512 is not a Fargate task size/,
  },
  {
    policy: "platform-ecs-task-count",
    rule: "desiredCount is within the tier's minDesiredCount..maxDesiredCount",
    stack: "trial",
    change: (s) => patch(s, SERVICE, undefined, { desiredCount: 5 }),
    expect: /desiredCount 5 is outside 1-2/,
  },
  {
    policy: "platform-appautoscaling-bounds",
    rule: "maxCapacity does not exceed the tier's maxTaskCount",
    stack: "trial",
    change: (s) => patch(s, TARGET, undefined, { maxCapacity: 10 }),
    expect: /maxCapacity 10 exceeds the tier's 2 tasks/,
  },
  {
    policy: "platform-appautoscaling-bounds",
    rule: "minCapacity is at least the tier's minDesiredCount and not above maxCapacity",
    stack: "standard",
    change: (s) => patch(s, TARGET, undefined, { minCapacity: 0 }),
    expect: /minCapacity 0 must be at least 1/,
  },
  {
    policy: "platform-rds-size",
    rule: "instanceClass is one of the tier's allowedDbInstanceClasses",
    stack: "trial",
    change: (s) => patch(s, RDS, "db", { instanceClass: "db.r7g.2xlarge" }),
    expect: /instanceClass "db.r7g.2xlarge" is not allowed/,
  },
  {
    policy: "platform-rds-size",
    rule: "allocatedStorage is within the tier's min/max",
    stack: "trial",
    change: (s) => patch(s, RDS, "db", { allocatedStorage: 500 }),
    expect: /allocatedStorage 500 GiB is outside 20-50 GiB/,
  },
  {
    policy: "platform-rds-size",
    rule: "maxAllocatedStorage (storage autoscaling) does not exceed the tier's max",
    stack: "trial",
    change: (s) => patch(s, RDS, "db", { maxAllocatedStorage: 1000 }),
    expect: /maxAllocatedStorage 1000 GiB lets storage autoscale past/,
  },
  {
    policy: "platform-rds-production-protection",
    rule: "deletionProtection is true where the environment protects data stores (production), unless the database is being decommissioned (final snapshot <identifier>-final-<yyyymmddhhmm> kept)",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { deletionProtection: false }),
    expect: /deletionProtection is false; production data stores/,
  },
  {
    policy: "platform-rds-production-protection",
    rule: "skipFinalSnapshot is not true where the environment protects data stores",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { skipFinalSnapshot: true }),
    expect: /skipFinalSnapshot is true/,
  },
  {
    policy: "platform-rds-production-protection",
    rule: "backupRetentionPeriod is at least the tier's minBackupRetentionDays (1 without a tier)",
    stack: "enterprise",
    change: (s) => patch(s, RDS, "db", { backupRetentionPeriod: 7 }),
    expect: /backupRetentionPeriod is 7; keep automated backups at least 35 day/,
  },
  {
    policy: "platform-rds-multi-az",
    rule: "multiAz is true when the tier's limits set requireMultiAz",
    stack: "enterprise",
    change: (s) => patch(s, RDS, "db", { multiAz: false }),
    expect: /requires a Multi-AZ database/,
  },
  {
    policy: "platform-elasticache-size",
    rule: "tiers without a cache have no cache",
    stack: "trial",
    change: (s) => void s.add(CACHE, "cache", { ...find(tenantStandard(), CACHE).inputs }),
    expect: /the trial tier has no cache/,
  },
  {
    policy: "platform-elasticache-size",
    rule: "nodeType is one of the tier's allowedCacheNodeTypes",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { nodeType: "cache.r7g.4xlarge" }),
    expect: /nodeType "cache.r7g.4xlarge" is not allowed/,
  },
  {
    policy: "platform-elasticache-size",
    rule: "numCacheClusters (nodes) does not exceed the tier's maxCacheNodes",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { numCacheClusters: 3 }),
    expect: /3 nodes exceed the tier's 1/,
  },
  {
    policy: "platform-elasticache-production-backups",
    rule: "snapshotRetentionLimit is at least 1 where the environment protects data stores",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { snapshotRetentionLimit: 0 }),
    expect: /snapshotRetentionLimit is 0/,
  },
  {
    policy: "platform-elasticache-production-backups",
    rule: "finalSnapshotIdentifier is set there",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { finalSnapshotIdentifier: undefined }),
    expect: /finalSnapshotIdentifier is not set/,
  },
  {
    policy: "platform-cloudwatch-log-retention",
    rule: "retentionInDays is set (not 'never expire')",
    stack: "standard",
    change: (s) => patch(s, LOGS, undefined, { retentionInDays: undefined }),
    expect: /logs never expire/,
  },
  {
    policy: "platform-cloudwatch-log-retention",
    rule: "retentionInDays is at least the environment's logRetentionFloorDays",
    stack: "base",
    change: (s) => patch(s, LOGS, undefined, { retentionInDays: 30 }),
    expect: /retentionInDays 30 is below the minimum of 90 days \(environment floor 90\)/,
  },
  {
    policy: "platform-cloudwatch-log-retention",
    rule: "retentionInDays is at least the tier's logRetentionDays on tenant stacks",
    stack: "enterprise",
    change: (s) => patch(s, LOGS, undefined, { retentionInDays: 180 }),
    expect: /retentionInDays 180 is below the minimum of 365 days/,
  },
  {
    policy: "platform-cloudwatch-log-retention",
    rule: "retentionInDays is a value CloudWatch Logs accepts",
    stack: "standard",
    change: (s) => patch(s, LOGS, undefined, { retentionInDays: 100 }),
    expect: /retentionInDays 100 is not a CloudWatch Logs value/,
  },
  // network exposure
  {
    policy: "platform-ec2-public-ingress",
    rule: "inline ingress from 0.0.0.0/0 or ::/0 only on tcp 80/443",
    stack: "base",
    change: (s) =>
      patch(s, SG, "alb-sg", {
        ingress: [
          ...find(s, SG, "alb-sg").inputs.ingress,
          { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
        ],
      }),
    expect: /admits tcp 22 from 0.0.0.0\/0/,
  },
  {
    policy: "platform-ec2-public-ingress",
    rule: "aws.vpc.SecurityGroupIngressRule from anywhere only on tcp 80/443",
    stack: "standard",
    change: (s) =>
      patch(s, INGRESS, undefined, { referencedSecurityGroupId: undefined, cidrIpv4: "0.0.0.0/0" }),
    expect: /admits tcp 8080 from 0.0.0.0\/0/,
  },
  {
    policy: "platform-ec2-public-ingress",
    rule: "sources are compared as networks: any spelling of 0.0.0.0/0 or ::/0, a range wider than /8 (IPv4) or /32 (IPv6), or a source that is not a CIDR block counts as the internet",
    stack: "standard",
    change: (s) =>
      patch(s, INGRESS, undefined, { referencedSecurityGroupId: undefined, cidrIpv4: "0.0.0.0/1" }),
    expect: /admits tcp 8080 from 0.0.0.0\/1/,
  },
  {
    policy: "platform-ec2-public-ingress",
    rule: "aws.ec2.SecurityGroupRule (ingress) from anywhere only on tcp 80/443",
    stack: "standard",
    change: (s) =>
      void s.add("aws:ec2/securityGroupRule:SecurityGroupRule", "all-v6", {
        type: "ingress",
        securityGroupId: "sg-svc",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        ipv6CidrBlocks: ["::/0"],
      }),
    expect: /admits all traffic from ::\/0/,
  },
  {
    policy: "platform-ec2-public-web-ingress-lb-only",
    rule: "a rule from 0.0.0.0/0 or ::/0 belongs to a security group listed in a load balancer's securityGroups",
    stack: "standard",
    change: (s) =>
      patch(s, INGRESS, undefined, {
        referencedSecurityGroupId: undefined,
        cidrIpv4: "0.0.0.0/0",
        fromPort: 443,
        toPort: 443,
      }),
    expect: /opens tcp 443 to the internet on security group "service-sg", which no load balancer uses/,
  },
  {
    policy: "platform-rds-not-public",
    rule: "publiclyAccessible is not true",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { publiclyAccessible: true }),
    expect: /publiclyAccessible is true/,
  },
  {
    policy: "platform-rds-not-public",
    rule: "dbSubnetGroupName is set (the base stack's isolated group)",
    stack: "standard",
    change: (s) => patch(s, RDS, "db", { dbSubnetGroupName: undefined }),
    expect: /dbSubnetGroupName is unset, which puts it in the default VPC/,
  },
  {
    policy: "platform-vpc-isolated-data-subnets",
    rule: "an in-stack data subnet group holds only subnets without public IPs and without a default route to an internet or NAT gateway",
    stack: "base",
    change: (s) => {
      withPublicDbSubnetGroup(s);
      addBaseDatabase(s, "plat-db-public");
    },
    expect:
      /subnet group ".*" whose subnet "public" is not isolated: it gives instances public IPs; its route table sends 0.0.0.0\/0 to an internet gateway/,
  },
  {
    policy: "platform-vpc-isolated-data-subnets",
    rule: "a tenant's data store uses the base stack's dbSubnetGroupName / cacheSubnetGroupName output",
    stack: "standard",
    change: (s) => patch(s, CACHE, undefined, { subnetGroupName: "some-other-group" }),
    expect: /subnet group "some-other-group" is not the base stack's isolated cacheSubnetGroupName/,
  },
  {
    policy: "platform-vpc-isolated-data-subnets",
    rule: "a tenant's data store uses the base stack's dbSubnetGroupName / cacheSubnetGroupName output",
    stack: "standard",
    // As the engine shows the stack: no StackReference; the base's group is known by its name.
    change: (s) => {
      remove(s, "pulumi:pulumi:StackReference");
      patch(s, RDS, "db", { dbSubnetGroupName: "some-other-group" });
    },
    expect:
      /subnet group "some-other-group" is not the base stack's isolated dbSubnetGroupName \("plat-prd-isolated"\)/,
  },
  {
    policy: "platform-ecs-no-public-ip",
    rule: "networkConfiguration.assignPublicIp is not true",
    stack: "trial",
    change: (s) =>
      patch(s, SERVICE, undefined, {
        networkConfiguration: { subnets: ["subnet-pub"], assignPublicIp: true },
      }),
    expect: /assignPublicIp is true/,
  },
  {
    policy: "platform-lb-http-redirect",
    rule: "every default action of an HTTP listener is a redirect to protocol HTTPS",
    stack: "base",
    change: (s) =>
      patch(s, LISTENER, "http", { defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }),
    expect: /HTTP listener "http" serves traffic \(forward\)/,
  },
  // waivers
  {
    policy: "platform-waivers-expired",
    rule: "no waiver is past its expires date",
    stack: "base",
    change: () => undefined,
    options: {
      waivers: [
        {
          policy: "platform-kms-rotation",
          resource: "*",
          reason: "key imported from the old account",
          owner: "platform-team",
          expires: "2020-01-31",
        },
      ],
    },
    expect: /waiver of platform-kms-rotation on "\*" \(owner platform-team\) expired on 2020-01-31/,
  },
  {
    policy: "platform-waivers-expired",
    rule: "every waiver names a policy of the pack",
    stack: "base",
    change: () => undefined,
    options: {
      waivers: [
        {
          policy: "platform-made-up-rule",
          resource: "*",
          reason: "typo in the policy name here",
          owner: "platform-team",
          expires: "2999-01-01",
        },
      ],
    },
    expect: /names platform-made-up-rule, which is not a policy of this pack/,
  },
  {
    policy: "platform-lb-listener-shard",
    rule: "a tenant's listener rule attaches to the HTTPS listener of the ingress shard its spec places it on",
    stack: "standard",
    change: (s) => patch(s, RULE, "service", { listenerArn: FIXTURE_LISTENER_ARN("production", 1) }),
    expect:
      /listener rule "service": attaches to listener ".*plat-prd-alb-1\/.*", not the HTTPS listener of ingress shard 0/,
  },
  {
    policy: "platform-lb-listener-shard",
    rule: "a tenant's listener rule attaches to the HTTPS listener of the ingress shard its spec places it on",
    stack: "standard",
    // The spec moves the tenant to shard 1; the rule stayed on shard 0.
    change: (s) => placeOn(s, 1),
    expect: /not the HTTPS listener of ingress shard 1 \(".*plat-prd-alb-1\/.*"\) its spec places it on/,
  },
  {
    policy: "platform-lb-listener-shard",
    rule: "a tenant's listener rule attaches to the HTTPS listener of the ingress shard its spec places it on",
    stack: "standard",
    // As the engine shows the stack: no StackReference; the shard is known by its load balancer's name.
    change: (s) => {
      remove(s, "pulumi:pulumi:StackReference");
      placeOn(s, 1);
    },
    expect: /not the HTTPS listener of ingress shard 1 \(load balancer plat-prd-alb-1\)/,
  },
  {
    policy: "platform-lb-listener-shard",
    rule: "a tenant's listener rule attaches to the HTTPS listener of the ingress shard its spec places it on",
    stack: "standard",
    change: (s) => placeOn(s, 5),
    expect: /placed on ingress shard 5, which the base stack does not export \(2 shard\(s\)\)/,
  },
  {
    policy: "platform-lb-listener-shard",
    rule: "the rule's priority is the one its spec places it at",
    stack: "trial",
    change: (s) => patch(s, RULE, "service", { priority: 1000 }),
    expect:
      /listener rule "service": priority 1000 is not \d+, the priority its spec places it at on shard 0/,
  },
  {
    policy: "platform-lb-listener-shard",
    rule: "no two rules of the stack share a listener and a priority",
    stack: "enterprise",
    change: (s) => s.add(RULE, "second", { ...find(s, RULE, "service").inputs }),
    expect:
      /listener rule "second" and "service" share listener .* and priority \d+; ALB rule priorities are unique per listener/,
  },
];

function tenantStandard(): FixtureStack {
  return tenantFixture("standard", "production");
}

// The base fixture's data subnet groups hold isolated subnets; this one (used by a failing case)
// holds the public subnet.
export function withPublicDbSubnetGroup(s: FixtureStack): void {
  s.add(
    "aws:rds/subnetGroup:SubnetGroup",
    "db-public-subnets",
    { name: "plat-db-public", subnetIds: ["subnet-pub"] },
    { id: "plat-db-public" },
  );
}
