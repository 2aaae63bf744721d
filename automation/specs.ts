/**
 * What is the automation's own about specs: the spec a stack was last deployed with (read from its
 * update history in the backend) and how it differs from the registry's. The stack config itself
 * (keys, the spec → config function, its parse) is the tenant stack's contract, tenants/contract.ts.
 */
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { problemLines } from "../common";
import { canonicalJson, specFromConfigValue, TENANT_CONFIG_KEYS } from "../tenants/contract";
import type { TenantSpec } from "../tenants/spec";

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
  const K = TENANT_CONFIG_KEYS;
  const raw = lastUpdate.config?.[K.spec]?.value;
  const baseStackName = lastUpdate.config?.[K.baseStackName]?.value;
  const parsed = specFromConfigValue(raw);
  if (parsed.problems) {
    return {
      lastUpdate,
      baseStackName,
      problem: `its ${K.spec} config is not a valid spec: ${problemLines(parsed.problems).join("; ")}`,
    };
  }
  if (!parsed.value) {
    return { lastUpdate, baseStackName, problem: `its last update has no ${K.spec} config` };
  }
  return { lastUpdate, baseStackName, spec: parsed.value };
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
