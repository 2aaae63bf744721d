/**
 * Fleet operations over the tenant registry: reconcile (onboard new tenants, update changed ones,
 * report stacks with no spec, destroy them only with `prune`), preview and drift, run with bounded
 * concurrency, retries on concurrent-update conflicts and failure isolation, ending in a report.
 */
import type { EngineEvent, OpMap } from "@pulumi/pulumi/automation";
import { choiceProblem, Environment, environmentProblem, notWholeNumber, Problem } from "../common";
import { tenantStackName } from "../tenants/contract";
import type { TenantSpec } from "../tenants/spec";
import {
  EXIT_CODES,
  InvalidInputError,
  isRetryable,
  mapEngineError,
  NextStep,
  nextStep,
  REPAIR_RUNBOOK,
  StackBusyError,
  TenantOperationError,
} from "./errors";
import { mapLimit } from "./mapLimit";
import { DEFAULT_RETRY, RetryPolicy, runBounded } from "./scheduler";
import { OperationOutcome, TenantService } from "./service";
import { updateReasons } from "./specs";

/** The fleet operations. */
export const FLEET_OPERATIONS = ["reconcile", "preview", "drift"] as const;
/** One of {@link FLEET_OPERATIONS}. */
export type FleetOperation = (typeof FLEET_OPERATIONS)[number];

/** What the fleet does (or did) with one tenant stack. */
export type FleetAction = "onboard" | "update" | "none" | "preview" | "drift" | "orphan" | "prune";

/** One planned item. */
export interface FleetPlanItem {
  readonly tenant: string;
  readonly stack: string;
  readonly action: FleetAction;
  /** Why (spec fields that changed, never deployed, no spec in the registry, ...). */
  readonly reasons: readonly string[];
  readonly spec?: TenantSpec;
}

/** The status of one item in the report. */
export type FleetStatus = "succeeded" | "unchanged" | "failed" | "drifted" | "in-sync" | "skipped";

/** One line of the report. */
export interface FleetResult {
  readonly tenant: string;
  readonly stack: string;
  readonly action: FleetAction;
  readonly status: FleetStatus;
  readonly reasons: readonly string[];
  readonly attempts: number;
  readonly durationMs: number;
  readonly changes?: OpMap;
  readonly error?: Record<string, unknown>;
  /** What to run next for this stack (a stale lock or pending operations: repair). @default none */
  readonly next?: NextStep;
}

/** The report of a fleet run (also written as JSON). */
export interface FleetReport {
  readonly operation: FleetOperation;
  readonly environment: Environment;
  readonly concurrency: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly results: readonly FleetResult[];
  readonly totals: Readonly<Record<FleetStatus, number>>;
  /** The exit code the CLI returns: failed (1) > drift found (3) > ok (0). */
  readonly exitCode: number;
}

/** Options of {@link runFleet}. */
export interface FleetOptions {
  /**
   * Tenant operations in flight at most.
   * @default 4
   */
  readonly concurrency?: number;
  /** Destroy and remove stacks that have no spec in the registry (reconcile only). */
  readonly prune?: boolean;
  readonly retry?: RetryPolicy;
  /** Engine events of each stack (progress). */
  readonly onEvent?: (stack: string, event: EngineEvent) => void;
  /** Lines for people: starts, retries, ends. */
  readonly log?: (line: string) => void;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /**
   * Only these tenants' stacks (drift on a schedule: the tiers that are due); the others, orphans
   * included, are left out of the plan.
   * @default every tenant
   */
  readonly only?: ReadonlySet<string>;
}

/**
 * Plans a fleet operation: which stacks exist, which specs the registry has for `environment`, and
 * what to do with each. Reads history; changes nothing.
 */
