/**
 * Recovery from interrupted runs (docs/runbooks/interrupted-update.md). A process killed during an
 * update leaves two things behind: the stack's lock (file backends: a file under
 * `.pulumi/locks/`), which makes every later update fail with a concurrent-update error, and
 * pending operations in the checkpoint (`deployment.pending_operations`): resource operations that
 * started and never finished. {@link diagnoseStack} finds both; {@link repairStack} clears them,
 * but only locks whose owner is gone or older than a threshold, and only with explicit consent.
 */
import * as os from "os";
import { Engine, EngineRunOptions, EngineStack, StackLock, UpdateSummary } from "./engine/types";
import { formatProblems, processAlive } from "../common";
import {
  ConfirmationRequiredError,
  ErrorContext,
  NeedsRepairError,
  nextStep,
  REPAIR_RUNBOOK,
} from "./errors";
import type { Deployment } from "@pulumi/pulumi/automation";

/** A lock and whether it may be removed. */
export interface LockStatus extends StackLock {
  /** True when its owner is gone or it is older than the threshold. */
  readonly stale: boolean;
  /** Why it is (or is not) stale, for people. */
  readonly reason: string;
}

/** A resource operation an interrupted run started and never finished. */
export interface PendingOperation {
  /** `creating`, `updating`, `deleting`, `reading`, ... */
  readonly type: string;
  readonly urn: string;
  /** The provider's id, when the operation got that far. */
  readonly id?: string;
  /** The resource's type (`aws:rds/instance:Instance`). */
  readonly resourceType?: string;
}

/** What {@link diagnoseStack} found. */
export interface Diagnosis {
  readonly locks: readonly LockStatus[];
  readonly pendingOperations: readonly PendingOperation[];
  /** True when the stack is locked or has pending operations. */
  readonly needsRepair: boolean;
  /** Resources in the checkpoint. */
  readonly resourceCount: number;
}

/** Knobs of lock staleness; the defaults are for real use, tests inject their own. */
export interface StalenessOptions {
  /**
   * A lock older than this is stale even when its owner cannot be checked (another host).
   * @default 60 minutes
   */
  readonly staleAfterMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default process.kill(pid, 0) on this host */
  readonly isProcessAlive?: (pid: number) => boolean;
  /** @default os.hostname() */
  readonly hostname?: string;
}

/** Options of {@link repairStack}. */
export interface RepairOptions extends StalenessOptions {
  /** Consent: without it, repair only reports what it would do. */
  readonly yes?: boolean;
  /**
   * Pending creates the operator found in the cloud, by URN: imported with that id (what
   * `pulumi refresh --import-pending-creates <urn> <id>` does). @default none
   */
  readonly imports?: Readonly<Record<string, string>>;
  /** Pending creates the operator checked are not in the cloud: dropped. @default none */
  readonly absent?: readonly string[];
}

/** What {@link repairStack} did. */
export interface RepairReport {
  readonly stack: string;
  readonly removedLocks: readonly LockStatus[];
  readonly droppedPendingOperations: readonly PendingOperation[];
  /** Pending creates taken into the state with the id the resource has in the cloud. */
  readonly importedPendingCreates: readonly (PendingOperation & { readonly id: string })[];
  /** Whether the final refresh ran (and succeeded). */
  readonly refreshed: boolean;
  /** Each step, in order, for people. */
  readonly actions: readonly string[];
  /**
   * Whether the stack's last update (history, refreshes skipped) succeeded. Repair makes a stack
   * consistent (unlocked, no pending operations, state matching the cloud); it does not finish an
   * update that was interrupted or cancelled, which only an update does. Absent when the stack was
   * never updated.
   */
  readonly lastUpdateResult?: UpdateSummary["result"];
}

