/**
 * What the `tenant` and `fleet` CLIs share: settings and program selection, output (progress lines
 * for people, `--json` for machines) and the mapping of every failure to an exit code.
 */
import * as path from "path";
import { Command, Option } from "commander";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { loadAppSecrets, loadDecommission } from "../../tenants/config";
import type * as TenantProgramModule from "../../tenants/program";
import { RegistryError } from "../../tenants/registry";
import { TenantSpecError } from "../../tenants/spec";
import { LocalEngine } from "../engine/localEngine";
import { EXIT_CODES, TenantOperationError } from "../errors";
import { progressPrinter } from "../events";
import { TenantProgram, TenantService } from "../service";
import { AutomationSettings, cloudBanner, resolveSettings, SettingsError } from "../settings";
import { testTenantProgram } from "../testprogram/programs";

/** Which tenant program the CLI runs. */
export const PROGRAMS = ["real", "test"] as const;
/** One of {@link PROGRAMS}. */
export type ProgramName = (typeof PROGRAMS)[number];

/** Options every command takes. */
export interface CommonOptions {
  json?: boolean;
  program?: string;
  secretsProvider?: string;
  registry?: string;
  verbose?: boolean;
}

/** Adds the shared options to a command. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option("--json", "print one JSON document on stdout (progress goes to stderr)")
    .addOption(
      new Option(
        "--program <name>",
        "tenant program: real (tenants/program.ts) or test (automation/testprogram)",
      ).env("PLATFORM_TENANT_PROGRAM"),
    )
    .option(
      "--secrets-provider <url>",
      "secrets provider for new stacks: passphrase (default) or awskms://<key>, ...",
    )
    .option("--registry <dir>", "tenant registry directory (default tenants/registry)")
    .option("-v, --verbose", "also print unchanged resources");
}

/** A thrown usage problem: every problem, before anything runs. Exit code 2. */
export class UsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid input:\n  - ${problems.join("\n  - ")}`);
    this.name = "UsageError";
  }
}

/** The service, its settings and the output helpers of one CLI run. */
export interface CliContext {
  readonly settings: AutomationSettings;
  readonly service: TenantService;
  readonly program: ProgramName;
  readonly json: boolean;
  /** A line for people (stdout, or stderr under --json). */
  readonly say: (line: string) => void;
  /** Progress of one stack from its engine events. */
  readonly progress: (stack: string) => (event: EngineEvent) => void;
}

/** Builds the context: settings (all problems at once), engine, program. */
export function cliContext(opts: CommonOptions): CliContext {
  const program = (opts.program ?? "real") as ProgramName;
  if (!(PROGRAMS as readonly string[]).includes(program)) {
    throw new UsageError([
      `--program (PLATFORM_TENANT_PROGRAM): ${JSON.stringify(program)} is not one of ${PROGRAMS.join(", ")}`,
    ]);
  }
  const settings = resolveSettings({ secretsProvider: opts.secretsProvider });
  const json = opts.json === true;
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const banner = cloudBanner(settings);
  if (banner !== undefined) {
    say(banner);
  }
  return {
    settings,
    program,
    json,
    say,
    service: new TenantService({
      engine: new LocalEngine(settings),
      program: loadProgram(program, settings),
    }),
    progress: (stack) => progressPrinter(stack, say, { verbose: opts.verbose }),
  };
}

/**
 * The tenant program. `real` loads tenants/program.ts only when asked (it pulls in the AWS SDK);
 * `test` is configured from PLATFORM_TEST_* variables (docs/automation.md, "Test program").
 */
export function loadProgram(name: ProgramName, settings: AutomationSettings): TenantProgram {
  if (name === "test") {
    const failTenants = (process.env.PLATFORM_TEST_FAIL_TENANTS ?? "").split(",").filter((t) => t !== "");
    return testTenantProgram({
      cloudDir: process.env.PLATFORM_TEST_CLOUD_DIR ?? path.join(settings.workDir, "test-cloud"),
      delayMs: Number(process.env.PLATFORM_TEST_DELAY_MS ?? "0"),
      failTenants,
    });
  }
  return (spec, environment, baseStackName) => async () => {
    // Loaded on first use: test mode and `list`/`status` never pay for the AWS SDK.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("../../tenants/program") as typeof TenantProgramModule;
    // `tenant:decommission` (set by offboard) and `tenant:secrets` (`--secret`) are stack config
    // the program reads itself: the secrets' values only ever as a secret Output.
    return {
      ...(await mod.createTenantStack(spec, environment, baseStackName, {
        decommission: loadDecommission(),
        appSecrets: loadAppSecrets(),
      })),
    };
  };
}

/** Parses a positive whole number flag. */
export function wholeNumber(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${flag}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
    return undefined;
  }
  return n;
}

/**
 * Runs a command body and exits with its code: 0, or the exit code of the error (docs/automation.md,
 * "Error model"). Errors go to stderr, and under --json also as a JSON document on stdout.
 */
export async function runCommand(json: boolean, body: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    code = reportError(error, json);
  }
  // Pending handles of finished operations must not keep the process alive.
  process.exit(code);
}

/** Prints an error and returns its exit code. */
export function reportError(error: unknown, json: boolean): number {
  let code: number = EXIT_CODES.failed;
  let doc: Record<string, unknown>;
  if (error instanceof TenantOperationError) {
    code = error.exitCode;
    doc = error.toJSON();
  } else if (error instanceof UsageError || error instanceof SettingsError) {
    code = EXIT_CODES.invalidInput;
    doc = { kind: "invalid-input", exitCode: code, message: error.message, problems: error.problems };
  } else if (error instanceof TenantSpecError || error instanceof RegistryError) {
    code = EXIT_CODES.invalidInput;
    doc = { kind: "invalid-input", exitCode: code, message: error.message, problems: error.problems };
  } else {
    doc = {
      kind: "internal",
      exitCode: code,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  process.stderr.write(`error: ${String(doc.message)}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: doc }, null, 2)}\n`);
  }
  return code;
}

/** Prints a result document (under --json) and returns the exit code. */
export function printResult(
  ctx: Pick<CliContext, "json">,
  result: unknown,
  human: () => string,
  code: number = EXIT_CODES.ok,
): number {
  if (ctx.json) {
    process.stdout.write(
      `${JSON.stringify({ ok: code === EXIT_CODES.ok, exitCode: code, result }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${human()}\n`);
  }
  return code;
}

/** A plain-text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? "").padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
