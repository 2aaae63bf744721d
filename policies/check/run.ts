/**
 * The offline policy check: records the base stack in both environments and every registered tenant
 * in each of its environments under Pulumi's mocks (offline/stacks.ts), and evaluates the pack on
 * each with the same harness the tests use. No cloud account, no credentials, no Pulumi CLI.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { Environment } from "../../common";
import { SourceProblem, stackSource } from "../../offline/sources";
import type { RecordedStack, StackFilter } from "../../offline/stacks";
import type { BatchStats } from "../../offline/batch/run";
import type { PlatformPolicy, WaivedViolation } from "../lib/policy";
import { isSelected, Selection, SELECTION_KEY } from "../lib/selection";
import { ALL_POLICIES } from "../registry";
import { evaluate, Violation } from "../engine/harness";

/** Said in every report: what the mocks cannot know. */
export const PLACEHOLDER_NOTE =
  "Programs ran under Pulumi's mocks: values known only after creation (ids, ARNs, endpoints, passwords) are placeholders. " +
  "Policies that compare such values (a rule's security group with a load balancer's) compare consistent placeholders, not real ids; " +
  "`pulumi preview --policy-pack policies` checks the real values.";

/** One recorded stack: offline/stacks.ts's, `source` optional for hand-built ones. */
export type StackRecording = Omit<RecordedStack, "source" | "spec"> & { readonly source?: string };

/** Where stacks come from: `recordAllStacks` of offline/stacks.ts, or a test's own. */
export type StackSource = (filter: StackFilter) => AsyncIterable<StackRecording> | Iterable<StackRecording>;

/** What the check found on one stack. */
export interface StackResult {
  readonly kind: "base" | "tenant";
  readonly stack: string;
  readonly project: string;
  readonly environment: Environment;
  readonly tenant?: string;
  /** The program source a reviewer edits to fix it: infra/index.ts or tenants/registry/<tenant>.yaml. */
  readonly source: string;
  readonly resources: number;
  readonly violations: readonly Violation[];
  readonly waived: readonly WaivedViolation[];
}

/**
 * Why the check could not vouch for every stack:
 * - `registry`: tenants/registry/ could not be loaded (nothing was recorded; exit 2, bad input);
 * - `program`: a stack's program failed to run under mocks (its stack is not checked; exit 1);
 * - `policy`: a policy threw (e.g. invalid policy pack config; exit 1);
 * - `usage`: the command line was wrong (exit 2; machine formats still get a document).
 */
export interface CheckError {
  readonly kind: "registry" | "program" | "policy" | "usage";
  /** One paragraph, what failed and where. */
  readonly message: string;
  /** The stack that failed (program errors). */
  readonly stack?: string;
  /** Each problem with its file and field where known. */
  readonly problems: readonly SourceProblem[];
}

/** The whole check. */
export interface CheckReport {
  /** The stacks checked (up to the failure, when there is an {@link error}). */
  readonly stacks: readonly StackResult[];
  /** The policies that ran (the selection's). */
  readonly policies: readonly PlatformPolicy[];
  /** The selection they were chosen by; empty for every policy. */
  readonly selection?: Selection;
  readonly durationMs: number;
  /** Set when the check could not run to the end. */
  readonly error?: CheckError;
  /** What the parallel run did: stacks recorded, taken from the cache, workers (offline/batch/). */
  readonly batch?: BatchStats;
}

/** Filters and config of a run. */
export interface CheckOptions {
  readonly environment?: Environment;
  readonly tenant?: string;
  readonly config?: PolicyPackConfig;
  /** Which policies run (lib/selection.ts); overrides the config's `selection`. @default every policy */
  readonly selection?: Selection;
  /** @default recordAllStacks() from offline/stacks.ts */
  readonly source?: StackSource;
  /** @default now (waiver expiry) */
  readonly now?: Date;
  /**
   * Worker processes to record in (offline/batch/), or 0 to record one stack after another in this
   * process with no cache (the reference the parallel run is tested against). Ignored with
   * `source`. @default the machine's available parallelism
   */
  readonly workers?: number;
  /** The result cache directory, or false for none (offline/batch/cache.ts). @default .cache/offline */
  readonly cache?: string | false;
  /** The tenant registry. @default tenants/registry */
  readonly registryDir?: string;
  /**
   * The module that checks a recording in a worker. @default ./analyze.ts. Tests name one of
   * policies/testing/ to change recordings before they are checked.
   */
  readonly analyzer?: string;
}

function defaultSource(): StackSource {
  // Loaded lazily: recording needs @pulumi/aws and the programs, which --help and usage errors do not.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stacks = require("../../offline/stacks") as { recordAllStacks: StackSource };
  return stacks.recordAllStacks;
}

/** The filter for offline/stacks.ts: only what the options ask for is recorded. */
export function stackFilter(o: Pick<CheckOptions, "environment" | "tenant" | "registryDir">): StackFilter {
  return {
    ...(o.registryDir !== undefined ? { registryDir: o.registryDir } : {}),
    environments: o.environment ? [o.environment] : undefined,
    tenants: o.tenant ? [o.tenant] : undefined,
    includeBase: o.tenant === undefined,
  };
}

/** True when the stack passes the filters. */
function wanted(s: { environment: Environment; tenant?: string; kind: string }, o: CheckOptions): boolean {
  return (
    (!o.environment || s.environment === o.environment) &&
    (!o.tenant || (s.kind === "tenant" && s.tenant === o.tenant))
  );
}

