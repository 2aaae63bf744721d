/**
 * `npm run plan`: the offline plan. Runs the base stack (per environment) and every registered
 * tenant under Pulumi's mocks and prints what each stack would create, grouped by component and
 * type, with counts. Needs no cloud account and no Pulumi CLI.
 *
 *   npm run plan                              every stack
 *   npm run plan -- --env staging             one environment
 *   npm run plan -- --tenant acme --no-base   one tenant, without the base stacks
 *   npm run plan -- --summary                 one line per stack
 *   npm run plan -- --json                    machine-readable
 *   npm run plan -- --workers 0 --no-cache    one stack after another in this process, uncached
 *
 * Stacks are recorded in worker processes and their plans kept in the offline result cache
 * (offline/batch/; docs/policies.md, "The result cache"), as the policy check does.
 */
import { Command, InvalidArgumentError } from "commander";
import { Environment, ENVIRONMENTS, isEnvironment, notOneOf, problemText } from "../common";
import * as path from "path";
import { runBatch } from "../offline/batch/run";
import { countByType, Recording } from "../offline/recorder";
import { recordAllStacks, StackFilter } from "../offline/stacks";
import { PlanResource, PlanStack, planStackOf } from "./plan-analyze";

const PLACEHOLDER_NOTE =
  "Offline plan under Pulumi's mocks: no cloud calls were made. Values AWS assigns at creation " +
  "(ids, ARNs, endpoints, generated passwords) are placeholders.";

function environmentOption(value: string, previous: Environment[] = []): Environment[] {
  if (!isEnvironment(value)) {
    throw new InvalidArgumentError(problemText(notOneOf("--env", value, ENVIRONMENTS)));
  }
  return [...previous, value];
}

