/**
 * `npm run check`: the offline policy check (policies/check/run.ts) with report formats.
 *
 *     npm run check                                   # text summary of every stack
 *     npm run check -- --env staging --tenant acme    # one tenant in one environment
 *     npm run check -- --format sarif --output reports/policies.sarif
 *     npm run check -- --markdown-output "$GITHUB_STEP_SUMMARY" --sarif-output reports/policies.sarif
 *
 * Exit codes: 0 no mandatory violation, 1 mandatory violation(s) or a program that failed to run,
 * 2 usage error.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, CommanderError, Option } from "commander";
import type { PolicyPackConfig } from "@pulumi/policy";
import { ENVIRONMENTS, Environment, problemLines, tenantIdProblems, UsageError } from "../../common";
import { REGISTRY_DISPLAY_DIR, registeredTenantIds, stackSource } from "../../offline/sources";
import { Format, FORMATS, render } from "./formats";
import { CheckOptions, CheckReport, exitCodeOf, runCheck, StackSource } from "./run";

/** Where the CLI writes; tests pass buffers. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** @default fs.writeFileSync (parent directories created) */
  writeFile?(file: string, text: string): void;
}

interface ParsedArgs {
  format: Format;
  output?: string;
  sarifOutput?: string;
  markdownOutput?: string;
  env?: Environment;
  tenant?: string;
  config?: PolicyPackConfig;
}

/** A usage error (exit code 2): one problem, said as it is. */
function usage(message: string): UsageError {
  return new UsageError([{ path: "", message }]);
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
    .addOption(new Option("--env <environment>", "only this environment").choices([...ENVIRONMENTS]))
    .option("--tenant <id>", "only this tenant's stacks")
    .option("--config <file>", "policy pack config JSON (the file --policy-pack-config takes)")
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
    env?: Environment;
    tenant?: string;
    config?: string;
  }>();
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
  return {
    format: o.format,
    output: o.output,
    sarifOutput: o.sarifOutput,
    markdownOutput: o.markdownOutput,
    env: o.env,
    tenant: o.tenant,
    config,
  };
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
      io.stderr(`check: ${problemLines(e.problems).join("\ncheck: ")}\nRun with --help for usage.\n`);
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
    source,
    now,
  };
  if (args.tenant !== undefined) {
    const registered = registeredTenantIds();
    if (!registered.includes(args.tenant)) {
      io.stderr(
        `check: --tenant "${args.tenant}" is not in ${REGISTRY_DISPLAY_DIR}/; registered: ${registered.join(", ") || "none"}\n`,
      );
      return 2;
    }
  }
  let report: CheckReport;
  try {
    report = await runCheck(options);
  } catch (e) {
    io.stderr(`check: a program failed to run, so its stack cannot be checked:\n${(e as Error).message}\n`);
    return 1;
  }
  if (args.tenant && report.stacks.length === 0) {
    io.stderr(
      `check: tenant "${args.tenant}" has no stack${args.env ? ` in ${args.env}` : ""} (see its environments in ${stackSource("tenant", args.tenant)})\n`,
    );
    return 2;
  }
  if (args.output) {
    write(args.output, render(report, args.format));
    io.stdout(render(report, "text"));
    io.stdout(`Wrote the ${args.format} report to ${args.output}.\n`);
  } else {
    io.stdout(render(report, args.format));
  }
  if (args.sarifOutput) {
    write(args.sarifOutput, render(report, "sarif"));
  }
  if (args.markdownOutput) {
    write(args.markdownOutput, render(report, "markdown"));
  }
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