/** What went wrong, as a {@link CheckError}; offline/stacks.ts's errors carry file and field. */
export function checkErrorOf(error: unknown): CheckError {
  const e = error as Error & {
    name?: string;
    problems?: readonly SourceProblem[];
    failed?: { source: string };
    stackName?: string;
    cause?: unknown;
  };
  if (e?.name === "RegistryLoadError" && Array.isArray(e.problems)) {
    return { kind: "registry", message: e.message, problems: e.problems };
  }
  if (e?.name === "StackRecordError" && e.failed) {
    const cause = (e.cause as Error)?.message ?? String(e.cause);
    return {
      kind: "program",
      message: `the program of stack ${e.stackName} failed to run, so the stack cannot be checked: ${e.message}`,
      stack: e.stackName,
      problems: [{ file: e.failed.source, message: cause }],
    };
  }
  if (e?.name === "PolicyFailure") {
    return { kind: "policy", message: e.message, stack: e.stack, problems: [{ message: e.message }] };
  }
  const message = (e as Error)?.message ?? String(error);
  return {
    kind: "program",
    message: `a program failed to run, so its stack cannot be checked: ${message}`,
    problems: [{ message }],
  };
}

/**
 * A policy threw while checking a stack (invalid config, a bug in a policy). Known by its name, since
 * it also comes back from workers as a plain error (offline/batch/pool.ts keeps name and `stack`).
 */
export class PolicyFailure extends Error {
  constructor(
    readonly stack: string,
    message: string,
  ) {
    super(message);
    this.name = "PolicyFailure";
  }
}

/**
 * Runs the check. Never throws for what a user can cause: a registry that cannot be loaded, a
 * program that fails, a policy that throws end the run with {@link CheckReport.error} set, and the
 * stacks checked until then.
 */
export async function runCheck(options: CheckOptions = {}): Promise<CheckReport> {
  const started = Date.now();
  const stacks: StackResult[] = [];
  const selection = options.selection ?? {};
  const policies = ALL_POLICIES.filter((p) => isSelected(p, selection));
  const run = {
    policies,
    selection,
    config: { ...(options.config ?? {}), [SELECTION_KEY]: { ...selection } },
  };
  const batch: { stats?: BatchStats } = {};
  try {
    await checkEach(options, run, stacks, batch);
  } catch (error) {
    return {
      stacks,
      policies,
      selection,
      durationMs: Date.now() - started,
      error: checkErrorOf(error),
      ...(batch.stats ? { batch: batch.stats } : {}),
    };
  }
  return {
    stacks,
    policies,
    selection,
    durationMs: Date.now() - started,
    ...(batch.stats ? { batch: batch.stats } : {}),
  };
}

/** What checking one stack needs besides the stack: the policies, the pack config, the clock. */
export interface StackCheck {
  readonly policies: readonly PlatformPolicy[];
  readonly config: PolicyPackConfig;
  readonly now?: Date;
}

/**
 * Checks one recorded stack: the sequential run here and the workers (./analyze.ts) both call it.
 * @throws PolicyFailure when a policy throws.
 */
export async function checkStack(s: StackRecording, run: StackCheck): Promise<StackResult> {
  const { recording } = s;
  const evaluation = await evaluate(recording, run.policies, {
    environment: s.environment,
    tenant: s.tenant,
    config: run.config,
    now: run.now,
  }).catch((e: Error) => {
    throw new PolicyFailure(recording.stack, e.message);
  });
  return {
    kind: s.kind,
    stack: recording.stack,
    project: recording.project,
    environment: s.environment,
    tenant: s.tenant,
    source: s.source ?? stackSource(s.kind, s.tenant),
    resources: recording.resources.length,
    violations: evaluation.violations,
    waived: evaluation.waived,
  };
}

async function checkEach(
  options: CheckOptions,
  run: { policies: readonly PlatformPolicy[]; config: PolicyPackConfig },
  stacks: StackResult[],
  batch: { stats?: BatchStats },
): Promise<void> {
  if (options.source === undefined && options.workers !== 0) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const parallel = require("./parallel") as typeof import("./parallel");
    return parallel.checkInWorkers(options, run.config, stacks, batch);
  }
  const source = options.source ?? defaultSource();
  for await (const s of source(stackFilter(options))) {
    if (!wanted(s, options)) {
      continue;
    }
    stacks.push(await checkStack(s, { ...run, now: options.now }));
  }
}

/** Counts by level over some stacks. */
export function totals(stacks: readonly StackResult[]): {
  mandatory: number;
  advisory: number;
  waived: number;
  resources: number;
} {
  let mandatory = 0;
  let advisory = 0;
  let waived = 0;
  let resources = 0;
  for (const s of stacks) {
    mandatory += s.violations.filter((v) => v.level === "mandatory").length;
    advisory += s.violations.filter((v) => v.level === "advisory").length;
    waived += s.waived.length;
    resources += s.resources;
  }
  return { mandatory, advisory, waived, resources };
}

/**
 * 2 when the registry could not be loaded (bad input, nothing checked); 1 when a program or a policy
 * failed or any mandatory violation was found; else 0.
 */
export function exitCodeOf(report: CheckReport): 0 | 1 | 2 {
  if (report.error) {
    return report.error.kind === "registry" || report.error.kind === "usage" ? 2 : 1;
  }
  return totals(report.stacks).mandatory > 0 ? 1 : 0;
}

/** True when the check ran to the end without a mandatory violation. */
export function passed(report: CheckReport): boolean {
  return !report.error && totals(report.stacks).mandatory === 0;
}
