/**
 * What the batch parent (./run.ts, ./pool.ts) and its workers (./worker.ts) send each other, and
 * the interface of an analyzer module: plain data only (structured clone over IPC).
 */
import type { RecordedStack, StackToRecord } from "../stacks";

/**
 * A module a worker loads by path (the policy check's, the plan's): it turns a recording into the
 * small result the parent keeps and caches. The result must be plain data (it is sent over IPC and
 * cached as JSON) and must depend only on the recording and `payload`.
 */
export interface Analyzer<P, R> {
  analyze(stack: RecordedStack, payload: P): Promise<R> | R;
}

/** One task: record `stack` and analyze it. */
export interface WorkerRequest {
  readonly id: number;
  /** Absolute path of the analyzer module. */
  readonly analyzer: string;
  readonly stack: StackToRecord;
  /** The environment's base outputs, for tenant stacks. */
  readonly baseOutputs?: Record<string, unknown>;
  readonly payload: unknown;
}

/** An error as plain data. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** StackRecordError's stack (offline/stacks.ts). */
  readonly failed?: Pick<RecordedStack, "kind" | "environment" | "tenant" | "source">;
  readonly cause?: { readonly message: string };
}

/** The answer to one task. */
export type WorkerReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly value: unknown;
      /** The base stack's outputs (base tasks only), which its tenants read. */
      readonly outputs?: Record<string, unknown>;
    }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };
