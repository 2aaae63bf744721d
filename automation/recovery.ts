/**
 * Recovery from interrupted runs (docs/runbooks/interrupted-update.md). A process killed during an
 * update leaves two things behind: the stack's lock (file backends: a file under
 * `.pulumi/locks/`), which makes every later update fail with a concurrent-update error, and
 * pending operations in the checkpoint (`deployment.pending_operations`): resource operations that
 * started and never finished. {@link diagnoseStack} finds both; {@link repairStack} clears them,
 * but only locks whose owner is gone or older than a threshold, and only with explicit consent.
 */
import * as os from "os";
import { Engine, EngineRunOptions, EngineStack, StackLock } from "./engine/types";
import { formatProblems } from "../common";
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
}

/** What {@link repairStack} did. */
export interface RepairReport {
  readonly stack: string;
  readonly removedLocks: readonly LockStatus[];
  readonly droppedPendingOperations: readonly PendingOperation[];
  /** Whether the final refresh ran (and succeeded). */
  readonly refreshed: boolean;
  /** Each step, in order, for people. */
  readonly actions: readonly string[];
}

/** The default staleness threshold for locks whose owner cannot be checked. */
export const DEFAULT_STALE_AFTER_MS = 60 * 60 * 1000;

/** True when a process with that pid exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

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
    const op = raw as { type?: string; resource?: { urn?: string; id?: string } };
    return {
      type: op.type ?? "unknown",
      urn: op.resource?.urn ?? "(unknown urn)",
      id: op.resource?.id || undefined,
    };
  });
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
 * still run), drops pending operations after listing them (export, edit, import), then refreshes so
 * the state matches what exists. Without `yes` it changes nothing and throws
 * {@link ConfirmationRequiredError} describing what it would do.
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
    return {
      stack: stack.name,
      removedLocks: [],
      droppedPendingOperations: [],
      refreshed: false,
      actions: ["nothing to repair"],
    };
  }
  if (!opts.yes) {
    const plan = [
      ...diagnosis.locks.map((l) => `remove lock ${l.location} (${l.reason})`),
      ...diagnosis.pendingOperations.map((p) => `drop pending operation ${p.type} ${p.urn}`),
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
  if (diagnosis.pendingOperations.length > 0) {
    const state = await stack.exportStack();
    await stack.importStack(withoutPendingOperations(state));
    for (const op of diagnosis.pendingOperations) {
      actions.push(
        `dropped pending operation ${op.type} ${op.urn}` +
          (op.type === "creating"
            ? " (if the resource exists in the cloud, import or delete it by hand)"
            : ""),
      );
    }
  }
  await stack.refresh({ onEvent: opts.onEvent, signal: opts.signal });
  actions.push("refreshed the stack against the cloud");
  return {
    stack: stack.name,
    removedLocks: diagnosis.locks,
    droppedPendingOperations: diagnosis.pendingOperations,
    refreshed: true,
    actions,
  };
}
