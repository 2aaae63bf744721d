/**
 * platform-backup-production-copy: where every tier's recovery points leave the region
 * (production, `backupCopyAllTiers`), each backup plan rule copies them to a vault in another region,
 * kept at least as long as the originals, so losing a region loses no backup.
 */
import * as aws from "@pulumi/aws";
import { ENVIRONMENT_PROFILES } from "../../common";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { known, list, num, show, UNKNOWN } from "../lib/values";

export const backupProductionCopy: PlatformPolicy = resourcePolicy(
  {
    name: "platform-backup-production-copy",
    description:
      "In production, every backup plan rule copies its recovery points to a vault in another region.",
    category: "limits",
    severity: "high",
    controls: {
      none: "a platform rule (recovery points copied to a second region in production); FSBP's Backup control covers encryption at rest only",
    },
    rules: [
      "each rule of a backup plan has a copy action where the environment copies every tier",
      "the copy's destination vault is in another region than the stack's",
      "the copy is kept at least as long as the recovery point",
    ],
    remediationSteps:
      "Add copyActions: [{ destinationVaultArn: <vault in platform:backupCopyRegion>, lifecycle: { deleteAfter: <the rule's> } }] to every rule.",
  },
  [aws.backup.Plan],
  (plan, ctx, report) => {
    if (!ENVIRONMENT_PROFILES[ctx.stack.environment].backupCopyAllTiers) {
      return;
    }
    const region = /:backup:([a-z0-9-]+):/;
    for (const rule of list(plan.rules)) {
      const where = `backup plan "${ctx.args.name}" rule ${show(rule.ruleName)} (${ctx.stack.environment})`;
      const copies = list(rule.copyActions);
      if (copies.length === 0) {
        report(
          `${where}: has no copy action; a region outage would take every backup with it. ` +
            "Add copyActions to a vault in platform:backupCopyRegion.",
        );
        continue;
      }
      for (const copy of copies) {
        const destination = known(() => copy.destinationVaultArn);
        // The plan's own region, else its provider's.
        const home =
          (plan.region as string | undefined) ?? (ctx.args.provider?.props?.region as string | undefined);
        const there = destination === UNKNOWN ? undefined : region.exec(String(destination))?.[1];
        if (there !== undefined && home !== undefined && there === home) {
          report(
            `${where}: copies into ${show(destination)}, in the stack's own region ${home}; copy to another region.`,
          );
        }
        const kept = num(copy.lifecycle?.deleteAfter);
        const original = num(rule.lifecycle?.deleteAfter);
        if (kept !== undefined && original !== undefined && kept < original) {
          report(
            `${where}: the copy is deleted after ${kept} days, before the recovery point (${original}); keep it at least as long.`,
          );
        }
      }
    }
  },
);
