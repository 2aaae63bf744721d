/**
 * How the `tenant` and `fleet` CLIs end: a result document (under `--json`) or a summary for people,
 * and every failure mapped to its exit code (docs/automation.md, "Error model"). Errors go to
 * stderr, and under `--json` also as a JSON document on stdout.
 */
import { problemLines, ProblemsError } from "../../common";
import { EXIT_CODES, TenantOperationError } from "../errors";
import { CliIO } from "./io";
import { errorText } from "./render";

/** Prints an error and returns its exit code. */
export function reportError(error: unknown, json: boolean, io: CliIO): number {
  let code: number = EXIT_CODES.failed;
  let doc: Record<string, unknown>;
  if (error instanceof TenantOperationError) {
    code = error.exitCode;
    doc = { ...error.toJSON(), message: errorText(error) };
  } else if (error instanceof ProblemsError) {
    // Usage, settings, spec and registry errors: bad input, found before anything ran.
    code = EXIT_CODES.invalidInput;
    doc = {
      kind: "invalid-input",
      exitCode: code,
      message: error.message,
      problems: problemLines(error.problems),
    };
  } else {
    doc = {
      kind: "internal",
      exitCode: code,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  io.stderr(`error: ${String(doc.message)}\n`);
  if (json) {
    io.stdout(`${JSON.stringify({ ok: false, error: doc }, null, 2)}\n`);
  }
  return code;
}

/** Prints a result document (under --json) or the summary for people, and returns the exit code. */
export function printResult(
  out: { readonly json: boolean; readonly io: CliIO },
  result: unknown,
  human: () => string,
  code: number = EXIT_CODES.ok,
): number {
  if (out.json) {
    out.io.stdout(`${JSON.stringify({ ok: code === EXIT_CODES.ok, exitCode: code, result }, null, 2)}\n`);
  } else {
    out.io.stdout(`${human()}\n`);
  }
  return code;
}
