/**
 * platform-elasticache-size: a tenant cache stays inside its tier's limits (common/tiers.ts): node
 * type and node count; tiers without a cache (trial) have none.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { num, show } from "../lib/values";

export const elasticacheSize: PlatformPolicy = resourcePolicy(
  {
    name: "platform-elasticache-size",
    description: "Tenant caches use a node type and node count within their tier's limits.",
    category: "limits",
    severity: "medium",
    controls: {
      none: "a platform rule (per-tier resource limits, common/tiers.ts); no FSBP or CIS control covers sizing",
    },
    rules: [
      "tiers without a cache have no cache",
      "nodeType is one of the tier's allowedCacheNodeTypes",
      "numCacheClusters (nodes) does not exceed the tier's maxCacheNodes",
    ],
    remediationSteps:
      "Size the cache through the tenant spec (cacheNodeType override within the tier) or move the tenant to a larger tier.",
  },
  [aws.elasticache.ReplicationGroup],
  (rg, ctx, report) => {
    const { profile, problem } = tierFor(ctx.stack);
    if (problem) {
      return report(`cache "${ctx.args.name}": ${problem}`);
    }
    if (!profile) {
      return;
    }
    const l = profile.limits;
    const where = `cache "${ctx.args.name}" (${profile.name} tier)`;
    if (l.maxCacheNodes === 0) {
      return report(
        `${where}: the ${profile.name} tier has no cache; remove it or move the tenant to a tier with one.`,
      );
    }
    if (!l.allowedCacheNodeTypes.includes(rg.nodeType as string)) {
      report(
        `${where}: nodeType ${show(rg.nodeType)} is not allowed; use one of ${l.allowedCacheNodeTypes.join(", ")}.`,
      );
    }
    const perShard = (num(rg.replicasPerNodeGroup) ?? 0) + 1;
    const nodes = num(rg.numCacheClusters) ?? (num(rg.numNodeGroups) ?? 1) * perShard;
    if (nodes > l.maxCacheNodes) {
      report(`${where}: ${nodes} nodes exceed the tier's ${l.maxCacheNodes}; lower numCacheClusters.`);
    }
  },
);
