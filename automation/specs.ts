/**
 * The tenant spec as stack config, and how the fleet decides what changed: the spec a stack was
 * last deployed with (read from its update history in the backend) against the registry's.
 */
import type { ConfigMap, UpdateSummary } from "@pulumi/pulumi/automation";
import { parseTenantSpec, TenantSpec, TenantSpecError } from "../tenants/spec";

/** Config keys the service sets on every tenant stack (namespace `tenant`). */
export const CONFIG_KEYS = Object.freeze({
  /** The validated spec, as JSON (`config.requireObject("spec")` reads it). */
  spec: "tenant:spec",
  /** The base stack reference, `organization/platform/<env>` by default. */
  baseStackName: "tenant:baseStackName",
  /** Per-tenant secrets, one secret JSON object (encrypted by the stack's secrets provider). */
  secrets: "tenant:secrets",
  /**
   * Set by `offboard` only: the time offboarding started (ISO-8601 UTC). The tenant program then
   * lifts deletion protection and names final snapshots after it (tenants/config.ts).
   */
  decommission: "tenant:decommission",
});

/** JSON with object keys sorted at every level: equal specs give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The fields that differ between two specs, as `path: old → new` lines, sorted by path; empty when
 * they are the same. Nested objects (sizing) are compared field by field.
 */
export function specDiff(before: unknown, after: unknown): string[] {
  const lines: string[] = [];
  walk(before, after, "", lines);
  return lines.sort();
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walk(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (canonicalJson(a) !== canonicalJson(b)) {
    out.push(`${path || "(spec)"}: ${show(a)} → ${show(b)}`);
  }
}

function show(value: unknown): string {
  return value === undefined ? "(unset)" : JSON.stringify(value);
}

/** The config the service sets on a tenant stack. Secrets, when given, become secret config. */
export function stackConfig(
  spec: TenantSpec,
  baseStackName: string,
  secrets?: Readonly<Record<string, string>>,
): ConfigMap {
  const config: ConfigMap = {
    [CONFIG_KEYS.spec]: { value: canonicalJson(spec), secret: false },
    [CONFIG_KEYS.baseStackName]: { value: baseStackName, secret: false },
  };
  if (secrets && Object.keys(secrets).length > 0) {
    config[CONFIG_KEYS.secrets] = { value: canonicalJson(secrets), secret: true };
  }
  return config;
}

/** What the last update of a stack tells about its spec. */
export interface DeployedState {
  /** The spec of the most recent update, when its config carried a valid one. */
  readonly spec?: TenantSpec;
  /** The base stack reference of that update. */
  readonly baseStackName?: string;
  /** The most recent update (kind `update`), if any. */
  readonly lastUpdate?: UpdateSummary;
  /** Why the spec could not be read, if it could not. */
  readonly problem?: string;
}

/**
 * The spec a stack was last deployed with, from its update history (kept in the backend, so it
 * does not depend on this machine's `Pulumi.<stack>.yaml`). `history` is most recent first.
 */
export function deployedState(history: readonly UpdateSummary[]): DeployedState {
  const lastUpdate = history.find((h) => h.kind === "update");
  if (!lastUpdate) {
    return { problem: "the stack has never been updated" };
  }
  const raw = lastUpdate.config?.[CONFIG_KEYS.spec]?.value;
  const baseStackName = lastUpdate.config?.[CONFIG_KEYS.baseStackName]?.value;
  if (raw === undefined) {
    return { lastUpdate, baseStackName, problem: `its last update has no ${CONFIG_KEYS.spec} config` };
  }
  try {
    return { lastUpdate, baseStackName, spec: parseTenantSpec(JSON.parse(raw), CONFIG_KEYS.spec) };
  } catch (error) {
    const why = error instanceof TenantSpecError ? error.problems.join("; ") : (error as Error).message;
    return {
      lastUpdate,
      baseStackName,
      problem: `its ${CONFIG_KEYS.spec} config is not a valid spec: ${why}`,
    };
  }
}

/** Why a stack needs an update to match `spec`, or an empty list when it does not. */
export function updateReasons(deployed: DeployedState, spec: TenantSpec, baseStackName: string): string[] {
  if (!deployed.lastUpdate) {
    return ["never deployed"];
  }
  const reasons: string[] = [];
  if (deployed.lastUpdate.result !== "succeeded") {
    reasons.push(`last update ${deployed.lastUpdate.result}`);
  }
  if (!deployed.spec) {
    reasons.push(deployed.problem ?? "no deployed spec");
  } else {
    reasons.push(...specDiff(deployed.spec, spec));
  }
  if (deployed.baseStackName !== undefined && deployed.baseStackName !== baseStackName) {
    reasons.push(`baseStackName: ${show(deployed.baseStackName)} → ${show(baseStackName)}`);
  }
  return reasons;
}
