/**
 * platform-rds-production-protection: per environment (common/environments.ts): where the environment
 * protects data stores, databases have deletion protection and a final snapshot; every database keeps
 * automated backups at least as long as its tier requires (1 day on the base stack).
 *
 * A database being decommissioned (`tenant offboard` sets `tenant:decommission`; tenants/decommission.ts)
 * has its protection lifted on purpose, just before its stack is destroyed. A policy sees only the
 * resource, so it recognizes that state by what the tenant program declares then and only then: a
 * final snapshot kept (`skipFinalSnapshot` not true) and named `<identifier>-final-<yyyymmddhhmm>`.
 */
import * as aws from "@pulumi/aws";
import { ENVIRONMENT_PROFILES } from "../../common";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { num, show } from "../lib/values";

export const rdsProductionProtection: PlatformPolicy = resourcePolicy(
  {
    name: "platform-rds-production-protection",
    description:
      "Databases have backups, and deletion protection plus a final snapshot where the environment requires it.",
    category: "limits",
    severity: "high",
    rules: [
      "deletionProtection is true where the environment protects data stores (production), unless the database is being decommissioned (final snapshot <identifier>-final-<yyyymmddhhmm> kept)",
      "skipFinalSnapshot is not true where the environment protects data stores",
      "backupRetentionPeriod is at least the tier's minBackupRetentionDays (1 without a tier)",
    ],
    remediationSteps:
      "Take deletionProtection and skipFinalSnapshot from ENVIRONMENT_PROFILES and the backup retention from the tier (common/tiers.ts).",
  },
  [aws.rds.Instance, aws.rds.Cluster],
  (db, ctx, report) => {
    const where = `database "${ctx.args.name}" (${ctx.stack.environment})`;
    if (ENVIRONMENT_PROFILES[ctx.stack.environment].deletionProtection) {
      if (db.deletionProtection !== true && !decommissioning(db)) {
        report(
          `${where}: deletionProtection is ${show(db.deletionProtection)}; ${ctx.stack.environment} data stores must have it on.`,
        );
      }
      if ((db as { skipFinalSnapshot?: boolean }).skipFinalSnapshot === true) {
        report(
          `${where}: skipFinalSnapshot is true; ${ctx.stack.environment} databases keep a final snapshot (set finalSnapshotIdentifier).`,
        );
      }
    }
    const { profile } = tierFor(ctx.stack, ctx.tags);
    const min = profile?.limits.minBackupRetentionDays ?? 1;
    const retention = num(db.backupRetentionPeriod);
    if (retention === undefined || retention < min) {
      report(
        `${where}: backupRetentionPeriod is ${show(db.backupRetentionPeriod)}; keep automated backups at least ${min} day(s)${profile ? ` (${profile.name} tier)` : ""}.`,
      );
    }
  },
);

/** Final snapshot names of decommissioning (tenants/decommission.ts `finalSnapshotName`). */
const DECOMMISSION_SNAPSHOT = /^[A-Za-z][A-Za-z0-9-]*-final-\d{12}$/;

/** True when the database keeps a final snapshot named as decommissioning names it. */
function decommissioning(db: { skipFinalSnapshot?: unknown; finalSnapshotIdentifier?: unknown }): boolean {
  const identifier = (db as { identifier?: unknown }).identifier;
  const snapshot = db.finalSnapshotIdentifier;
  return (
    db.skipFinalSnapshot !== true &&
    typeof snapshot === "string" &&
    DECOMMISSION_SNAPSHOT.test(snapshot) &&
    (typeof identifier !== "string" || snapshot.startsWith(`${identifier}-final-`))
  );
}
