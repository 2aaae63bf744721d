/**
 * What every `tenant` and `fleet` command shares: the common options, and the context of one run
 * (settings, the service over the engine and the chosen program, output through the CLI's io).
 */
import { Command, Option } from "commander";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { LocalEngine } from "../engine/localEngine";
import { progressPrinter } from "../events";
import { TenantService } from "../service";
import { AutomationSettings, cloudBanner, resolveSettings } from "../settings";
import { CliIO } from "./io";
import { loadProgram, ProgramName, programName } from "./programs";

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
      new Option("--program <name>", "tenant program: real (tenants/program.ts), the only one").env(
        "PLATFORM_TENANT_PROGRAM",
      ),
    )
    .option(
      "--secrets-provider <url>",
      "secrets provider for new stacks: passphrase (default) or awskms://<key>, ...",
    )
    .option("--registry <dir>", "tenant registry directory (default tenants/registry)")
    .option("-v, --verbose", "also print unchanged resources");
}

/** The service, its settings and the output helpers of one CLI run. */
export interface CliContext {
  readonly settings: AutomationSettings;
  readonly service: TenantService;
  readonly program: ProgramName;
  readonly json: boolean;
  readonly io: CliIO;
  /** A line for people (stdout, or stderr under --json). */
  readonly say: (line: string) => void;
  /** Progress of one stack from its engine events. */
  readonly progress: (stack: string) => (event: EngineEvent) => void;
}

/**
 * Builds the context: the program (checked first), settings (all problems at once), engine.
 * @throws UsageError for an unknown program, SettingsError for bad settings.
 */
export function cliContext(opts: CommonOptions, io: CliIO): CliContext {
  const program = programName(opts.program);
  const settings = resolveSettings({ secretsProvider: opts.secretsProvider });
  const json = opts.json === true;
  const say = (line: string) => (json ? io.stderr : io.stdout)(`${line}\n`);
  const banner = cloudBanner(settings);
  if (banner !== undefined) {
    say(banner);
  }
  return {
    settings,
    program,
    json,
    io,
    say,
    service: new TenantService({
      engine: new LocalEngine(settings),
      program: loadProgram(program, settings),
    }),
    progress: (stack) => progressPrinter(stack, say, { verbose: opts.verbose }),
  };
}
