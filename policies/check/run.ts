/**
 * The offline policy check: records the base stack in both environments and every registered tenant
 * in each of its environments under Pulumi's mocks (offline/stacks.ts), and evaluates the pack on
 * each with the same harness the tests use. No cloud account, no credentials, no Pulumi CLI.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { Environment } from "../../common";
import { stackSource } from "../../offline/sources";
import type { RecordedStack, StackFilter } from "../../offline/stacks";
import type { WaivedViolation } from "../lib/policy";
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

/** The whole check. */
export interface CheckReport {
  readonly stacks: readonly StackResult[];
  readonly policies: typeof ALL_POLICIES;
  readonly durationMs: number;
}

/** Filters and config of a run. */
export interface CheckOptions {
  readonly environment?: Environment;
  readonly tenant?: string;
  readonly config?: PolicyPackConfig;
  /** @default recordAllStacks() from offline/stacks.ts */
  readonly source?: StackSource;
  /** @default now (waiver expiry) */
  readonly now?: Date;
}

function defaultSource(): StackSource {
  // Loaded lazily: recording needs @pulumi/aws and the programs, which --help and usage errors do not.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stacks = require("../../offline/stacks") as { recordAllStacks: StackSource };
  return stacks.recordAllStacks;
}

/** The filter for offline/stacks.ts: only what the options ask for is recorded. */
export function stackFilter(o: Pick<CheckOptions, "environment" | "tenant">): StackFilter {
  return {
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

/**
 * Runs the check.
 * @throws when a program fails to record (a config or spec error): the check cannot vouch for it.
 */
export async function runCheck(options: CheckOptions = {}): Promise<CheckReport> {
  const started = Date.now();
  const stacks: StackResult[] = [];
  const source = options.source ?? defaultSource();
  for await (const s of source(stackFilter(options))) {
    if (!wanted(s, options)) {
      continue;
    }
    const { recording } = s;
    const base = {
      kind: s.kind,
      stack: recording.stack,
      project: recording.project,
      environment: s.environment,
      tenant: s.tenant,
      source: s.source ?? stackSource(s.kind, s.tenant),
    };
    const evaluation = await evaluate(recording, ALL_POLICIES, {
      environment: s.environment,
      tenant: s.tenant,
      config: options.config,
      now: options.now,
    });
    stacks.push({
      ...base,
      resources: recording.resources.length,
      violations: evaluation.violations,
      waived: evaluation.waived,
    });
  }
  return { stacks, policies: ALL_POLICIES, durationMs: Date.now() - started };
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

/** 1 when any mandatory violation was found, else 0. */
export function exitCodeOf(report: CheckReport): 0 | 1 {
  return totals(report.stacks).mandatory > 0 ? 1 : 0;
}
