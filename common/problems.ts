/**
 * Problems are values (STYLE.md 13a): a parser returns `{ value }` or `{ problems }`, each problem
 * naming where it is (`path`), what is wrong (`message`) and, when it helps, the value received and
 * what is allowed. Only a boundary (a CLI, an HTTP handler, a program entry) turns problems into an
 * error or text, with {@link formatProblems}; callers that address a field by another name (a CLI
 * flag) map the problem's `path`, never its text.
 */

/** One thing wrong with an input. */
export interface Problem {
  /**
   * Where: a field path (`tier`, `sizing.cpu`, `tenant:spec.id`), a flag (`--env`), a file
   * (`acme.yaml: tier`); empty for the input as a whole.
   */
  readonly path: string;
  /** What is wrong and what to do, without the path (`"gold" is not one of trial, standard`). */
  readonly message: string;
  /** The value received, when it may be shown (never a secret). @default undefined */
  readonly value?: unknown;
  /** What is allowed, in words or as the list of allowed values. @default undefined */
  readonly allowed?: string | readonly string[];
}

/** A parse result: the value, or every problem found (never both). */
export type Parsed<T> =
  | { readonly value: T; readonly problems?: undefined }
  | { readonly value?: undefined; readonly problems: readonly Problem[] };

/** A successful {@link Parsed}. */
export function ok<T>(value: T): Parsed<T> {
  return { value };
}

/** A failed {@link Parsed}; `problems` must not be empty. */
export function failed<T = never>(problems: readonly Problem[]): Parsed<T> {
  return { problems };
}

/** `<path>: <message>`, or the message alone for the input as a whole. */
export function problemText(problem: Problem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/** The problems as lines of text ({@link problemText}). */
export function problemLines(problems: readonly Problem[]): string[] {
  return problems.map(problemText);
}

/**
 * The one rendering of a list of problems: `<heading>:` then one `  - <problem>` line each.
 * Accepts lines already rendered (an engine's plan, a report's reasons) as well as problems.
 */
export function formatProblems(heading: string, problems: readonly (Problem | string)[]): string {
  const lines = problems.map((p) => (typeof p === "string" ? p : problemText(p)));
  return `${heading}:\n  - ${lines.join("\n  - ")}`;
}

/** The same problems with `prefix` in front of each path (`tier` → `tenant:spec.tier`). */
export function withPathPrefix(prefix: string, problems: readonly Problem[], separator = "."): Problem[] {
  return problems.map((p) => ({ ...p, path: p.path ? `${prefix}${separator}${p.path}` : prefix }));
}

/** The longest a value is shown in a message; longer ones are cut and their length said. */
export const SHOWN_VALUE_MAX = 80;

/**
 * A value shown as JSON (`"gold"`), the way every message quotes a value; cut after
 * {@link SHOWN_VALUE_MAX} characters (`"aaaa…" (5000002 characters)`), so no input, however large,
 * is echoed whole.
 */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= SHOWN_VALUE_MAX
    ? text
    : `${text.slice(0, SHOWN_VALUE_MAX)}… (${text.length} characters)`;
}

/** `<path>: "<value>" is not one of a, b, c`. */
export function notOneOf(path: string, value: unknown, allowed: readonly string[]): Problem {
  return { path, value, allowed, message: `${show(value)} is not one of ${allowed.join(", ")}` };
}

/** `<path>: is required (one of a, b)` or `<path>: is required (<allowed>)`. */
export function isRequired(path: string, allowed: string | readonly string[]): Problem {
  const words = typeof allowed === "string" ? allowed : `one of ${allowed.join(", ")}`;
  return { path, allowed, message: `is required (${words})` };
}

/**
 * A required choice among `allowed`: undefined when `value` is one of them, else the problem
 * ({@link isRequired} when absent, {@link notOneOf} when not allowed).
 */
export function choiceProblem(
  path: string,
  value: unknown,
  allowed: readonly string[],
  opts: { required?: boolean } = {},
): Problem | undefined {
  if (value === undefined) {
    return opts.required === false ? undefined : isRequired(path, allowed);
  }
  return typeof value === "string" && allowed.includes(value) ? undefined : notOneOf(path, value, allowed);
}

/** `<path>: "<value>" is not a whole number from <min> to <max>`. */
export function notWholeNumber(path: string, value: unknown, min: number, max: number): Problem {
  return {
    path,
    value,
    allowed: `a whole number from ${min} to ${max}`,
    message: `${show(value)} is not a whole number from ${min} to ${max}`,
  };
}

/**
 * Parses a whole number flag or field given as text.
 * @returns the number, undefined when absent, or the problem.
 */
export function parseWholeNumber(
  path: string,
  value: string | undefined,
  min: number,
  max: number,
): Parsed<number | undefined> {
  if (value === undefined) {
    return ok(undefined);
  }
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max
    ? ok(n)
    : failed([notWholeNumber(path, value, min, max)]);
}

/**
 * A schema validator's issues (zod's, or any with a key path and a message) as problems; the input
 * as a whole is `(root)`.
 */
export function issueProblems(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): Problem[] {
  return issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message }));
}

/**
 * An error carrying problems, thrown only at a boundary that cannot return them. Its subclasses say
 * which input was bad (a spec, the registry, the settings, a command line); every edge reports them
 * the same way: the message, and the problems one per line.
 */
export class ProblemsError extends Error {
  constructor(
    heading: string,
    readonly problems: readonly Problem[],
  ) {
    super(formatProblems(heading, problems));
    this.name = new.target.name;
  }
}

/** A command line that cannot run: every problem with its arguments, before anything runs. */
export class UsageError extends ProblemsError {
  constructor(problems: readonly Problem[]) {
    super("invalid input", problems);
  }
}

/**
 * The value of a parse, or a {@link ProblemsError} under `heading`: for a boundary (a program entry)
 * where a thrown error is how a failure is reported.
 */
export function valueOrThrow<T>(parsed: Parsed<T>, heading: string): T {
  if (parsed.problems) {
    throw new ProblemsError(heading, parsed.problems);
  }
  return parsed.value as T;
}
