/**
 * A pool of worker processes (./worker.ts through ./boot.js) for recording stacks in parallel.
 * Processes, not threads: Pulumi's mock runtime is process-wide state, one recording at a time per
 * process. Workers start on demand (a run with one stack to record starts one) and each takes the
 * next task as soon as it is free.
 */
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import { StackRecordError } from "../stacks";
import type { SerializedError, WorkerReply, WorkerRequest } from "./protocol";

/** What the workers used, summed over them. */
export interface PoolStats {
  /** Processes started. */
  readonly started: number;
  /** Sum of each worker's peak resident set (an upper bound of their peak together). */
  readonly peakRssBytes: number;
  /** CPU time (user + system) of all workers. */
  readonly cpuMs: number;
}

/** Options of a pool. */
export interface PoolOptions {
  /** At most this many processes. */
  readonly size: number;
  /** The offline cache root; workers keep transpiled TypeScript in its `ts/`. @default cacheDir() */
  readonly cacheRoot?: string;
}

/** Rebuilds a worker's error: StackRecordError as itself, others as an Error of the same name. */
export function deserializeError(e: SerializedError): Error {
  if (e.name === "StackRecordError" && e.failed) {
    return new StackRecordError(e.failed, new Error(e.cause?.message ?? e.message));
  }
  const error = new Error(e.message);
  error.name = e.name;
  if (e.stack) {
    error.stack = e.stack;
  }
  return error;
}

interface Worker {
  readonly child: ChildProcess;
  busy: boolean;
  exited: boolean;
  stats?: { cpuMs: number; maxRssBytes: number };
}

type Pending = {
  readonly request: Omit<WorkerRequest, "id">;
  resolve(reply: { value: unknown; outputs?: Record<string, unknown> }): void;
  reject(error: Error): void;
};

/** A pool; {@link close} it when done (it collects the workers' stats). */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, { worker: Worker; task: Pending }>();
  private nextId = 1;

  constructor(private readonly options: PoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new Error(`worker pool size: ${options.size} is not allowed; use a whole number, at least 1`);
    }
  }

  /** Records and analyzes one stack in a worker. Rejects with the stack's error when it fails. */
  run(request: Omit<WorkerRequest, "id">): Promise<{ value: unknown; outputs?: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = this.workers.find((w) => !w.busy && !w.exited);
      if (!worker) {
        if (this.workers.filter((w) => !w.exited).length >= this.options.size) {
          return;
        }
        worker = this.start();
      }
      const task = this.queue.shift() as Pending;
      const id = this.nextId++;
      worker.busy = true;
      this.inFlight.set(id, { worker, task });
      worker.child.send({ ...task.request, id } satisfies WorkerRequest);
    }
  }

  private start(): Worker {
    const child = fork(path.join(__dirname, "boot.js"), [], {
      // Scavenges were a fifth of a worker's profile: a larger young generation makes them rarer
      // (64 MB semi-spaces: about 60 MB more resident per worker than 32 MB; peak of a 1,000-tenant
      // check about 1.2 GB, docs/decisions/0009-offline-check-at-scale.md).
      // PLATFORM_BATCH_WORKER_ARGS adds Node options to workers only, e.g. to profile them:
      // "--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS refuses --cpu-prof).
      execArgv: [
        "--max-semi-space-size=64",
        ...(process.env.PLATFORM_BATCH_WORKER_ARGS ?? "").split(" ").filter(Boolean),
      ],
      env: {
        ...process.env,
        ...(this.options.cacheRoot ? { PLATFORM_OFFLINE_CACHE: this.options.cacheRoot } : {}),
      },
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const worker: Worker = { child, busy: false, exited: false };
    child.on("message", (message: WorkerReply | { type: string; cpuMs?: number; maxRssBytes?: number }) => {
      if ("type" in message) {
        if (message.type === "stats") {
          worker.stats = { cpuMs: message.cpuMs ?? 0, maxRssBytes: message.maxRssBytes ?? 0 };
        }
        return;
      }
      const entry = this.inFlight.get(message.id);
      if (!entry) {
        return;
      }
      this.inFlight.delete(message.id);
      worker.busy = false;
      if (message.ok) {
        entry.task.resolve({ value: message.value, outputs: message.outputs });
      } else {
        entry.task.reject(deserializeError(message.error));
      }
      this.dispatch();
    });
    child.on("exit", (code, signal) => {
      worker.exited = true;
      for (const [id, entry] of this.inFlight) {
        if (entry.worker === worker) {
          this.inFlight.delete(id);
          entry.task.reject(
            new Error(
              `a batch worker exited (${signal ?? `code ${code}`}) while recording stack ${entry.task.request.stack.kind === "base" ? entry.task.request.stack.environment : `${entry.task.request.stack.tenant}-${entry.task.request.stack.environment}`}`,
            ),
          );
        }
      }
      this.dispatch();
    });
    this.workers.push(worker);
    return worker;
  }

  /** Stops the workers and returns what they used. */
  async close(): Promise<PoolStats> {
    await Promise.all(
      this.workers
        .filter((w) => !w.exited)
        .map(
          (w) =>
            new Promise<void>((resolve) => {
              w.child.once("exit", () => resolve());
              w.child.send({ type: "close" });
            }),
        ),
    );
    return {
      started: this.workers.length,
      peakRssBytes: this.workers.reduce((sum, w) => sum + (w.stats?.maxRssBytes ?? 0), 0),
      cpuMs: this.workers.reduce((sum, w) => sum + (w.stats?.cpuMs ?? 0), 0),
    };
  }
}
