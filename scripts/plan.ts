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
 */
import { Command, InvalidArgumentError } from "commander";
import { Environment, ENVIRONMENTS, isEnvironment, notOneOf, problemText } from "../common";
import { countByType, RecordedResource } from "../offline/recorder";
import { RecordedStack, recordAllStacks } from "../offline/stacks";

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
  byUrn: ReadonlyMap<string, RecordedResource>,
  resource: RecordedResource,
): RecordedResource | undefined {
  let current: RecordedResource | undefined = resource;
  let top: RecordedResource | undefined;
  while (current) {
    if (!current.custom && current.type !== "pulumi:pulumi:StackReference") {
      top = current;
    }
    current = current.parent ? byUrn.get(current.parent) : undefined;
  }
  return top;
}

/** A stack's title, e.g. `tenant/acme-staging (tenant acme, staging)`. */
export function stackTitle(stack: RecordedStack): string {
  const who = stack.kind === "base" ? "base" : `tenant ${stack.tenant}`;
  return `${stack.recording.project}/${stack.recording.stack} (${who}, ${stack.environment})`;
}

/** The plan of one stack as text lines. */
export function formatStack(stack: RecordedStack): string[] {
  const { recording } = stack;
  const custom = recording.resources.filter((r) => r.custom && !r.read);
  const lines = [`${stackTitle(stack)}: ${custom.length} resources`];
  const groups = new Map<string, RecordedResource[]>();
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
  }>();

  const stacks: RecordedStack[] = [];
  const started = Date.now();
  for await (const stack of recordAllStacks({
    environments: opts.env,
    tenants: opts.tenants ? opts.tenant : [],
    includeBase: opts.base,
  })) {
    stacks.push(stack);
    if (!opts.json && !opts.summary) {
      console.log(formatStack(stack).join("\n") + "\n");
    }
  }
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
            }),
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
