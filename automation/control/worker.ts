/**
 * The worker of one instance: claims operations from the shared queue (one per stack, at most
 * `concurrency` at once here), runs them through the library's {@link TenantService}, records
 * progress and results, and moves tenants through their lifecycle.
 *
 * Restart and takeover: an operation claimed for a second time was interrupted (its instance was
 * killed, or lost its lease). It is diagnosed first; a stack left locked or with pending operations
 * is repaired (stale locks only), then the operation runs again: onboard resumes, update and
 * offboard converge. It fails, with the reason, when it cannot be resumed (its app secrets were in
 * the dead instance's memory) or after `maxAttempts`. None stays `running`: a lease that is not
 * renewed expires, and another instance (or this one, restarted) takes it over.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { NeedsRepairError, StackBusyError, StackMissingError } from "../errors";
import { backoffDelay, DEFAULT_RETRY } from "../scheduler";
import type { TenantService } from "../service";
import { RepairReport, unfinishedWork } from "../recovery";
import { ControlPlane, isTenantKind } from "./core";
import { runFleetOperation } from "./fleetRun";
import type { Metrics } from "./metrics";
import { operationProblem } from "./problems";
import { Progress, progressOf } from "./progress";
import { appendEvent, appendProgress } from "./store/events";
import {
  claimNext,
  finishOperation,
  heartbeat,
  OperationRow,
  refreshPins,
  requeueOperation,
} from "./store/operations";
import { parseJson } from "./store/store";

/** Knobs of a {@link Worker}. */
export interface WorkerOptions {
  /**
   * Stack operations this instance runs at once.
   * @default 4 (PLATFORM_CONCURRENCY)
   */
  readonly concurrency?: number;
  /**
   * How long a claim lasts without a heartbeat; a killed instance's operations are taken over
   * after it.
   * @default 30000 ms (PLATFORM_LEASE_MS)
   */
  readonly leaseMs?: number;
  /**
   * How often the queue is polled when nothing wakes the worker.
   * @default 1000 ms
   */
  readonly pollMs?: number;
  /**
   * Attempts of one operation (busy stacks, interrupted runs) before it fails.
   * @default 5
   */
  readonly maxAttempts?: number;
  /** Lines for the service log. */
  readonly log?: (line: string) => void;
  readonly metrics?: Metrics;
}

/** How long a shutdown waits for cancelled operations before it requeues them regardless. */
const SHUTDOWN_GRACE_MS = 5000;

/** Why a running operation's signal was aborted. */
type AbortReason = "cancelled" | "lease-lost" | "shutdown";

