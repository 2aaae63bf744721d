/**
 * `npm run check`: the offline policy check (policies/check/run.ts) with report formats.
 *
 *     npm run check                                   # text summary of every stack
 *     npm run check -- --env staging --tenant acme    # one tenant in one environment
 *     npm run check -- --format sarif --output reports/policies.sarif
 *     npm run check -- --markdown-output "$GITHUB_STEP_SUMMARY" --sarif-output reports/policies.sarif
 *     npm run check -- --controls fsbp --severity high   # only policies implementing FSBP, high or critical
 *
 * Exit codes: 0 no mandatory violation, 1 mandatory violation(s), a program that failed to run or a
 * policy that failed, 2 usage error or a tenant registry that cannot be loaded. Machine formats
 * (json, sarif, junit, github) always print a document, carrying the error when there is one.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, CommanderError, Option } from "commander";
import type { PolicyPackConfig } from "@pulumi/policy";
import { ENVIRONMENTS, Environment, problemLines, tenantIdProblems, UsageError } from "../../common";
import { REGISTRY_DISPLAY_DIR, registeredTenantIds, stackSource } from "../../offline/sources";
import { Format, FORMATS, render } from "./formats";
import { parseSelection, Selection, SELECTION_KEY, SEVERITIES } from "../lib/selection";
import { ALL_POLICIES } from "../registry";
import {
  CheckError,
  checkErrorOf,
  CheckOptions,
  CheckReport,
  exitCodeOf,
  runCheck,
  StackSource,
} from "./run";

/** Where the CLI writes; tests pass buffers. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** @default fs.writeFileSync (parent directories created) */
  writeFile?(file: string, text: string): void;
}

/** A usage error (exit code 2): one problem, said as it is. */
function usage(message: string): UsageError {
  return new UsageError([{ path: "", message }]);
}

interface ParsedArgs {
  format: Format;
  output?: string;
  sarifOutput?: string;
  markdownOutput?: string;
  junitOutput?: string;
  env?: Environment;
  tenant?: string;
  config?: PolicyPackConfig;
  selection: Selection;
  workers?: number;
  cache: boolean;
  registry?: string;
}

