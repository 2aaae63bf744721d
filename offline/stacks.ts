/**
 * Every stack of the platform, recorded offline: the base stack in each environment and each
 * tenant of the registry in each of its environments, on top of its environment's base outputs
 * (what the tenant's StackReference would read). Used by `npm run plan`, the offline policy check
 * and the tests that run the policies against the real programs.
 */
import { Environment, ENVIRONMENTS } from "../common";
import { recordBase } from "./base";
import { loadRegistry } from "../tenants/registry";
import { BASE_SOURCE, stackSource } from "./sources";
import { recordTenant } from "./tenant";
import type { TenantSpec } from "../tenants/spec";
import type { Recording } from "./recorder";

/** One recorded stack. */
export interface RecordedStack {
  readonly kind: "base" | "tenant";
  readonly environment: Environment;
  /** The tenant id, for tenant stacks. */
  readonly tenant?: string;
  /** The tenant's spec, for tenant stacks. */
  readonly spec?: TenantSpec;
  /** The program file or registry entry the stack comes from, for reports that point at source. */
  readonly source: string;
  readonly recording: Recording;
}

/** Which stacks to record. */
export interface StackFilter {
  /** @default every environment */
  readonly environments?: readonly Environment[];
  /** Tenant ids to record; `[]` records base stacks only. @default every registered tenant */
  readonly tenants?: readonly string[];
  /** Record the base stacks even when only tenants are asked for. @default true */
  readonly includeBase?: boolean;
  /** Registry directory. @default tenants/registry */
  readonly registryDir?: string;
}

/**
 * Records the selected stacks one after another (recordings share process-wide state), yielding
 * each as soon as it is done so callers can report progress.
 * @throws on a registry error, or when a requested tenant is not registered.
 */
export async function* recordAllStacks(filter: StackFilter = {}): AsyncGenerator<RecordedStack> {
  const environments = filter.environments ?? ENVIRONMENTS;
  const registry = await loadRegistry(filter.registryDir);
  const specs = selectTenants(registry, filter.tenants);
  for (const environment of environments) {
    const tenantsHere = specs.filter((s) => s.environments.includes(environment));
    if (filter.includeBase === false && tenantsHere.length === 0) {
      continue;
    }
    const base = await recordBase(environment);
    if (filter.includeBase !== false) {
      yield { kind: "base", environment, source: BASE_SOURCE, recording: base };
    }
    for (const spec of tenantsHere) {
      yield {
        kind: "tenant",
        environment,
        tenant: spec.id,
        spec,
        source: stackSource("tenant", spec.id),
        recording: await recordTenant(spec, environment, base.outputs),
      };
    }
  }
}

function selectTenants(registry: readonly TenantSpec[], wanted: readonly string[] | undefined): TenantSpec[] {
  if (wanted === undefined) {
    return [...registry];
  }
  const known = new Map(registry.map((s) => [s.id, s]));
  const unknown = wanted.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `tenant ${unknown.map((u) => `"${u}"`).join(", ")} is not in the registry; registered: ${[...known.keys()].join(", ") || "none"}`,
    );
  }
  return wanted.map((id) => known.get(id)!);
}
