/**
 * platform-elasticache-encryption: Redis replication groups encrypt at rest with a customer key,
 * encrypt in transit, and require an auth token (or RBAC user groups). Standalone cache clusters
 * outside a replication group cannot encrypt at rest, so they are not allowed.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, isSetRef, present, show } from "../lib/values";

export const elasticacheEncryption: PlatformPolicy = resourcePolicy(
  {
    name: "platform-elasticache-encryption",
    description: "ElastiCache encrypts at rest (customer key) and in transit, and requires an auth token.",
    category: "encryption",
    severity: "critical",
    controls: { fsbp: ["ElastiCache.4", "ElastiCache.5", "ElastiCache.6"] },
    rules: [
      "atRestEncryptionEnabled is true with a customer managed kmsKeyId",
      "transitEncryptionEnabled is true (and transitEncryptionMode, if set, is required)",
      "authToken or userGroupIds is set",
      "aws.elasticache.Cluster is used only as a member of a replication group",
    ],
    remediationSteps:
      "Use an aws.elasticache.ReplicationGroup with atRestEncryptionEnabled, kmsKeyId, transitEncryptionEnabled and authToken from the tenant's secret.",
  },
  [aws.elasticache.ReplicationGroup, aws.elasticache.Cluster],
  (rg, ctx, report) => {
    if (ctx.args.isType(aws.elasticache.Cluster)) {
      if (!present((ctx.args.props as { replicationGroupId?: string }).replicationGroupId)) {
        report(
          `cache cluster "${ctx.args.name}" is standalone and cannot encrypt at rest; create an aws.elasticache.ReplicationGroup instead.`,
        );
      }
      return;
    }
    const where = `cache "${ctx.args.name}"`;
    if (rg.atRestEncryptionEnabled !== true && String(rg.atRestEncryptionEnabled) !== "true") {
      report(`${where}: atRestEncryptionEnabled is ${show(rg.atRestEncryptionEnabled)}; set it to true.`);
    }
    if (!isCustomerKeyRef(() => rg.kmsKeyId)) {
      report(`${where}: kmsKeyId is ${show(rg.kmsKeyId)}; set it to the stack's customer managed KMS key.`);
    }
    if (rg.transitEncryptionEnabled !== true) {
      report(
        `${where}: transitEncryptionEnabled is ${show(rg.transitEncryptionEnabled)}; set it to true so clients must use TLS.`,
      );
    } else if (rg.transitEncryptionMode !== undefined && rg.transitEncryptionMode !== "required") {
      report(
        `${where}: transitEncryptionMode is ${show(rg.transitEncryptionMode)}; "preferred" still accepts plain text, use "required".`,
      );
    }
    if (!isSetRef(() => rg.authToken) && (rg.userGroupIds ?? []).length === 0) {
      report(
        `${where}: no authToken or userGroupIds; anyone who reaches the port can read the cache. Set authToken from the tenant's Secrets Manager secret.`,
      );
    }
  },
);
