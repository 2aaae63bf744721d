/**
 * The pack's policies, as a plain list. Importing this module builds no PolicyPack (which would
 * start a gRPC server): tests and the offline check import the list from here; ./index.ts serves it.
 */
import { appautoscalingBounds } from "./appautoscaling/bounds";
import { logGroupKms } from "./cloudwatch/log-group-kms";
import { logRetention } from "./cloudwatch/log-retention";
import { ecrKms } from "./ecr/kms";
import { ecsContainerHealthCheck } from "./ecs/container-health-check";
import { ecsNoPublicIp } from "./ecs/no-public-ip";
import { ecsTaskCount } from "./ecs/task-count";
import { ecsTaskSize } from "./ecs/task-size";
import { publicIngress } from "./ec2/public-ingress";
import { publicWebIngressLbOnly } from "./ec2/public-web-ingress-lb-only";
import { efsEncryption } from "./efs/encryption";
import { elasticacheEncryption } from "./elasticache/encryption";
import { elasticacheProductionBackups } from "./elasticache/production-backups";
import { elasticacheSize } from "./elasticache/size";
import { kmsRotation } from "./kms/rotation";
import { backupProductionCopy } from "./backup/production-copy";
import { lbHsts } from "./lb/hsts";
import { lbHttpRedirect } from "./lb/http-redirect";
import { lbListenerShard } from "./lb/listener-shard";
import { lbTlsPolicy } from "./lb/tls-policy";
import type { PlatformPolicy } from "./lib/policy";
import { rdsEncryption } from "./rds/encryption";
import { rdsForceSsl } from "./rds/force-ssl";
import { rdsManagedMasterPassword } from "./rds/managed-master-password";
import { rdsMultiAz } from "./rds/multi-az";
import { rdsNotPublic } from "./rds/not-public";
import { rdsProductionProtection } from "./rds/production-protection";
import { rdsSize } from "./rds/size";
import { s3AccessLogging } from "./s3/access-logging";
import { s3BucketCompanions } from "./s3/bucket-companions";
import { s3SseKms } from "./s3/sse-kms";
import { s3SseS3OnlyLbLogs } from "./s3/sse-s3-only-lb-logs";
import { s3TlsOnly } from "./s3/tls-only";
import { secretsCustomerKey } from "./secretsmanager/customer-key";
import { snsKms } from "./sns/kms";
import { requiredTags } from "./tagging/required-tags";
import { tagValues } from "./tagging/tag-values";
import { tenantTags } from "./tagging/tenant-tags";
import { isolatedDataSubnets } from "./vpc/isolated-data-subnets";
import { waiversExpiredPolicy } from "./waivers/expired";

/** The pack's name (`pulumi preview --policy-pack` reports violations under it). */
export const PACK_NAME = "platform";

/** Waivers must name a policy of this very list. */
const waiversExpired = waiversExpiredPolicy(() => ALL_POLICIES.map((p) => p.name));

/** Every policy of the pack, grouped by category. */
export const ALL_POLICIES: readonly PlatformPolicy[] = Object.freeze([
  // tagging
  requiredTags,
  tagValues,
  tenantTags,
  // encryption
  s3SseKms,
  s3SseS3OnlyLbLogs,
  s3TlsOnly,
  s3BucketCompanions,
  s3AccessLogging,
  rdsEncryption,
  rdsForceSsl,
  rdsManagedMasterPassword,
  elasticacheEncryption,
  efsEncryption,
  logGroupKms,
  snsKms,
  ecrKms,
  secretsCustomerKey,
  kmsRotation,
  lbTlsPolicy,
  // resource limits
  ecsTaskSize,
  ecsTaskCount,
  ecsContainerHealthCheck,
  appautoscalingBounds,
  rdsSize,
  rdsProductionProtection,
  rdsMultiAz,
  elasticacheSize,
  elasticacheProductionBackups,
  backupProductionCopy,
  logRetention,
  // network exposure
  publicIngress,
  publicWebIngressLbOnly,
  rdsNotPublic,
  isolatedDataSubnets,
  ecsNoPublicIp,
  lbHttpRedirect,
  lbHsts,
  lbListenerShard,
  // waivers
  waiversExpired,
]);
