/**
 * Decommissioning a tenant stack (`tenant:decommission`, set by `tenant offboard`): the timestamp's
 * parse and the final snapshot names derived from it.
 */
import { z } from "zod";
import { failed, ok, Parsed } from "../common";

/**
 * The stack config key of the decommission timestamp; tenants/contract.ts
 * `TENANT_CONFIG_KEYS.decommission` is this very constant.
 */
export const DECOMMISSION_FIELD = "tenant:decommission";

/**
 * A stack being decommissioned (`tenant:decommission` is set): the next update lifts the database's
 * deletion protection and names the final snapshots of the database and the cache after
 * {@link Decommission.stamp}; in environments that protect data stores the bucket (and the
 * dedicated key that encrypts it and the snapshots) are retained in AWS when the stack is destroyed.
 */
export interface Decommission {
  /** The timestamp as set, normalized to `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly at: string;
  /** `yyyymmddhhmm` (UTC) of {@link at}: the suffix of final snapshot names. */
  readonly stamp: string;
}

/** What `tenant:decommission` accepts, for messages. */
export const DECOMMISSION_FORMAT =
  "an ISO-8601 UTC timestamp, YYYY-MM-DDTHH:MM:SSZ (e.g. 2026-11-22T01:30:00Z)";

/**
 * `tenant:decommission`: a UTC timestamp ending in `Z` (fractional seconds allowed, no offsets: a
 * snapshot name must not depend on the reader's time zone) that is a real date.
 */
const DecommissionSchema = z.iso
  .datetime({ offset: false, local: false })
  .refine((value) => !Number.isNaN(Date.parse(value)), { message: "not a real date" });

/**
 * Parses `tenant:decommission`. Empty or unset means the stack is not being decommissioned.
 * @returns the decommission (undefined when unset), or the problem naming the key, the value and the format.
 */
export function parseDecommission(raw: unknown): Parsed<Decommission | undefined> {
  if (raw === undefined || raw === null || raw === "") {
    return ok(undefined);
  }
  const parsed = DecommissionSchema.safeParse(raw);
  if (!parsed.success) {
    return failed([
      {
        path: DECOMMISSION_FIELD,
        value: raw,
        allowed: DECOMMISSION_FORMAT,
        message:
          `${JSON.stringify(raw)} is not ${DECOMMISSION_FORMAT}; ` +
          `\`tenant offboard\` sets it, \`pulumi config rm ${DECOMMISSION_FIELD}\` clears it`,
      },
    ]);
  }
  const at = new Date(Date.parse(parsed.data)).toISOString().replace(/\.\d{3}Z$/, "Z");
  return ok({ at, stamp: at.slice(0, 16).replace(/[-T:]/g, "") });
}

/** RDS and ElastiCache snapshot names: letters, digits and hyphens, at most 255 characters. */
export const SNAPSHOT_NAME_MAX = 255;

/**
 * The final snapshot of a data store destroyed while decommissioning:
 * `<identifier>-final-<yyyymmddhhmm>`, a fresh name per offboarding so offboarding the same tenant
 * again never collides with an earlier snapshot. Made safe for RDS and ElastiCache: letters, digits
 * and hyphens only, starting with a letter, no double hyphen, no trailing hyphen, at most 255
 * characters (the identifier is cut, never the timestamp).
 */
export function finalSnapshotName(identifier: string, decommission: Decommission): string {
  const suffix = `-final-${decommission.stamp}`;
  let head = identifier
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^A-Za-z]+/, "");
  head = (head || "snapshot").slice(0, SNAPSHOT_NAME_MAX - suffix.length).replace(/-+$/, "");
  return `${head}${suffix}`;
}