/** Whether a repaired stack is also converged; else what is left to do, in one line. */
export function unfinishedWork(report: RepairReport): string | undefined {
  if (report.lastUpdateResult === "succeeded") return undefined;
  return report.lastUpdateResult === undefined
    ? "the stack was never updated: run an update (or onboard again) to create its resources"
    : `the stack's last update ${report.lastUpdateResult}: it is consistent again but not complete; run an update to finish it`;
}

/** The result of the last update in the stack's history, refreshes and previews skipped. */
async function lastUpdateResult(stack: EngineStack): Promise<UpdateSummary["result"] | undefined> {
  return (await stack.history(20)).find((h) => h.kind === "update")?.result;
}

/** `report` with the last update's result, and a line for people when the stack is not complete. */
async function withConvergence(stack: EngineStack, report: RepairReport): Promise<RepairReport> {
  const done = { ...report, lastUpdateResult: await lastUpdateResult(stack) };
  const left = unfinishedWork(done);
  return left ? { ...done, actions: [...done.actions, left] } : done;
}

/** The default staleness threshold for locks whose owner cannot be checked. */
export const DEFAULT_STALE_AFTER_MS = 60 * 60 * 1000;

/** Whether a lock may be removed, and why. */
export function lockStatus(lock: StackLock, opts: StalenessOptions = {}): LockStatus {
  const now = (opts.now ?? Date.now)();
  const staleAfter = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const alive = opts.isProcessAlive ?? processAlive;
  const host = opts.hostname ?? os.hostname();
  const ageMs = lock.timestamp ? now - lock.timestamp.getTime() : undefined;
  const age = ageMs === undefined ? "of unknown age" : `taken ${Math.round(ageMs / 1000)}s ago`;
  const owner = `pid ${lock.pid ?? "?"} on ${lock.hostname ?? "unknown host"}`;
  if (lock.hostname === host && lock.pid !== undefined && !alive(lock.pid)) {
    return { ...lock, stale: true, reason: `owner ${owner} is gone (lock ${age})` };
  }
  if (ageMs !== undefined && ageMs > staleAfter) {
    return {
      ...lock,
      stale: true,
      reason: `lock ${age}, older than the ${Math.round(staleAfter / 60000)}-minute threshold (owner ${owner})`,
    };
  }
  const why =
    lock.hostname === host
      ? `owner ${owner} is still running`
      : `owner ${owner} is on another host and cannot be checked`;
  return {
    ...lock,
    stale: false,
    reason: `${why} (lock ${age}); wait for it, or pass a lower --stale-after`,
  };
}

/** Pending operations of an exported deployment. */
export function pendingOperationsOf(state: Deployment): PendingOperation[] {
  const ops = (state.deployment as { pending_operations?: unknown[] } | undefined)?.pending_operations ?? [];
  return ops.map((raw) => {
    const op = raw as { type?: string; resource?: { urn?: string; id?: string; type?: string } };
    return {
      type: op.type ?? "unknown",
      urn: op.resource?.urn ?? "(unknown urn)",
      id: op.resource?.id || undefined,
      ...(op.resource?.type ? { resourceType: op.resource.type } : {}),
    };
  });
}

/** The cloud ids of the resources a state holds. */
function resourceIdsOf(state: Deployment): Set<string> {
  const resources = (state.deployment as { resources?: { id?: unknown }[] } | undefined)?.resources ?? [];
  return new Set(
    resources.map((r) => r.id).filter((id): id is string => typeof id === "string" && id !== ""),
  );
}

/** The same deployment without pending operations. */
export function withoutPendingOperations(state: Deployment): Deployment {
  const deployment = { ...(state.deployment as Record<string, unknown>) };
  delete deployment.pending_operations;
  return { ...state, deployment };
}