export async function planFleet(
  service: TenantService,
  operation: FleetOperation,
  specs: readonly TenantSpec[],
  environment: Environment,
  opts: { prune?: boolean } = {},
): Promise<FleetPlanItem[]> {
  const wanted = specs.filter((s) => s.environments.includes(environment));
  const inventory = await service.inventory(environment);
  const existing = new Set(inventory.map((s) => s.info.tenant));
  const deployedOf = new Map(inventory.map((s) => [s.info.tenant, s.deployed]));
  const items: FleetPlanItem[] = [];
  const base = service.baseStackName(environment);
  for (const spec of wanted) {
    const stack = tenantStackName(spec.id, environment);
    if (!existing.has(spec.id)) {
      items.push({
        tenant: spec.id,
        stack,
        spec,
        action: operation === "reconcile" ? "onboard" : "none",
        reasons: operation === "reconcile" ? ["new tenant"] : ["no stack yet; reconcile onboards it"],
      });
      continue;
    }
    if (operation === "reconcile") {
      const deployed = deployedOf.get(spec.id);
      const reasons = deployed ? updateReasons(deployed, spec, base) : ["never deployed"];
      items.push({ tenant: spec.id, stack, spec, action: reasons.length > 0 ? "update" : "none", reasons });
    } else {
      items.push({ tenant: spec.id, stack, spec, action: operation, reasons: [] });
    }
  }
  const known = new Set(wanted.map((s) => s.id));
  for (const tenant of [...existing].filter((t) => !known.has(t)).sort()) {
    const reasons = [`no spec for ${environment} in the registry`];
    if (operation === "drift") {
      items.push({ tenant, stack: tenantStackName(tenant, environment), action: "drift", reasons });
    } else {
      const prune = operation === "reconcile" && opts.prune === true;
      items.push({
        tenant,
        stack: tenantStackName(tenant, environment),
        action: prune ? "prune" : "orphan",
        reasons: prune ? reasons : [...reasons, "left in place; reconcile with prune destroys it"],
      });
    }
  }
  return items;
}

/** Plans and runs a fleet operation; never throws for a tenant's failure (see the report). */
export async function runFleet(
  service: TenantService,
  operation: FleetOperation,
  specs: readonly TenantSpec[],
  environment: string,
  opts: FleetOptions = {},
): Promise<FleetReport> {
  const concurrency = opts.concurrency ?? 4;
  const problems = [
    choiceProblem("operation", operation, FLEET_OPERATIONS),
    environmentProblem("env", environment),
    Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64
      ? undefined
      : notWholeNumber("concurrency", concurrency, 1, 64),
  ].filter((p): p is Problem => p !== undefined);
  if (problems.length > 0) {
    throw new InvalidInputError({ tenant: "*", environment, operation: "update" }, problems);
  }
  const env = environment as Environment;
  const started = new Date();
  const log = opts.log ?? (() => undefined);
  const plan = (await planFleet(service, operation, specs, env, opts)).filter(
    (p) => opts.only === undefined || opts.only.has(p.tenant),
  );
  const runnable = plan.filter((p) => p.action !== "none" && p.action !== "orphan");
  log(`${operation} ${env}: ${plan.length} stack(s), ${runnable.length} to run, concurrency ${concurrency}`);

  const outcomes = await runBounded(
    runnable,
    async (item, attempt) => {
      if (attempt > 1) {
        log(`[${item.stack}] attempt ${attempt}`);
      }
      return runItem(service, item, env, opts);
    },
    {
      concurrency,
      retry: opts.retry ?? DEFAULT_RETRY,
      isRetryable,
      sleep: opts.sleep,
      random: opts.random,
      onStart: (item) =>
        log(`[${item.stack}] ${item.action}${item.reasons.length ? ` (${item.reasons.join("; ")})` : ""}`),
      onRetry: (item, attempt, delay) =>
        log(`[${item.stack}] stack busy (attempt ${attempt}); retrying in ${(delay / 1000).toFixed(1)}s`),
    },
  );

  const byStack = new Map(outcomes.map((o) => [o.item.stack, o]));
  const results: FleetResult[] = await mapLimit(plan, concurrency, async (item): Promise<FleetResult> => {
    const outcome = byStack.get(item.stack);
    if (!outcome) {
      return {
        tenant: item.tenant,
        stack: item.stack,
        action: item.action,
        status: item.action === "none" && operation === "reconcile" ? "unchanged" : "skipped",
        reasons: item.reasons,
        attempts: 0,
        durationMs: 0,
      };
    }
    if (!outcome.ok) {
      const error = mapEngineError(outcome.error, {
        tenant: item.tenant,
        environment: env,
        operation: operationOf(item.action),
      });
      log(`[${item.stack}] ✗ ${error.message.split("\n")[0]}`);
      const hints = error instanceof StackBusyError ? await repairHints(service, item, env) : undefined;
      return {
        tenant: item.tenant,
        stack: item.stack,
        action: item.action,
        status: "failed",
        reasons: hints ? [...item.reasons, ...hints.reasons] : item.reasons,
        attempts: outcome.attempts,
        durationMs: outcome.durationMs,
        error: error.toJSON(),
        ...(hints?.next ? { next: hints.next } : {}),
      };
    }
    const value = outcome.value;
    const status: FleetStatus =
      item.action === "drift" ? (value.drifted ? "drifted" : "in-sync") : "succeeded";
    log(`[${item.stack}] ✓ ${item.action} ${status} in ${(outcome.durationMs / 1000).toFixed(1)}s`);
    return {
      tenant: item.tenant,
      stack: item.stack,
      action: item.action,
      status,
      reasons:
        item.action === "drift"
          ? value.resourceChanges.map(
              (c) => `${c.op} ${c.type} ${c.name}${c.diffs.length ? ` [${c.diffs.join(", ")}]` : ""}`,
            )
          : item.reasons,
      attempts: outcome.attempts,
      durationMs: outcome.durationMs,
      changes: value.changes,
    };
  });

  const totals = { succeeded: 0, unchanged: 0, failed: 0, drifted: 0, "in-sync": 0, skipped: 0 } as Record<
    FleetStatus,
    number
  >;
  results.forEach((r) => totals[r.status]++);
  const finished = new Date();
  return {
    operation,
    environment: env,
    concurrency,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    results,
    totals,
    exitCode:
      totals.failed > 0 ? EXIT_CODES.failed : totals.drifted > 0 ? EXIT_CODES.driftDetected : EXIT_CODES.ok,
  };
}

