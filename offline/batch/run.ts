/**
 * Records many stacks and analyzes each (the policy check, the plan) across worker processes, with
 * a content-addressed cache of the results (./cache.ts): a stack whose inputs have not changed is
 * not recorded again.
 *
 * A result's key covers everything it depends on:
 * - the program sources ({@link PROGRAM_SOURCES}: common/, infra/, tenants/ without the registry,
 *   offline/, release/, app/, the Pulumi.*.yaml files, package.json, the lockfile, tsconfig.json)
 *   and the caller's own (`keySources`: the policy sources and the waiver file for the check);
 * - the analyzer module and its `payload` (the check's policy config and selection);
 * - the stack: kind and environment; a tenant's spec (as parsed) and its environment's base
 *   outputs (a base stack's outputs come from the base recording, itself cached);
 * - the Node version and the cache format.
 *
 * Results come back in the order the sequential run yields them (environment by environment, base
 * then tenants by id); a stack that fails ends the list, as it ends the sequential run.
 */
import * as path from "path";
import { EnvironmentStacks, StackFilter, StackToRecord, stacksToRecord } from "../stacks";
import { cacheDir, digestOf, REPO_ROOT, ResultCache, sourceFiles, sourcesDigest } from "./cache";
import { PoolStats, WorkerPool } from "./pool";

/** Bumped when the format of entries or of keys changes. */
const CACHE_FORMAT = 1;

/** What a recording depends on in the repository, besides the registry. */
export const PROGRAM_SOURCES: readonly string[] = Object.freeze([
  "common",
  "infra",
  "tenants",
  "offline",
  "release",
  "app",
  "Pulumi.yaml",
  "Pulumi.staging.yaml",
  "Pulumi.production.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
]);

/** Left out of {@link PROGRAM_SOURCES}: the registry (each spec is part of its own stack's key). */
export const NOT_PROGRAM_SOURCES: readonly string[] = Object.freeze(["tenants/registry"]);

/** How to run a batch. */
export interface BatchOptions<P> {
  readonly filter: StackFilter;
  /** Absolute path of the analyzer module (./protocol.ts `Analyzer`). */
  readonly analyzer: string;
  /** Passed to every `analyze` call. Plain data. */
  readonly payload: P;
  /**
   * What of the payload (and beyond) the results depend on, in every key; plain data.
   * @default the payload
   */
  readonly key?: unknown;
  /**
   * More files or directories the results depend on (repository-relative or absolute), e.g.
   * `policies` and the waiver file. @default none
   */
  readonly keySources?: readonly string[];
  /** Worker processes. @default the machine's available parallelism */
  readonly workers?: number;
  /** The cache directory, or false for none. @default cacheDir() (./cache.ts) */
  readonly cache?: string | false;
  /** Called as each result arrives (any order). */
  readonly onResult?: (item: BatchItem<unknown>) => void;
}

/** One stack's outcome. */
export interface BatchItem<R> {
  readonly stack: StackToRecord;
  readonly value?: R;
  readonly error?: Error;
  /** True when the value came from the cache. */
  readonly cached: boolean;
}

/** What a batch cost. */
export interface BatchStats {
  readonly stacks: number;
  readonly cacheHits: number;
  readonly recorded: number;
  readonly workers: PoolStats;
}

/** The outcome of a batch, in the sequential run's order, up to and including the first failure. */
export interface BatchResult<R> {
  readonly items: readonly BatchItem<R>[];
  readonly stats: BatchStats;
}

/** The worker count asked for, checked. */
function workerCount(requested: number | undefined): number {
  if (requested === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const os = require("os") as typeof import("os");
    return Math.max(1, os.availableParallelism());
  }
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`workers: ${requested} is not allowed; use a whole number, at least 1`);
  }
  return requested;
}

/**
 * The part of every key that all stacks of a batch share: sources, analyzer, key payload.
 * @param root the repository root (tests pass a copy). @default the repository
 */