/** Finds locks and pending operations on a stack. Changes nothing. */
export async function diagnoseStack(
  engine: Engine,
  project: string,
  stack: EngineStack,
  opts: StalenessOptions = {},
): Promise<Diagnosis> {
  const locks = (await engine.listLocks(project, stack.name)).map((l) => lockStatus(l, opts));
  const state = await stack.exportStack();
  const pendingOperations = pendingOperationsOf(state);
  const resources = (state.deployment as { resources?: unknown[] } | undefined)?.resources ?? [];
  return {
    locks,
    pendingOperations,
    needsRepair: locks.length > 0 || pendingOperations.length > 0,
    resourceCount: resources.length,
  };
}

/**
 * Repairs a stack left by an interrupted run: removes stale locks (refusing while a lock's owner may
 * still run, or while the run's plugin processes still do), takes pending creates that exist in the
 * cloud into the state and drops the other pending operations (export, edit, import), then refreshes
 * so the state matches what exists. A pending create is never dropped blindly: when the cloud cannot
 * say whether it exists, repair refuses and lists the steps. Without `yes` it changes nothing and
 * throws {@link ConfirmationRequiredError} describing what it would do.
 */
export async function repairStack(
  engine: Engine,
  project: string,
  stack: EngineStack,
  ctx: ErrorContext,
  opts: RepairOptions & EngineRunOptions,
): Promise<RepairReport> {
  const diagnosis = await diagnoseStack(engine, project, stack, opts);
  const actions: string[] = [];
  const live = diagnosis.locks.filter((l) => !l.stale);
  if (live.length > 0) {
    throw new NeedsRepairError(
      ctx,
      `refusing to repair: ${live.map((l) => `${l.location}: ${l.reason}`).join("; ")}`,
    );
  }
  if (!diagnosis.needsRepair) {
    return withConvergence(stack, {
      stack: stack.name,
      removedLocks: [],
      droppedPendingOperations: [],
      importedPendingCreates: [],
      refreshed: false,
      actions: ["nothing to repair"],
    });
  }
  // An interrupted run's plugins may still be creating what its pending operations name.
  const leftovers = await engine.leftoverPlugins();
  if (leftovers.length > 0) {
    throw new NeedsRepairError(
      ctx,
      formatProblems(
        "refusing to repair: plugin processes of an interrupted run are still running (their engine is gone) " +
          "and may still be changing the cloud; wait for them to end, or stop them, then repair again",
        leftovers.map((p) => `pid ${p.pid}: ${p.command} (stop it: kill ${p.pid})`),
      ),
    );
  }
  // The state as the interrupted run left it: its resources' ids tell a pending create's new
  // resource from the one it replaces (both have the URN).
  const state = diagnosis.pendingOperations.length > 0 ? await stack.exportStack() : undefined;
  const { imports, unresolved } = await resolvePendingCreates(
    engine,
    diagnosis.pendingOperations,
    opts,
    state ? resourceIdsOf(state) : new Set(),
  );
  if (unresolved.length > 0) {
    // Dropping a pending create blindly loses a resource that may exist: the next run creates a
    // second copy (issue 10 item 5). Nothing is changed until the operator says which it is.
    throw new NeedsRepairError(ctx, pendingCreateSteps(ctx, unresolved));
  }
  const importedUrns = new Set(imports.map((i) => i.urn));
  if (!opts.yes) {
    const plan = [
      ...diagnosis.locks.map((l) => `remove lock ${l.location} (${l.reason})`),
      ...imports.map((p) => `import pending create ${p.urn} as ${p.id} (it exists in the cloud)`),
      ...diagnosis.pendingOperations
        .filter((p) => !importedUrns.has(p.urn))
        .map(
          (p) =>
            `drop pending operation ${p.type} ${p.urn}${p.type === "creating" ? " (not in the cloud)" : ""}`,
        ),
      "refresh the stack",
    ];
    throw new ConfirmationRequiredError(
      ctx,
      formatProblems("repair needs confirmation; it would", plan),
      nextStep(ctx, "repair", { yes: true, runbook: REPAIR_RUNBOOK }),
    );
  }
  for (const lock of diagnosis.locks) {
    await engine.removeLock(lock);
    actions.push(`removed lock ${lock.location}: ${lock.reason}`);
  }
  const dropped = diagnosis.pendingOperations.filter((p) => !importedUrns.has(p.urn));
  if (state) {
    await stack.importStack(withPendingCreatesImported(withoutPendingOperations(state), state, imports));
    for (const op of imports) {
      actions.push(`imported pending create ${op.urn} as ${op.id}`);
    }
    for (const op of dropped) {
      actions.push(
        `dropped pending operation ${op.type} ${op.urn}${op.type === "creating" ? " (not in the cloud)" : ""}`,
      );
    }
  }
  await stack.refresh({ onEvent: opts.onEvent, signal: opts.signal });
  actions.push("refreshed the stack against the cloud");
  return withConvergence(stack, {
    stack: stack.name,
    removedLocks: diagnosis.locks,
    droppedPendingOperations: dropped,
    importedPendingCreates: imports,
    refreshed: true,
    actions,
  });
}

/**
 * Which pending creates exist in the cloud (and with which id): the id the operation recorded, the
 * operator's `imports`, or the cloud's own answer ({@link Engine.locateResource}); the ones the
 * operator said are `absent`, or the cloud says are, are dropped; the rest are unresolved.
 */
async function resolvePendingCreates(
  engine: Engine,
  pending: readonly PendingOperation[],
  opts: RepairOptions,
  inState: ReadonlySet<string>,
): Promise<{ imports: (PendingOperation & { id: string })[]; unresolved: PendingOperation[] }> {
  const imports: (PendingOperation & { id: string })[] = [];
  const unresolved: PendingOperation[] = [];
  for (const op of pending.filter((p) => p.type === "creating")) {
    const id =
      opts.imports?.[op.urn] ??
      op.id ??
      (opts.absent?.includes(op.urn)
        ? null
        : await engine.locateResource(op.urn, op.resourceType ?? "", inState));
    if (typeof id === "string") {
      imports.push({ ...op, id });
    } else if (id === undefined) {
      unresolved.push(op);
    }
  }
  return { imports, unresolved };
}

/** What the operator does about pending creates the cloud cannot be asked about. */
function pendingCreateSteps(ctx: ErrorContext, unresolved: readonly PendingOperation[]): string {
  const cmd = `tenant repair ${ctx.tenant} --env ${ctx.environment} --yes`;
  return formatProblems(
    "refusing to drop pending creates blindly: an interrupted run started creating these, and each may " +
      "exist in the cloud (a dropped one would be created a second time). For each one, look it up in the " +
      "cloud (its name and the Tenant tag), then run repair saying what you found",
    unresolved.flatMap((op) => [
      `${op.urn} (${op.resourceType ?? "unknown type"}):`,
      `  it exists with id <id>: ${cmd} --import '${op.urn}=<id>'`,
      `  it does not exist: ${cmd} --absent '${op.urn}'`,
    ]),
  );
}

/**
 * `clean` (the state without pending operations) with each imported pending create's resource
 * added, with its cloud id, as `pulumi refresh --import-pending-creates` does; the refresh after
 * it reads the resource's outputs from the cloud.
 */
export function withPendingCreatesImported(
  clean: Deployment,
  original: Deployment,
  imports: readonly { urn: string; id: string }[],
): Deployment {
  if (imports.length === 0) {
    return clean;
  }
  const ops = (original.deployment as { pending_operations?: { resource?: Record<string, unknown> }[] })
    .pending_operations;
  const deployment = { ...(clean.deployment as Record<string, unknown>) };
  const resources = [...((deployment.resources as unknown[] | undefined) ?? [])];
  for (const { urn, id } of imports) {
    const resource = ops?.find((o) => o.resource?.urn === urn)?.resource;
    if (resource) {
      resources.push({ ...resource, id, outputs: resource.outputs ?? resource.inputs ?? {} });
    }
  }
  deployment.resources = resources;
  return { ...clean, deployment };
}