/**
 * For a stack still locked after every retry: whether an interrupted run left it (stale lock,
 * pending operations) and, if so, the repair to run next, so the report says what to do.
 */
async function repairHints(
  service: TenantService,
  item: FleetPlanItem,
  env: Environment,
): Promise<{ reasons: string[]; next?: NextStep }> {
  try {
    const status = await service.status(item.tenant, env);
    const reasons = [
      ...status.locks.map((l) => `lock ${l.stale ? "stale" : "held"}: ${l.reason}`),
      ...status.pendingOperations.map((p) => `pending operation: ${p.type} ${p.urn}`),
    ];
    const repair = status.locks.some((l) => l.stale) || status.pendingOperations.length > 0;
    return {
      reasons,
      ...(repair
        ? {
            next: nextStep({ tenant: item.tenant, environment: env, operation: "status" }, "repair", {
              yes: true,
              runbook: REPAIR_RUNBOOK,
            }),
          }
        : {}),
    };
  } catch (error) {
    return { reasons: [`could not inspect the stack: ${(error as Error).message.split("\n")[0]}`] };
  }
}

function operationOf(action: FleetAction) {
  return action === "prune"
    ? ("prune" as const)
    : action === "onboard" || action === "update" || action === "preview" || action === "drift"
      ? action
      : ("status" as const);
}

async function runItem(
  service: TenantService,
  item: FleetPlanItem,
  env: Environment,
  opts: FleetOptions,
): Promise<OperationOutcome> {
  const hooks = { onEvent: opts.onEvent ? (e: EngineEvent) => opts.onEvent!(item.stack, e) : undefined };
  switch (item.action) {
    case "onboard":
      return service.onboard(item.spec, env, hooks);
    case "update":
      return service.update(item.spec, env, hooks);
    case "preview":
      return service.preview(item.spec, env, hooks);
    case "drift":
      return service.drift(item.tenant, env, hooks);
    case "prune":
      // --prune is the explicit consent, including in production.
      return service.offboard(item.tenant, env, { ...hooks, confirm: item.tenant });
    default:
      throw new Error(`fleet: nothing to run for action ${item.action}`);
  }
}

export { TenantOperationError };
