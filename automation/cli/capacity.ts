/**
 * `npm run capacity`: what the registry needs of an environment's AWS account against its quotas
 * (automation/capacity.ts, common/quotas.ts), with the headroom and the increases to request.
 *
 *     npm run capacity -- --env production
 *     npm run capacity -- --env staging --json
 *
 * Exit codes: 0 every quota holds, 1 a quota would be exceeded, 2 usage or input error (a bad
 * flag, an invalid registry, an invalid `platform:quotas`).
 */
import { Command, CommanderError, Option } from "commander";
import { ENVIRONMENTS, Environment, environmentProblem, problemLines, UsageError } from "../../common";
import { loadRegistry, RegistryError } from "../../tenants/registry";
import { capacityReport, CapacityReport, CapacityRow } from "../capacity";
import { CliIO, processIO } from "./io";
import { runEntry } from "./run";

/** Where the CLI writes; tests pass buffers. */
export type CapacityIO = CliIO;

/** What {@link main} may be given instead of the defaults, for tests. */
export interface CapacityDeps {
  /** @default the base stack's config of Pulumi.yaml and Pulumi.<env>.yaml */
  readonly baseConfig?: Readonly<Record<string, string>>;
}

const STATUS_WORD: Readonly<Record<CapacityRow["status"], string>> = {
  ok: "ok",
  near: "NEAR",
  exceeded: "EXCEEDED",
};

/** The report as a table, the assumptions and the quota increases to request. */
export function renderCapacity(report: CapacityReport): string {
  const tiers = Object.entries(report.tenants)
    .map(([tier, n]) => `${n} ${tier}`)
    .join(", ");
  const header = ["QUOTA", "SCOPE", "NEEDED", "LIMIT", "HEADROOM", "STATUS"];
  const rows = report.rows.map((r) => [
    r.quota.name,
    r.quota.scope,
    String(r.needed),
    `${r.limit}${r.raised ? " (raised)" : ""}`,
    String(r.headroom),
    STATUS_WORD[r.status],
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const out = [
    `capacity of ${report.environment}: ${tiers} tenant(s)`,
    "",
    line(header),
    ...rows.map(line),
    "",
    ...report.assumptions.map((a) => `assumes ${a}`),
  ];
  const act = report.rows.filter((r) => r.status !== "ok");
  if (act.length > 0) {
    out.push("", "to do:");
    for (const r of act) {
      out.push(
        r.requestAtLeast !== undefined
          ? `- ${r.quota.service}: request "${r.quota.name}" of at least ${r.requestAtLeast} ` +
              `(needed ${r.needed}, ${r.raised ? "raised to" : "default"} ${r.limit}); then record it: ` +
              `pulumi config set platform:quotas '{"${r.quota.id}": ${r.requestAtLeast}}' -s ${report.environment}`
          : `- ${r.quota.service}: "${r.quota.name}" is a hard limit (${r.limit}, needed ${r.needed}); ` +
              `${r.quota.workaround ?? "reduce what needs it"}`,
      );
    }
  }
  return `${out.join("\n")}\n`;
}

interface Args {
  readonly env: Environment;
  readonly json: boolean;
  readonly registry?: string;
}

/** A usage error (exit 2): one problem, said as it is. */
function usage(message: string): UsageError {
  return new UsageError([{ path: "", message }]);
}

function parseArgs(argv: readonly string[], io: CapacityIO): Args | "help" {
  const program = new Command("capacity")
    .description("Compare what the registry needs of an environment with the AWS account's quotas.")
    .addOption(new Option("--env <environment>", `the environment (${ENVIRONMENTS.join(", ")})`))
    .option("--json", "print the report as one JSON document")
    .option("--registry <dir>", "tenant registry directory (default tenants/registry)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: () => undefined });
  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError && error.code === "commander.helpDisplayed") {
      return "help";
    }
    throw usage((error as Error).message.replace(/^error: /, ""));
  }
  const opts = program.opts<{ env?: string; json?: boolean; registry?: string }>();
  const envProblem = environmentProblem("--env", opts.env);
  if (envProblem) {
    throw new UsageError([envProblem]);
  }
  return { env: opts.env as Environment, json: opts.json === true, registry: opts.registry };
}

/** Runs the CLI and returns its exit code. */
export async function main(
  argv: readonly string[],
  io: CapacityIO,
  deps: CapacityDeps = {},
): Promise<number> {
  let args: Args | "help";
  try {
    args = parseArgs(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `capacity: ${problemLines(error.problems).join("\ncapacity: ")}\nRun with --help for usage.\n`,
      );
      return 2;
    }
    throw error;
  }
  if (args === "help") {
    return 0;
  }
  let report: CapacityReport;
  try {
    const specs = loadRegistry(args.registry);
    report = await capacityReport({ environment: args.env, specs, baseConfig: deps.baseConfig });
  } catch (error) {
    const message = error instanceof RegistryError ? error.message : (error as Error).message;
    io.stderr(`capacity: ${message}\n`);
    if (args.json) {
      io.stdout(`${JSON.stringify({ ok: false, error: { message } }, null, 2)}\n`);
    }
    return 2;
  }
  if (args.json) {
    io.stdout(`${JSON.stringify({ ok: !report.exceeded, ...report }, null, 2)}\n`);
  } else {
    io.stdout(renderCapacity(report));
  }
  return report.exceeded ? 1 : 0;
}

if (require.main === module) {
  void runEntry((argv) => main(argv, processIO)).then((code) => {
    process.exitCode = code;
  });
}
