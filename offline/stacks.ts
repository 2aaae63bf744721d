/**
 * Every stack of the platform, recorded offline: the base stack in each environment and each
 * tenant of the registry in each of its environments, on top of its environment's base outputs
 * (what the tenant's StackReference would read). Used by `npm run plan`, the offline policy check
 * and the tests that run the policies against the real programs.
 */
import { Environment, ENVIRONMENTS, tenantStackName } from "../common";
import { BASE_SOURCE, registry, stackSource } from "./sources";
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
  /**
   * Base config over the stack files' (fully qualified keys, string values), for registries the
   * repository's base stacks do not describe: the synthetic 1,000 tenants of `npm run bench:check`
   * need `platform:ingressShards` 11. @default {@link baseConfigFromEnv}: `PLATFORM_OFFLINE_BASE_CONFIG`
   */
  readonly baseConfig?: Readonly<Record<string, string>>;
}

/**
 * `PLATFORM_OFFLINE_BASE_CONFIG`, a JSON object of base config over the stack files' (benchmarks and
 * tests; operators change Pulumi.<env>.yaml). Part of the base stacks' cache keys.
 * @throws naming the variable when it is not a JSON object of strings.
 */
export function baseConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<string, string>> | undefined {
  const text = env.PLATFORM_OFFLINE_BASE_CONFIG;
  if (text === undefined || text === "") {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (
    parsed === null ||
    typeof parsed !== "object" ||
    Array.isArray(parsed) ||
    Object.values(parsed as object).some((v) => typeof v !== "string")
  ) {
    throw new Error(
      `PLATFORM_OFFLINE_BASE_CONFIG = ${JSON.stringify(text).slice(0, 80)} is not a JSON object of strings ` +
        `(e.g. {"platform:ingressShards":"11"})`,
    );
  }
  return parsed as Record<string, string>;
}

/** A stack to record: which program, in which environment, with which spec. Plain data (workers get it). */
export type StackToRecord = Pick<RecordedStack, "kind" | "environment" | "tenant" | "spec" | "source"> & {
  /** A base stack's config over its stack files' ({@link StackFilter.baseConfig}). */
  readonly config?: Readonly<Record<string, string>>;
};

/** The stacks of one environment, in the order they are recorded and reported: base, then tenants by id. */
export interface EnvironmentStacks {
  readonly environment: Environment;
  /** The base stack; recorded even when it is not reported, since tenants read its outputs. */
  readonly base: StackToRecord;
  /** False when only tenants were asked for: the base stack is recorded but not reported. */
  readonly reportBase: boolean;
  readonly tenants: readonly StackToRecord[];
}

/**
 * The stacks a filter selects, per environment, without recording anything (loads the registry).
 * @throws RegistryLoadError on a registry error; an Error when a requested tenant is not registered.
 */
export function stacksToRecord(filter: StackFilter = {}): EnvironmentStacks[] {
  const environments = filter.environments ?? ENVIRONMENTS;
  const specs = selectTenants(registry(filter.registryDir), filter.tenants);
  const baseConfig = filter.baseConfig ?? baseConfigFromEnv();
  const out: EnvironmentStacks[] = [];
  for (const environment of environments) {
    const tenantsHere = specs.filter((s) => s.environments.includes(environment));
    if (filter.includeBase === false && tenantsHere.length === 0) {
      continue;
    }
    out.push({
      environment,
      base: { kind: "base", environment, source: BASE_SOURCE, ...(baseConfig ? { config: baseConfig } : {}) },
      reportBase: filter.includeBase !== false,
      tenants: tenantsHere.map((spec) => ({
        kind: "tenant",
        environment,
        tenant: spec.id,
        spec,
        source: stackSource("tenant", spec.id),
      })),
    });
  }
  return out;
}

/**
 * Records one stack: the base program, or a tenant's on top of `baseOutputs` (its environment's
 * base recording's outputs).
 * @throws StackRecordError naming the stack when its program fails.
 */
export async function recordStack(
  stack: StackToRecord,
  baseOutputs?: Record<string, unknown>,
): Promise<RecordedStack> {
  // Loaded here, not at the top: the programs pull in @pulumi/aws (seconds), which callers that only
  // list stacks (the batch parent, offline/batch/run.ts) never need.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const recording = await recorded(stack, () =>
    stack.kind === "base"
      ? (require("./base") as typeof import("./base")).recordBase(stack.environment, { ...stack.config })
      : (require("./tenant") as typeof import("./tenant")).recordTenant(
          stack.spec as TenantSpec,
          stack.environment,
          baseOutputs ?? {},
        ),
  );
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { ...stack, recording };
}

/**
 * Records the selected stacks one after another (recordings share process-wide state), yielding
 * each as soon as it is done so callers can report progress.
 * @throws RegistryLoadError on a registry error; StackRecordError when a program fails; an Error
 * when a requested tenant is not registered.
 */
export async function* recordAllStacks(filter: StackFilter = {}): AsyncGenerator<RecordedStack> {
  for (const env of stacksToRecord(filter)) {
    const base = await recordStack(env.base);
    if (env.reportBase) {
      yield { ...env.base, recording: base.recording };
    }
    for (const tenant of env.tenants) {
      yield await recordStack(tenant, base.recording.outputs);
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
