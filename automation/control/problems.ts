/**
 * RFC 9457 problem documents: what every error of the API is, and what a failed operation records.
 * `type` is a relative URI (`/problems/<kind>`, listed in docs/control-plane.md); `errors` carries
 * field-level problems (path, message, value, allowed) where the input had any.
 */
import { Problem, withPathPrefix } from "../../common";
import { InvalidInputError, TenantOperationError } from "../errors";

/** One field-level problem: the library's `Problem` (common/problems.ts), as it is. */
export type FieldProblem = Problem;

/** A problem document. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly FieldProblem[];
  readonly [extension: string]: unknown;
}

/** A problem the HTTP layer returns as is. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = "HttpProblem";
  }

  /** The document. */
  document(instance?: string): ProblemDocument {
    return {
      type: `/problems/${this.kind}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extra,
    };
  }
}

/** 400 with field problems. */
export function invalidInput(detail: string, errors: readonly FieldProblem[]): HttpProblem {
  return new HttpProblem(400, "invalid-input", "The request is invalid", detail, { errors });
}

/** Problems with their paths under `prefix` (`tier` → `body.spec.tier`). */
export function fieldProblems(problems: readonly Problem[], prefix = ""): Problem[] {
  return prefix ? withPathPrefix(prefix, problems) : [...problems];
}

/** HTTP status of each kind of library error. */
const STATUS_OF_KIND: Readonly<Record<string, number>> = Object.freeze({
  "invalid-input": 400,
  "stack-exists": 409,
  "stack-not-found": 404,
  "concurrent-update": 409,
  "confirmation-required": 400,
  "needs-repair": 409,
  "operation-failed": 500,
});

/**
 * The problem document a failed operation records: the library's error kind, its message (which
 * names the tenant, the operation and the engine's reason) and, for bad input, its problems.
 */
export function operationProblem(error: unknown, reason?: string): ProblemDocument {
  if (error instanceof TenantOperationError) {
    const problems = error instanceof InvalidInputError ? error.problems : undefined;
    return {
      type: `/problems/${error.kind}`,
      title: TITLES[error.kind] ?? "The operation failed",
      status: STATUS_OF_KIND[error.kind] ?? 500,
      detail: reason ?? error.message,
      kind: error.kind,
      ...(error.engineMessage ? { engineMessage: error.engineMessage } : {}),
      ...(problems && problems.length > 0 ? { errors: fieldProblems(problems) } : {}),
    };
  }
  return {
    type: "/problems/operation-failed",
    title: "The operation failed",
    status: 500,
    detail: reason ?? (error instanceof Error ? error.message : String(error)),
    kind: "operation-failed",
  };
}

const TITLES: Readonly<Record<string, string>> = Object.freeze({
  "invalid-input": "The input is invalid",
  "stack-exists": "The stack already exists",
  "stack-not-found": "The stack does not exist",
  "concurrent-update": "Another update holds the stack",
  "confirmation-required": "Confirmation required",
  "needs-repair": "The stack needs repair",
  "operation-failed": "The operation failed",
});
