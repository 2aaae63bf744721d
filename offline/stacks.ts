/**
 * Every stack of the platform, recorded offline: the base stack in each environment and each
 * tenant of the registry in each of its environments, on top of its environment's base outputs
 * (what the tenant's StackReference would read). Used by `npm run plan`, the offline policy check
 * and the tests that run the policies against the real programs.
 */
import { Environment, ENVIRONMENTS, tenantStackName } from "../common";
import { recordBase } from "./base";
import { BASE_SOURCE, registry, stackSource } from "./sources";
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

/** A stack's program failed to run under mocks (an invalid spec or config, a broken contract). */
export class StackRecordError extends Error {
  constructor(
    /** The stack whose program failed. */
    readonly failed: Pick<RecordedStack, "kind" | "environment" | "tenant" | "source">,
    readonly cause: unknown,
  ) {
    super(
      `${failed.kind === "base" ? "base stack" : "tenant stack"} ${stackNameOf(failed)} (${failed.source}): ${(cause as Error)?.message ?? String(cause)}`,
    );
    this.name = "StackRecordError";
  }

  /** The stack's name, e.g. `staging` or `acme-production`. */
  get stackName(): string {
    return stackNameOf(this.failed);
  }
}

function stackNameOf(s: Pick<RecordedStack, "kind" | "environment" | "tenant">): string {
  return s.kind === "base" ? s.environment : tenantStackName(s.tenant as string, s.environment);
}

/** Runs one recording, naming the stack when its program fails. */
async function recorded<T>(
  stack: Pick<RecordedStack, "kind" | "environment" | "tenant" | "source">,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StackRecordError(stack, error);
  }
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
 * @throws RegistryLoadError on a registry error; StackRecordError when a program fails; an Error
 * when a requested tenant is not registered.
 */
export async function* recordAllStacks(filter: StackFilter = {}): AsyncGenerator<RecordedStack> {
  const environments = filter.environments ?? ENVIRONMENTS;
  const specs = selectTenants(registry(filter.registryDir), filter.tenants);
  for (const environment of environments) {
    const tenantsHere = specs.filter((s) => s.environments.includes(environment));
    if (filter.includeBase === false && tenantsHere.length === 0) {
      continue;
    }
    const base = await recorded({ kind: "base", environment, source: BASE_SOURCE }, () =>
      recordBase(environment),
    );
    if (filter.includeBase !== false) {
      yield { kind: "base", environment, source: BASE_SOURCE, recording: base };
    }
    for (const spec of tenantsHere) {
      const stack = {
        kind: "tenant",
        environment,
        tenant: spec.id,
        source: stackSource("tenant", spec.id),
      } as const;
      yield {
        ...stack,
        spec,
        recording: await recorded(stack, () => recordTenant(spec, environment, base.outputs)),
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
