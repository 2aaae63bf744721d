/**
 * The tenant spec at the API's edge: the library's parser (tenants/spec.ts) with its problems as
 * field problems, and the merge of a PATCH body into the stored spec.
 */
import { readTenantSpec, TenantSpec, TenantSpecSchema, TENANT_SPEC_KEYS } from "../../tenants/spec";
import { FieldProblem, fieldProblems } from "./problems";

/** The spec, or its field problems (paths under `prefix`, e.g. `spec.tier`). */
export function readSpec(
  raw: unknown,
  prefix = "spec",
): { spec: TenantSpec; problems?: undefined } | { spec?: undefined; problems: FieldProblem[] } {
  const parsed = readTenantSpec(raw);
  return parsed.problems ? { problems: fieldProblems(parsed.problems, prefix) } : { spec: parsed.value };
}

/** A valid spec, or undefined (a stored spec that a newer schema refuses is left out of fleets). */
export function readTenantSpecOrUndefined(raw: unknown): TenantSpec | undefined {
  return readSpec(raw).spec;
}

/**
 * A JSON merge patch (RFC 7396) of a spec: fields given replace, `null` removes an optional one,
 * objects (sizing) merge.
 */
export function mergeSpec(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (
      typeof value === "object" &&
      !Array.isArray(value) &&
      typeof out[key] === "object" &&
      out[key] !== null &&
      !Array.isArray(out[key])
    ) {
      out[key] = mergeSpec(out[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export { TenantSpecSchema, TENANT_SPEC_KEYS };