export function commonKey(
  options: Pick<BatchOptions<unknown>, "analyzer" | "payload" | "key" | "keySources">,
  root: string = REPO_ROOT,
): string {
  const files = [
    ...sourceFiles(PROGRAM_SOURCES, NOT_PROGRAM_SOURCES, root),
    ...sourceFiles(
      (options.keySources ?? []).filter((s) => !path.isAbsolute(s)),
      [],
      root,
    ),
  ];
  const absolute = (options.keySources ?? []).filter((s) => path.isAbsolute(s));
  return digestOf({
    format: CACHE_FORMAT,
    node: process.version,
    sources: sourcesDigest([...new Set(files)].sort(), root),
    absolute: absolute.map((file) => ({ file, digest: sourcesDigest([file]) })),
    analyzer: path.relative(root, options.analyzer),
    key: options.key === undefined ? options.payload : options.key,
  });
}

/** A stack's key, given the common key and (tenants) its base outputs. */
export function stackKey(common: string, stack: StackToRecord, baseOutputs?: unknown): string {
  return digestOf({
    common,
    kind: stack.kind,
    environment: stack.environment,
    ...(stack.kind === "tenant" ? { spec: stack.spec, baseOutputs } : { config: stack.config ?? {} }),
  });
}

interface Cached {
  value: unknown;
  outputs?: Record<string, unknown>;
}

/**
 * Runs the batch.
 * @throws what {@link stacksToRecord} throws (the registry cannot be loaded, an unknown tenant), and
 * an Error for bad options; a stack that fails is an item with `error`, not a throw.
 */
export async function runBatch<P, R>(options: BatchOptions<P>): Promise<BatchResult<R>> {
  const environments = stacksToRecord(options.filter);
  const size = workerCount(options.workers);
  const root = options.cache === undefined ? cacheDir() : options.cache;
  const cache = root === false ? undefined : new ResultCache(root);
  const common = commonKey(options as BatchOptions<unknown>);
  const pool = new WorkerPool({ size, cacheRoot: root === false ? cacheDir() : root });
  let hits = 0;
  let recorded = 0;

  const one = async (
    stack: StackToRecord,
    baseOutputs?: Record<string, unknown>,
  ): Promise<BatchItem<R> & Cached> => {
    const key = stackKey(common, stack, baseOutputs);
    const hit = cache?.get<Cached>(key);
    if (hit) {
      hits++;
      const item = { stack, value: hit.value as R, outputs: hit.outputs, cached: true };
      options.onResult?.(item);
      return item;
    }
    try {
      recorded++;
      const done = await pool.run({
        analyzer: options.analyzer,
        stack,
        baseOutputs,
        payload: options.payload,
      });
      cache?.put(key, { value: done.value, ...(done.outputs ? { outputs: done.outputs } : {}) });
      const item = { stack, value: done.value as R, outputs: done.outputs, cached: false };
      options.onResult?.(item);
      return item;
    } catch (error) {
      const item = { stack, error: error as Error, value: undefined, cached: false };
      options.onResult?.(item);
      return item;
    }
  };

  const perEnvironment = async (env: EnvironmentStacks): Promise<BatchItem<R>[]> => {
    const base = await one(env.base);
    if (base.error) {
      return [strip(base)];
    }
    // Keys need the base outputs, and the base's own outputs are exactly what the tenants read.
    const tenants = await Promise.all(env.tenants.map((t) => one(t, base.outputs)));
    return [...(env.reportBase ? [strip(base)] : []), ...tenants.map(strip)];
  };

  let results: BatchItem<R>[][];
  let workers: PoolStats;
  try {
    results = await Promise.all(environments.map(perEnvironment));
  } finally {
    workers = await pool.close();
  }
  cache?.prune();
  const ordered = results.flat();
  const failed = ordered.findIndex((i) => i.error);
  const items = failed < 0 ? ordered : ordered.slice(0, failed + 1);
  return { items, stats: { stacks: ordered.length, cacheHits: hits, recorded, workers } };
}

function strip<R>(item: BatchItem<R> & Cached): BatchItem<R> {
  return { stack: item.stack, value: item.value, error: item.error, cached: item.cached };
}
