/**
 * `npm run base -- up|preview|refresh|destroy|outputs --env staging|production [--json]`: the real
 * base program through the automation service (automation/base.ts), with the same progress,
 * `--json` and exit codes as `npm run tenant`. A function of its arguments; `process.exit` only in
 * the entry block at the bottom.
 */
import { choiceProblem, Environment, environmentProblem, Problem, UsageError } from "../../common";
import { BaseService } from "../base";
import { LocalEngine } from "../engine/localEngine";
import { EXIT_CODES } from "../errors";
import { progressPrinter } from "../events";
import { cloudBanner, resolveSettings } from "../settings";
import { CliIO, processIO } from "./io";
import { reportError } from "./report";
import { runEntry } from "./run";

/** The base operations. */
export const BASE_COMMANDS = ["up", "preview", "refresh", "destroy", "outputs"] as const;
type BaseCommand = (typeof BASE_COMMANDS)[number];

/** Parses `<command> --env <env> [--json] [-v]`. @throws UsageError naming every problem. */
export function parseBaseArgs(argv: readonly string[]): {
  command: BaseCommand;
  env: Environment;
  json: boolean;
  verbose: boolean;
} {
  const problems: Problem[] = [];
  const [command, ...rest] = argv;
  let env: string | undefined;
  let json = false;
  let verbose = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--env") {
      env = rest[++i];
    } else if (arg.startsWith("--env=")) {
      env = arg.slice("--env=".length);
    } else if (arg === "--json") {
      json = true;
    } else if (arg === "-v" || arg === "--verbose") {
      verbose = true;
    } else {
      problems.push({
        path: "",
        value: arg,
        allowed: "--env <env>, --json, --verbose",
        message: `unknown argument ${JSON.stringify(arg)}; allowed: --env <env>, --json, --verbose`,
      });
    }
  }
  problems.push(
    ...[choiceProblem("command", command, BASE_COMMANDS), environmentProblem("--env", env)].filter(
      (p): p is Problem => p !== undefined,
    ),
  );
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  return { command: command as BaseCommand, env: env as Environment, json, verbose };
}

/** Runs one base command; returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parseBaseArgs(argv);
    json = args.json;
    const say = (line: string) => (json ? io.stderr : io.stdout)(`${line}\n`);
    const settings = resolveSettings();
    const banner = cloudBanner(settings);
    if (banner !== undefined) {
      say(banner);
    }
    const base = new BaseService(new LocalEngine(settings));
    const onEvent = progressPrinter(`platform/${args.env}`, say, { verbose: args.verbose });
    const outcome =
      args.command === "outputs"
        ? await base.outputs(args.env)
        : await base[args.command](args.env, { onEvent });
    if (json) {
      io.stdout(`${JSON.stringify({ ok: true, exitCode: EXIT_CODES.ok, result: outcome }, null, 2)}\n`);
    } else {
      const changes = Object.entries(outcome.changes)
        .map(([op, n]) => `${op} ${n}`)
        .join(", ");
      io.stdout(`platform/${args.env} ${args.command}: ${changes || "no resource operations"}\n`);
      if (outcome.outputs) {
        for (const [key, value] of Object.entries(outcome.outputs)) {
          io.stdout(`  ${key}: ${JSON.stringify(value)}\n`);
        }
      }
    }
    return EXIT_CODES.ok;
  } catch (error) {
    return reportError(error, json, io);
  }
}

if (require.main === module) {
  void runEntry(main).then((code) => process.exit(code));
}
