/**
 * platform-elasticache-production-backups: where the environment protects data stores (production),
 * caches keep daily snapshots and a final snapshot, so a deleted or corrupted cache can be restored.
 */
import * as aws from "@pulumi/aws";
import { ENVIRONMENT_PROFILES } from "../../common";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isSetRef, num, show } from "../lib/values";

export const elasticacheProductionBackups: PlatformPolicy = resourcePolicy(
  {
    name: "platform-elasticache-production-backups",
    description: "Caches in environments that protect data stores keep snapshots and a final snapshot.",
    category: "limits",
    severity: "medium",
    controls: {
      fsbp: ["ElastiCache.1"],
      notes: { "ElastiCache.1": "where the environment protects data stores (production)" },
    },
    rules: [
      "snapshotRetentionLimit is at least 1 where the environment protects data stores",
      "finalSnapshotIdentifier is set there",
    ],
    remediationSteps:
      "Set snapshotRetentionLimit (days) and finalSnapshotIdentifier when ENVIRONMENT_PROFILES[env].deletionProtection is on.",
  },
  [aws.elasticache.ReplicationGroup],
  (rg, ctx, report) => {
    if (!ENVIRONMENT_PROFILES[ctx.stack.environment].deletionProtection) {
      return;
    }
    const where = `cache "${ctx.args.name}" (${ctx.stack.environment})`;
    const retention = num(rg.snapshotRetentionLimit);
    if (retention === undefined || retention < 1) {
      report(
        `${where}: snapshotRetentionLimit is ${show(rg.snapshotRetentionLimit)}; keep at least 1 day of snapshots.`,
      );
    }
    if (!isSetRef(() => rg.finalSnapshotIdentifier)) {
      report(`${where}: finalSnapshotIdentifier is not set; deleting the cache would lose its data. Set it.`);
    }
  },
);