function tenantOption(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The top-level component a resource belongs to (its ancestor directly under the stack). */
function componentOf(
  byUrn: ReadonlyMap<string, PlanResource>,
  resource: PlanResource,
): PlanResource | undefined {
  let current: PlanResource | undefined = resource;
  let top: PlanResource | undefined;
  while (current) {
    if (!current.custom && current.type !== "pulumi:pulumi:StackReference") {
      top = current;
    }
    current = current.parent ? byUrn.get(current.parent) : undefined;
  }
  return top;
}

/** A stack's title, e.g. `tenant/acme-staging (tenant acme, staging)`. */
export function stackTitle(stack: PlanStack): string {
  const who = stack.kind === "base" ? "base" : `tenant ${stack.tenant}`;
  return `${stack.recording.project}/${stack.recording.stack} (${who}, ${stack.environment})`;
}

/** The plan of one stack as text lines. */
export function formatStack(stack: PlanStack): string[] {
  const { recording } = stack;
  const custom = recording.resources.filter((r) => r.custom && !r.read);
  const lines = [`${stackTitle(stack)}: ${custom.length} resources`];
  const groups = new Map<string, PlanResource[]>();
  const byUrn = new Map(recording.resources.map((r) => [r.urn, r]));
  for (const r of custom) {
    const component = componentOf(byUrn, r);
    const key = component ? `${component.name} [${component.type}]` : "(stack root)";
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [group, members] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${group}: ${members.length}`);
    const byType = new Map<string, string[]>();
    for (const r of members) {
      byType.set(r.type, [...(byType.get(r.type) ?? []), r.name]);
    }
    for (const [type, names] of [...byType.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const shown = names.length > 4 ? [...names.slice(0, 4), `… ${names.length - 4} more`] : names;
      lines.push(`    ${String(names.length).padStart(3)}  ${type.padEnd(68)} ${shown.join(", ")}`);
    }
  }
  return lines;
}

/** How to plan: which stacks, and where (workers and cache, or in this process). */
export interface PlanOptions {
  readonly filter: StackFilter;
  /** Worker processes, or 0 for one stack after another in this process, uncached. @default the cores */
  readonly workers?: number;
  /** The result cache directory, or false for none. @default .cache/offline */
  readonly cache?: string | false;
  /** Called with each stack's plan in order, as soon as it and those before it are known. */
  readonly onStack?: (stack: PlanStack) => void;
}

/**
 * The plan of every selected stack, in the sequential run's order.
 * @throws the first stack's error (after the stacks before it were passed to onStack), a registry error.
 */
export async function planStacks(options: PlanOptions): Promise<PlanStack[]> {
  const stacks: PlanStack[] = [];
  const emit = (s: PlanStack) => {
    stacks.push(s);
    options.onStack?.(s);
  };
  if (options.workers === 0) {
    for await (const stack of recordAllStacks(options.filter)) {
      emit(planStackOf(stack));
    }
    return stacks;
  }
  const { items } = await runBatch<Record<string, never>, PlanStack>({
    filter: options.filter,
    analyzer: path.join(__dirname, "plan-analyze.ts"),
    payload: {},
    workers: options.workers,
    cache: options.cache,
  });
  for (const item of items) {
    if (item.error) {
      throw item.error;
    }
    emit(item.value as PlanStack);
  }
  return stacks;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command("plan")
    .description("Print what every stack would create, offline, under Pulumi's mocks")
    .option(
      "--env <environment>",
      `environment to plan (${ENVIRONMENTS.join(", ")}); repeatable`,
      environmentOption,
    )
    .option("--tenant <id>", "tenant to plan; repeatable (default: every registered tenant)", tenantOption)
    .option("--no-base", "leave out the base stacks")
    .option("--no-tenants", "leave out the tenant stacks")
    .option("--summary", "one line per stack and the totals by type")
    .option("--json", "print JSON: stacks with their resources and counts by type")
    .option("--workers <n>", "worker processes; 0 records in this process, uncached (default: the cores)")
    .option(
      "--no-cache",
      "do not read or write the result cache (.cache/offline/, or PLATFORM_OFFLINE_CACHE)",
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts<{
    env?: Environment[];
    tenant?: string[];
    base: boolean;
    tenants: boolean;
    summary?: boolean;
    json?: boolean;
    workers?: string;
    cache: boolean;
  }>();
  if (opts.workers !== undefined && !/^\d+$/.test(opts.workers)) {
    process.stderr.write(
      `plan: --workers "${opts.workers}": not a whole number; use 0 (in this process) or more\n`,
    );
    return 2;
  }

  const started = Date.now();
  const stacks = await planStacks({
    filter: { environments: opts.env, tenants: opts.tenants ? opts.tenant : [], includeBase: opts.base },
    workers: opts.workers === undefined ? undefined : Number(opts.workers),
    ...(opts.cache ? {} : { cache: false as const }),
    onStack: (stack) => {
      if (!opts.json && !opts.summary) {
        console.log(formatStack(stack).join("\n") + "\n");
      }
    },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          note: PLACEHOLDER_NOTE,
          stacks: stacks.map((s) => ({
            project: s.recording.project,
            stack: s.recording.stack,
            kind: s.kind,
            environment: s.environment,
            tenant: s.tenant,
            counts: countByType({
              ...s.recording,
              resources: s.recording.resources.filter((r) => r.custom && !r.read),
            } as unknown as Recording),
            resources: s.recording.resources.map((r) => ({
              type: r.type,
              name: r.name,
              urn: r.urn,
              parent: r.parent,
            })),
          })),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const width = Math.max(...stacks.map((s) => stackTitle(s).length), 10);
  console.log(`${"stack".padEnd(width)}  resources`);
  for (const s of stacks) {
    console.log(
      `${stackTitle(s).padEnd(width)}  ${s.recording.resources.filter((r) => r.custom && !r.read).length}`,
    );
  }
  console.log(`\n${stacks.length} stacks recorded in ${seconds}s.\n${PLACEHOLDER_NOTE}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`plan: ${error.message}`);
      process.exit(1);
    },
  );
}
