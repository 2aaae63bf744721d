/**
 * Running a commander program as a function (STYLE.md 17a): `main(argv, io) → exit code`, output
 * through `io`, no `process.exit` (only the entry files call it, with the code main returns).
 */
import { Command, CommanderError } from "commander";
import { EXIT_CODES } from "../errors";
import { CliIO } from "./io";
import { reportError } from "./report";

/**
 * Runs a CLI's `main` on the process's arguments, for its entry block: resolves to the exit code,
 * an unexpected error included (reported, exit 1). The entry block itself exits with it.
 */
export function runEntry(main: (argv: readonly string[]) => Promise<number>): Promise<number> {
  return main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    return EXIT_CODES.failed;
  });
}

/** Sets the exit code of the command that ran; actions call it through {@link commandAction}. */
export type SetCode = (code: number) => void;

/**
 * A fresh root command writing to `io`, whose parse errors throw instead of exiting. Subcommands
 * added to it inherit both (commander copies these settings at `.command()`).
 */
export function rootCommand(name: string, description: string, io: CliIO): Command {
  return new Command(name)
    .description(description)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
}

/**
 * An action body that returns the exit code, or throws an error {@link reportError} maps to one.
 * @param json whether the failure is also a JSON document on stdout.
 */
export async function runBody(json: boolean, io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return reportError(error, json, io);
  }
}

/**
 * Parses `argv` (without `node` and the script) with `build`'s program and returns the exit code:
 * the command's, 0 for help, 2 for a command line commander refused.
 */
export async function runProgram(
  argv: readonly string[],
  build: (setCode: SetCode) => Command,
): Promise<number> {
  let code: number = EXIT_CODES.ok;
  const program = build((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.invalidInput;
    }
    throw error;
  }
  return code;
}
