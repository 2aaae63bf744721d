/**
 * A batch worker (a child process of offline/batch/pool.ts, started through ./boot.js): records one
 * stack at a time under Pulumi's mocks and hands the recording to the analyzer module the task
 * names (the policy check's or the plan's), returning only the analyzer's small result, so
 * recordings never cross the process boundary.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Analyzer, SerializedError, WorkerReply, WorkerRequest } from "./protocol";
import { recordStack } from "../stacks";

/*
 * Two pieces of Pulumi's runtime that serve only the engine and a developer's debugging, and that
 * were most of a recording's time under `node --cpu-prof` (docs/decisions/0009-offline-check-at-scale.md);
 * workers turn them off, nothing else (the sequential run, tests, the engine keep them):
 * - every resource's constructor asks for its call sites (resource.js `Resource.stackTrace`), with
 *   the stack trace limit lifted to infinity, to send the engine source positions; under mocks
 *   nothing reads them and the recording keeps none;
 * - `debuggablePromise` (runtime/debuggable.js) tags every promise the runtime makes with three
 *   properties (one a stack trace) and keeps it in a set, for a leak report at exit. The workers'
 *   version drops the tags and the set but chains exactly the same `.then(...).catch(...)`: the
 *   promises it chains decide the order resources register in (dropping the chain changed that
 *   order), and the same chain keeps the same order.
 * The equivalence test (policies/check/parallel.test.ts) holds the workers' verdicts to the
 * sequential run's.
 */
(pulumi.Resource as unknown as { callsites(): unknown[] }).callsites = () => [];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
};
debuggable.debuggablePromise = <T>(p: Promise<T>): Promise<T> =>
  p
    .then((value) => value)
    .catch((error) => {
      (error as { promise?: unknown }).promise = p;
      throw error;
    });

const analyzers = new Map<string, Analyzer<unknown, unknown>>();

function analyzerAt(file: string): Analyzer<unknown, unknown> {
  let found = analyzers.get(file);
  if (!found) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    found = require(file) as Analyzer<unknown, unknown>;
    if (typeof found.analyze !== "function") {
      throw new Error(`batch worker: ${file} exports no analyze(stack, payload) function`);
    }
    analyzers.set(file, found);
  }
  return found;
}

/** An error as plain data: what the parent needs to rebuild it (offline/batch/pool.ts). */
export function serializeError(error: unknown): SerializedError {
  const e = error as Error & { failed?: unknown; cause?: unknown };
  return {
    name: e?.name ?? "Error",
    message: e?.message ?? String(error),
    stack: e?.stack,
    ...(e?.failed ? { failed: e.failed as SerializedError["failed"] } : {}),
    ...(e?.cause !== undefined ? { cause: { message: (e.cause as Error)?.message ?? String(e.cause) } } : {}),
  };
}

/**
 * Pulumi's runtime captures a stack trace for every promise and resource it creates (debuggable.js,
 * resource.js); a recording never reads them, and formatting them was a third of a recording's
 * time. Off while a program runs, back on for the analyzer (a policy error keeps its stack).
 */
async function withoutStackTraces<T>(fn: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    const analyzer = analyzerAt(request.analyzer);
    const recorded = await withoutStackTraces(() => recordStack(request.stack, request.baseOutputs));
    const value = await analyzer.analyze(recorded, request.payload);
    return {
      id: request.id,
      ok: true,
      value,
      ...(request.stack.kind === "base" ? { outputs: recorded.recording.outputs } : {}),
    };
  } catch (error) {
    return { id: request.id, ok: false, error: serializeError(error) };
  }
}

process.on("message", (message: WorkerRequest | { type: "close" }) => {
  if ("type" in message) {
    // The last word: what this process used; then exit (a profile, if asked for, is written now).
    const usage = process.resourceUsage();
    process.send?.(
      {
        type: "stats",
        cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
        maxRssBytes: usage.maxRSS * 1024,
      },
      () => process.exit(0),
    );
    return;
  }
  void handle(message).then((reply) => process.send?.(reply));
});
process.send?.({ type: "ready" });
