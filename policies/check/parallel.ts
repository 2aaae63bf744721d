/**
 * The policy check across worker processes with the result cache (offline/batch/): what
 * `npm run check` runs unless told `--workers 0`. Same verdicts as the sequential run (see
 * parallel.test.ts): each worker checks a stack with the same {@link checkStack}.
 *
 * Its cache key adds to the program sources (offline/batch/run.ts) the policy sources
 * (`policies/`), the waiver file, the pack config and selection, and which waivers have expired at
 * the run's clock (the only way the clock changes a verdict).
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import * as fs from "fs";
import * as path from "path";
import { BatchOptions, BatchStats, runBatch } from "../../offline/batch/run";
import { isExpired, parseWaivers, WAIVERS_FILE } from "../lib/waivers";
import type { CheckPayload } from "./analyze";
import { CheckOptions, stackFilter, StackResult } from "./run";

/** The default analyzer: ./analyze.ts. */
const ANALYZER = path.join(__dirname, "analyze.ts");

/** Which waivers have expired at `now`; undefined when the file does not parse. */
function waiverExpiry(now: Date): boolean[] | undefined {
  try {
    return parseWaivers(fs.readFileSync(WAIVERS_FILE, "utf8")).map((w) => isExpired(w, now));
  } catch {
    // The workers fail on it the same way; failures are never cached.
    return undefined;
  }
}

/** The batch a check runs: its analyzer, payload, key and key sources (exported for the tests). */
export function checkBatch(options: CheckOptions, config: PolicyPackConfig): BatchOptions<CheckPayload> {
  const now = options.now ?? new Date();
  const waivers = path.resolve(WAIVERS_FILE);
  return {
    filter: stackFilter(options),
    analyzer: options.analyzer ?? ANALYZER,
    payload: { config, ...(options.now ? { now: options.now.toISOString() } : {}) },
    key: { config, waiversExpired: waiverExpiry(now) },
    keySources: ["policies", ...(fs.existsSync(waivers) ? [waivers] : [])],
    workers: options.workers,
    cache: options.cache,
  };
}

/**
 * Checks the stacks the options select in workers, pushing each result onto `into` in the
 * sequential run's order, and the batch's stats onto `batch`.
 * @throws the first stack's error (a program that failed, a policy that threw) after pushing the
 * stacks before it; a registry error.
 */
export async function checkInWorkers(
  options: CheckOptions,
  config: PolicyPackConfig,
  into: StackResult[],
  batch: { stats?: BatchStats } = {},
): Promise<void> {
  const { items, stats } = await runBatch<CheckPayload, StackResult>(checkBatch(options, config));
  batch.stats = stats;
  for (const item of items) {
    if (item.error) {
      throw item.error;
    }
    into.push(item.value as StackResult);
  }
}
