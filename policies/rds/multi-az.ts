/**
 * platform-rds-multi-az: tiers that promise availability (enterprise: `requireMultiAz` in
 * common/tiers.ts) run their database Multi-AZ.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { show } from "../lib/values";

export const rdsMultiAz: PlatformPolicy = resourcePolicy(
  {
    name: "platform-rds-multi-az",
    description: "Databases of tiers that require it (enterprise) are Multi-AZ.",
    category: "limits",
    severity: "high",
    controls: {
      fsbp: ["RDS.5"],
      notes: {
        "RDS.5":
          "only for tiers that require it (enterprise); trial and standard are single-AZ by design (DESIGN.md, Tiers)",
      },
    },
    rules: ["multiAz is true when the tier's limits set requireMultiAz"],
    remediationSteps: "Set multiAz from the tier's database profile (common/tiers.ts).",
  },
  [aws.rds.Instance],
  (db, ctx, report) => {
    const { profile } = tierFor(ctx.stack);
    if (profile?.limits.requireMultiAz && db.multiAz !== true) {
      report(
        `RDS instance "${ctx.args.name}" (${profile.name} tier): multiAz is ${show(db.multiAz)}; the ${profile.name} tier requires a Multi-AZ database. Set multiAz: true.`,
      );
    }
  },
);
