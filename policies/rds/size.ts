/**
 * platform-rds-size: a tenant database stays inside its tier's limits (common/tiers.ts): instance
 * class, allocated storage and storage autoscaling ceiling.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { num, show } from "../lib/values";

export const rdsSize: PlatformPolicy = resourcePolicy(
  {
    name: "platform-rds-size",
    description: "Tenant databases use an instance class and storage within their tier's limits.",
    category: "limits",
    severity: "medium",
    controls: {
      none: "a platform rule (per-tier resource limits, common/tiers.ts); no FSBP or CIS control covers sizing",
    },
    rules: [
      "instanceClass is one of the tier's allowedDbInstanceClasses",
      "allocatedStorage is within the tier's min/max",
      "maxAllocatedStorage (storage autoscaling) does not exceed the tier's max",
    ],
    remediationSteps:
      "Size the database through the tenant spec's sizing overrides (validated against common/tiers.ts), or move the tenant to a larger tier.",
  },
  [aws.rds.Instance],
  (db, ctx, report) => {
    const { profile, problem } = tierFor(ctx.stack);
    if (problem) {
      return report(`RDS instance "${ctx.args.name}": ${problem}`);
    }
    if (!profile) {
      return;
    }
    const l = profile.limits;
    const where = `RDS instance "${ctx.args.name}" (${profile.name} tier)`;
    if (!l.allowedDbInstanceClasses.includes(db.instanceClass as string)) {
      report(
        `${where}: instanceClass ${show(db.instanceClass)} is not allowed; use one of ${l.allowedDbInstanceClasses.join(", ")} or move the tenant to a larger tier.`,
      );
    }
    const storage = num(db.allocatedStorage);
    if (storage === undefined || storage < l.minAllocatedStorageGb || storage > l.maxAllocatedStorageGb) {
      report(
        `${where}: allocatedStorage ${show(db.allocatedStorage)} GiB is outside ${l.minAllocatedStorageGb}-${l.maxAllocatedStorageGb} GiB.`,
      );
    }
    const ceiling = num(db.maxAllocatedStorage);
    if (ceiling !== undefined && ceiling > l.maxAllocatedStorageGb) {
      report(
        `${where}: maxAllocatedStorage ${ceiling} GiB lets storage autoscale past the tier's ${l.maxAllocatedStorageGb} GiB; lower it.`,
      );
    }
  },
);