function parseArgs(argv: readonly string[], io: CliIO): ParsedArgs | "help" {
  const program = new Command("check")
    .description("Record every stack under mocks and evaluate the policy pack (no cloud, no Pulumi CLI).")
    .addOption(
      new Option("--format <format>", "report format on stdout (or in --output)")
        .choices([...FORMATS])
        .default("text"),
    )
    .option(
      "--output <file>",
      "write the report to this file instead of stdout (a text summary still prints)",
    )
    .option("--sarif-output <file>", "also write SARIF 2.1.0 to this file")
    .option("--markdown-output <file>", "also write the Markdown summary to this file")
    .option("--junit-output <file>", "also write JUnit XML to this file")
    .addOption(new Option("--env <environment>", "only this environment").choices([...ENVIRONMENTS]))
    .option("--tenant <id>", "only this tenant's stacks")
    .option("--config <file>", "policy pack config JSON (the file --policy-pack-config takes)")
    .option(
      "--controls <frameworks>",
      "only policies implementing controls of these frameworks: fsbp, cis (comma-separated)",
    )
    .addOption(
      new Option("--severity <severity>", "only policies of at least this severity").choices([...SEVERITIES]),
    )
    .option(
      "--workers <n>",
      "record in this many worker processes; 0 records one stack after another in this process, uncached (default: the machine's cores)",
    )
    .option(
      "--no-cache",
      "do not read or write the result cache (.cache/offline/, or PLATFORM_OFFLINE_CACHE)",
    )
    .option("--registry <dir>", "the tenant registry directory (default: tenants/registry)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: () => undefined })
    .allowExcessArguments(false);
  try {
    program.parse([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") {
        return "help";
      }
      throw usage(e.message.replace(/^error: /, ""));
    }
    throw e;
  }
  const o = program.opts<{
    format: Format;
    output?: string;
    sarifOutput?: string;
    markdownOutput?: string;
    junitOutput?: string;
    env?: Environment;
    tenant?: string;
    config?: string;
    controls?: string;
    severity?: string;
    workers?: string;
    cache: boolean;
    registry?: string;
  }>();
  const workers = o.workers === undefined ? undefined : Number(o.workers);
  if (workers !== undefined && (!/^\d+$/.test(o.workers as string) || !Number.isSafeInteger(workers))) {
    throw usage(`--workers "${o.workers}": not a whole number; use 0 (in this process) or more`);
  }
  const tenantProblems = o.tenant === undefined ? [] : tenantIdProblems(o.tenant);
  if (tenantProblems.length > 0) {
    throw usage(`--tenant "${o.tenant}": ${tenantProblems.join("; ")}`);
  }
  let config: PolicyPackConfig | undefined;
  if (o.config !== undefined) {
    try {
      config = JSON.parse(fs.readFileSync(o.config, "utf8"));
    } catch (e) {
      throw usage(`--config "${o.config}": cannot read a JSON policy pack config (${(e as Error).message})`);
    }
  }
  // The config file's selection, then the flags over it, key by key; each is named as the user wrote it.
  const fromFile = parseSelection(config?.[SELECTION_KEY], `--config "${o.config}": selection`);
  const flags = {
    ...(o.controls !== undefined ? { controls: o.controls.split(",").map((f) => f.trim()) } : {}),
    ...(o.severity !== undefined ? { severity: o.severity } : {}),
  };
  const fromFlags = parseSelection(flags, "--");
  const problems = [
    ...(fromFile.problems ?? []),
    ...(fromFlags.problems ?? []).map((p) => p.replace(/^--\./, "--")),
  ];
  if (problems.length > 0) {
    throw usage(problems.join("; "));
  }
  const parsed = { selection: { ...fromFile.selection, ...fromFlags.selection } as Selection };
  return {
    selection: parsed.selection,
    format: o.format,
    output: o.output,
    sarifOutput: o.sarifOutput,
    markdownOutput: o.markdownOutput,
    junitOutput: o.junitOutput,
    env: o.env,
    tenant: o.tenant,
    config,
    workers,
    cache: o.cache,
    registry: o.registry,
  };
}

/** The `--format` the command line asks for, read before parsing so a usage error still gets one. */
function requestedFormat(argv: readonly string[]): Format {
  const i = argv.findIndex((a) => a === "--format" || a.startsWith("--format="));
  const value = i < 0 ? undefined : argv[i].includes("=") ? argv[i].slice("--format=".length) : argv[i + 1];
  return (FORMATS as readonly string[]).includes(value ?? "") ? (value as Format) : "text";
}

/** Formats that tools read: they always get a document, carrying the error when there is one. */
const MACHINE_FORMATS: readonly Format[] = FORMATS.filter((f) => f !== "text" && f !== "markdown");

/** A report of a run that stopped before checking anything. */
function failedReport(error: CheckError): CheckReport {
  return { stacks: [], policies: ALL_POLICIES, durationMs: 0, error };
}

function defaultWrite(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * Runs the CLI and returns its exit code.
 * @param source where stacks come from. @default recordAllStacks() (offline/stacks.ts)
 */
export async function main(
  argv: readonly string[],
  io: CliIO,
  source?: StackSource,
  now?: Date,
): Promise<number> {
  let args: ParsedArgs | "help";
  try {
    args = parseArgs(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      const message = problemLines(e.problems).join("; ");
      io.stderr(`check: ${problemLines(e.problems).join("\ncheck: ")}\nRun with --help for usage.\n`);
      const format = requestedFormat(argv);
      if (MACHINE_FORMATS.includes(format)) {
        io.stdout(render(failedReport({ kind: "usage", message, problems: [{ message }] }), format));
      }
      return 2;
    }
    throw e;
  }
  if (args === "help") {
    return 0;
  }
  const write = io.writeFile ?? defaultWrite;
  const options: CheckOptions = {
    environment: args.env,
    tenant: args.tenant,
    config: args.config,
    selection: args.selection,
    source,
    now,
    workers: args.workers,
    ...(args.cache ? {} : { cache: false as const }),
    ...(args.registry !== undefined ? { registryDir: args.registry } : {}),
  };
  const machine = MACHINE_FORMATS.includes(args.format);
  const fail = (report: CheckReport): number => {
    const error = report.error as CheckError;
    io.stderr(`check: ${error.message}\n`);
    emit(report);
    return exitCodeOf(report);
  };
  const emit = (report: CheckReport): void => {
    if (args.output) {
      write(args.output, render(report, args.format));
      io.stdout(render(report, "text"));
      io.stdout(`Wrote the ${args.format} report to ${args.output}.\n`);
    } else if (machine || !report.error) {
      io.stdout(render(report, args.format));
    }
    if (args.sarifOutput) {
      write(args.sarifOutput, render(report, "sarif"));
    }
    if (args.markdownOutput) {
      write(args.markdownOutput, render(report, "markdown"));
    }
    if (args.junitOutput) {
      write(args.junitOutput, render(report, "junit"));
    }
  };
  if (args.tenant !== undefined) {
    let registered: string[];
    try {
      registered = registeredTenantIds(args.registry);
    } catch (e) {
      return fail(failedReport(checkErrorOf(e)));
    }
    if (!registered.includes(args.tenant)) {
      const message = `--tenant "${args.tenant}" is not in ${REGISTRY_DISPLAY_DIR}/; registered: ${registered.join(", ") || "none"}`;
      return fail(failedReport({ kind: "usage", message, problems: [{ message }] }));
    }
  }
  const report = await runCheck(options);
  if (report.error) {
    return fail(report);
  }
  if (args.tenant && report.stacks.length === 0) {
    const message = `tenant "${args.tenant}" has no stack${args.env ? ` in ${args.env}` : ""} (see its environments in ${stackSource("tenant", args.tenant)})`;
    return fail(
      failedReport({
        kind: "usage",
        message,
        problems: [{ file: stackSource("tenant", args.tenant), message }],
      }),
    );
  }
  emit(report);
  return exitCodeOf(report);
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`check: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