/** Claims and runs operations. */
export class Worker {
  private readonly running = new Map<
    string,
    { op: OperationRow; abort: AbortController; done: Promise<void> }
  >();
  private timer?: NodeJS.Timeout;
  private pinTimer?: NodeJS.Timeout;
  private stopping = false;
  private polling = false;
  private unsubscribe?: () => void;
  readonly concurrency: number;
  readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly control: ControlPlane,
    private readonly service: TenantService,
    private readonly options: WorkerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.log = options.log ?? (() => undefined);
  }

  /** Operations running here now. */
  get active(): number {
    return this.running.size;
  }

  /** Starts polling (and waking on operations queued here). */
  start(): void {
    this.unsubscribe = this.control.onQueued(() => void this.poll());
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.pinTimer = setInterval(
      () =>
        void refreshPins(this.control.store.db, this.control.instance, this.leaseMs).catch(() => undefined),
      Math.max(250, Math.floor(this.leaseMs / 3)),
    );
    void this.poll();
  }

  /**
   * Stops taking operations, waits up to `deadlineMs` for the running ones, then cancels what is
   * left and puts it back in the queue (resumable by the next instance).
   */
  async stop(deadlineMs: number): Promise<{ finished: number; requeued: number }> {
    this.stopping = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    clearInterval(this.pinTimer);
    const all = [...this.running.values()];
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timeout = setTimeout(() => resolve("deadline"), deadlineMs);
    });
    const outcome = await Promise.race([
      Promise.all(all.map((r) => r.done)).then(() => "done" as const),
      deadline,
    ]);
    clearTimeout(timeout);
    let requeued = 0;
    if (outcome === "deadline") {
      const left = [...this.running.values()];
      requeued = left.length;
      // Cancelling asks the CLI to stop after the resource steps in flight; a slow step may
      // outlast that, so after a grace period the operations go back to the queue regardless.
      // The next instance repairs what the interrupted run left (lock, pending operations).
      left.forEach((r) => r.abort.abort("shutdown" satisfies AbortReason));
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(left.map((r) => r.done)),
        new Promise((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS))),
      ]);
      clearTimeout(grace);
      for (const r of this.running.values()) {
        await this.requeueForShutdown(r.op).catch(() => undefined);
      }
    }
    return { finished: all.length - requeued, requeued };
  }

  private async requeueForShutdown(op: OperationRow): Promise<void> {
    const db = this.control.store.db;
    if (await requeueOperation(db, op, this.control.instance, 0)) {
      await appendEvent(db, this.control.instance, {
        type: "operation.requeued",
        tenant: op.tenant,
        environment: op.environment,
        operationId: op.id,
        data: { kind: op.kind, attempt: op.attempt, reason: "the instance shut down", retryInMs: 0 },
      });
    }
  }

  /** Claims what it may and starts it. */
  async poll(): Promise<void> {
    if (this.stopping || this.polling) {
      return;
    }
    this.polling = true;
    try {
      const db = this.control.store.db;
      const owner = this.control.instance;
      for (;;) {
        const fleet = await claimNext(db, { owner, leaseMs: this.leaseMs, kinds: "fleet" });
        if (!fleet) break;
        this.launch(fleet);
      }
      while (!this.stopping && this.stackOps() < this.concurrency) {
        const op = await claimNext(db, { owner, leaseMs: this.leaseMs, kinds: "stack" });
        if (!op) break;
        this.launch(op);
      }
    } catch (error) {
      this.log(`worker: claiming failed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private stackOps(): number {
    return [...this.running.values()].filter((r) => r.op.stack !== null).length;
  }

  private launch(op: OperationRow): void {
    const abort = new AbortController();
    const done = this.execute(op, abort)
      .catch((error) => this.log(`worker: ${op.id} crashed: ${(error as Error).stack}`))
      .finally(() => {
        this.running.delete(op.id);
        void this.poll();
      });
    this.running.set(op.id, { op, abort, done });
  }

  private async execute(op: OperationRow, abort: AbortController): Promise<void> {
    const store = this.control.store;
    const owner = this.control.instance;
    const started = Date.now();
    const beat = setInterval(
      () => {
        heartbeat(store.db, op, owner, this.leaseMs)
          .then((hb) => {
            if (!hb.held) abort.abort("lease-lost" satisfies AbortReason);
            else if (hb.cancelRequested) abort.abort("cancelled" satisfies AbortReason);
          })
          .catch((error) => this.log(`worker: heartbeat of ${op.id} failed: ${(error as Error).message}`));
      },
      Math.max(200, Math.floor(this.leaseMs / 3)),
    );
    const progress = new ProgressBuffer(store, op.id);
    try {
      await store.transaction((trx) => this.control.started(trx, op));
      this.log(`worker: ${op.id} ${op.kind} ${op.stack ?? op.environment} started (attempt ${op.attempt})`);
      progress.push({ type: "status", data: { status: "running", attempt: op.attempt, instance: owner } });
      const result = await this.run(op, abort.signal, progress);
      await this.end(op, "succeeded", progress, {
        result,
        drifted: (result as { drifted?: boolean }).drifted,
        unfinished: op.kind === "repair" ? unfinishedWork(result as RepairReport) : undefined,
      });
    } catch (error) {
      await progress.flush();
      const why = abort.signal.aborted ? (abort.signal.reason as AbortReason) : undefined;
      await this.failed(op, error, why, progress);
    } finally {
      clearInterval(beat);
      await progress.flush();
      this.options.metrics?.operationSeconds.observe({ kind: op.kind }, (Date.now() - started) / 1000);
    }
  }

  /** Runs the operation's body; an interrupted one is diagnosed and repaired first. */
  private async run(op: OperationRow, signal: AbortSignal, progress: ProgressBuffer): Promise<unknown> {
    if (!isTenantKind(op.kind)) {
      return runFleetOperation(this.control, this.service, op, signal);
    }
    const tenant = op.tenant!;
    const env = op.environment;
    const onEvent = (event: EngineEvent) => {
      const p = progressOf(event);
      if (p) progress.push(p);
    };
    const secrets = this.control.secretsOf(op.id);
    if (op.has_secrets === 1 && !secrets) {
      throw new Unresumable(
        "its app secrets were held only in the memory of the instance that accepted it, which stopped; " +
          "send the request again with the secrets",
      );
    }
    if (op.attempt > 1) {
      await this.recover(op, onEvent, signal, progress);
    }
    const spec = parseJson<unknown>(op.spec);
    const params = parseJson<{ confirm?: string }>(op.params) ?? {};
    const hooks = { onEvent, signal };
    switch (op.kind) {
      case "onboard":
        return await this.service.onboard(spec, env, { ...hooks, secrets });
      case "update":
        return await this.service.update(spec, env, { ...hooks, secrets });
      case "preview":
        return await this.service.preview(spec, env, hooks);
      case "drift":
        return await this.service.drift(tenant, env, hooks);
      case "offboard":
        return await this.service.offboard(tenant, env, { ...hooks, confirm: params.confirm });
      case "repair":
        return this.service.repair(tenant, env, { ...hooks, yes: true });
    }
  }

  /** An interrupted run: find what it left (lock, pending operations) and repair it. */
  private async recover(
    op: OperationRow,
    onEvent: (e: EngineEvent) => void,
    signal: AbortSignal,
    progress: ProgressBuffer,
  ) {
    let needsRepair = false;
    try {
      needsRepair = (await this.service.status(op.tenant!, op.environment)).needsRepair;
    } catch (error) {
      if (error instanceof StackMissingError) {
        return; // nothing was created yet; the operation starts from scratch
      }
      throw error;
    }
    progress.push({ type: "status", data: { status: "recovering", needsRepair } });
    if (!needsRepair) {
      return;
    }
    const report = await this.service.repair(op.tenant!, op.environment, { yes: true, onEvent, signal });
    await appendEvent(this.control.store.db, this.control.instance, {
      type: "operation.repaired",
      tenant: op.tenant,
      environment: op.environment,
      operationId: op.id,
      data: { actions: report.actions },
    });
    this.log(`worker: ${op.id} repaired ${op.stack}: ${report.actions.join("; ")}`);
  }

  private async failed(
    op: OperationRow,
    error: unknown,
    why: AbortReason | undefined,
    progress: ProgressBuffer,
  ) {
    const db = this.control.store.db;
    const owner = this.control.instance;
    if (why === "lease-lost") {
      this.log(`worker: ${op.id} lost its lease; the instance that took it over finishes it`);
      return;
    }
    const retryable =
      error instanceof StackBusyError || (error instanceof NeedsRepairError && op.attempt > 1);
    if (why === "shutdown" || (retryable && op.attempt < this.maxAttempts)) {
      const delay = why === "shutdown" ? 0 : backoffDelay(op.attempt, DEFAULT_RETRY);
      if (await requeueOperation(db, op, owner, delay)) {
        const reason = why === "shutdown" ? "the instance shut down" : (error as Error).message;
        await appendEvent(db, owner, {
          type: "operation.requeued",
          tenant: op.tenant,
          environment: op.environment,
          operationId: op.id,
          data: { kind: op.kind, attempt: op.attempt, reason, retryInMs: delay },
        });
        progress.push({ type: "status", data: { status: "queued", reason } });
      }
      return;
    }
    if (why === "cancelled") {
      const detail = "cancelled while running";
      const problem = { type: "/problems/cancelled", title: "Cancelled", status: 409, detail };
      await this.end(op, "cancelled", progress, { error: problem, reason: detail });
      return;
    }
    const reason =
      error instanceof Unresumable
        ? `${op.kind} could not be resumed after an interruption: ${error.message}`
        : ((error as Error)?.message ?? String(error));
    const problem = operationProblem(error, reason);
    await this.end(op, "failed", progress, {
      error: problem,
      reason,
      needsRepair: error instanceof NeedsRepairError || error instanceof StackBusyError,
    });
  }

  /** Records the end in one transaction: the operation, the tenant's state, the event. */
  private async end(
    op: OperationRow,
    status: "succeeded" | "failed" | "cancelled",
    progress: ProgressBuffer,
    o: {
      result?: unknown;
      error?: unknown;
      reason?: string;
      drifted?: boolean;
      needsRepair?: boolean;
      unfinished?: string;
    },
  ) {
    const owner = this.control.instance;
    // The last progress record is written before the status changes: a client that sees the
    // operation end has every record.
    progress.push({ type: "status", data: { status, ...(o.reason ? { detail: o.reason } : {}) } });
    await progress.flush();
    const outputs = (o.result as { outputs?: Record<string, unknown> } | undefined)?.outputs;
    await this.control.store.transaction(async (trx) => {
      if (!(await finishOperation(trx, op, owner, status, { result: o.result, error: o.error }))) {
        return; // taken over meanwhile
      }
      await this.control.finished(
        trx,
        op,
        status === "succeeded"
          ? { ok: true, drifted: o.drifted, unfinished: o.unfinished, outputs }
          : { ok: false, needsRepair: o.needsRepair, reason: o.reason },
      );
      await appendEvent(trx, owner, {
        type: `operation.${status}`,
        tenant: op.tenant,
        environment: op.environment,
        operationId: op.id,
        data: { kind: op.kind, attempt: op.attempt, ...(o.reason ? { reason: o.reason } : {}) },
      });
    });
    this.control.dropSecrets(op.id);
    this.options.metrics?.operations.inc({ kind: op.kind, result: status });
    this.log(
      `worker: ${op.id} ${op.kind} ${op.stack ?? op.environment} ${status}${o.reason ? `: ${o.reason.split("\n")[0]}` : ""}`,
    );
  }
}

/** An interrupted operation that cannot run again. */
class Unresumable extends Error {}

/** Buffers progress records and writes them in batches (one insert per flush). */
class ProgressBuffer {
  private pending: Progress[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ControlPlane["store"],
    private readonly operationId: string,
  ) {}

  push(p: Progress): void {
    this.pending.push(p);
    this.timer ??= setTimeout(() => void this.flush(), 100);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing
      .then(() => appendProgress(this.store.db, this.operationId, batch))
      .catch(() => undefined);
    return this.writing;
  }
}
