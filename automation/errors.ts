/**
 * The error model of the automation service. Every failure of a tenant operation becomes a
 * {@link TenantOperationError} that names the tenant, the environment, the operation and the
 * engine's own message, and carries the exit code the CLI returns. Pulumi's typed errors map to
 * our subclasses; anything else is wrapped (with `cause`), never swallowed.
 */
import {
  CommandError,
  ConcurrentUpdateError,
  StackAlreadyExistsError,
  StackNotFoundError,
} from "@pulumi/pulumi/automation";
import { formatProblems, Problem } from "../common";

/** Exit codes of the `tenant` and `fleet` CLIs (docs/automation.md, "Error model"). */
export const EXIT_CODES = Object.freeze({
  ok: 0,
  /** The engine or the program failed; the message is the engine's. */
  failed: 1,
  /** Bad input or settings, found before anything was created. */
  invalidInput: 2,
  /** `drift` found resources changed outside Pulumi. */
  driftDetected: 3,
  /** `onboard` of a tenant whose stack already exists. */
  stackExists: 4,
  /** The tenant's stack does not exist. */
  stackNotFound: 5,
  /** Another update holds the stack's lock (after retries, for fleet operations). */
  concurrentUpdate: 6,
  /** A guarded operation lacks its confirmation (production offboard, repair without --yes). */
  confirmationRequired: 7,
  /** The stack was left locked or with pending operations; run `tenant repair`. */
  needsRepair: 8,
  /** `fleet rollout`: a wave exceeded its failure budget; failed tenants were rolled back. */
  rolloutHalted: 9,
  /** `fleet rollout`: paused or aborted by an operator before the last wave finished. */
  rolloutIncomplete: 10,
  /**
   * The operation succeeded (a tenant onboarded, a stack offboarded), but the registry could not be
   * changed to record it; the message says exactly what the registry still holds and what to do.
   */
  registryNotUpdated: 11,
});

/** Operations of the service, as they appear in errors and reports. */
export type OperationName =
  | "onboard"
  | "update"
  | "preview"
  | "drift"
  | "offboard"
  | "outputs"
  | "list"
  | "status"
  | "repair"
  | "prune";

/** The runbook of stacks an interrupted run left locked or with pending operations. */
export const REPAIR_RUNBOOK = "docs/runbooks/interrupted-update.md";

/** What an error is about. */
export interface ErrorContext {
  readonly tenant: string;
  readonly environment: string;
  readonly operation: OperationName;
}

/**
 * The operation to run next, as data (STYLE.md 17b): the library says *what* to run, an edge says
 * *how* (the CLI renders a command line, automation/cli/render.ts; an HTTP API a link or a body).
 */
export interface NextStep {
  readonly operation: OperationName;
  readonly tenant: string;
  readonly environment: string;
  /** The confirmation the operation needs: the tenant id (offboarding in production). @default none */
  readonly confirm?: string;
  /** The operation must be told to act, not only to say what it would do (repair). @default false */
  readonly yes?: boolean;
  /** Where the procedure is described, relative to the repository root. @default none */
  readonly runbook?: string;
}

/** The next step `operation` on the stack `ctx` is about. */
export function nextStep(
  ctx: ErrorContext,
  operation: OperationName,
  extra: Pick<NextStep, "confirm" | "yes" | "runbook"> = {},
): NextStep {
  return { operation, tenant: ctx.tenant, environment: ctx.environment, ...extra };
}

/** The kinds of {@link TenantOperationError}, one per subclass. */
export type ErrorKind =
  | "invalid-input"
  | "stack-exists"
  | "stack-not-found"
  | "concurrent-update"
  | "confirmation-required"
  | "needs-repair"
  | "operation-failed"
  | "unhealthy-deployment";

/** Base class of every failure of a tenant operation. */
export class TenantOperationError extends Error {
  readonly tenant: string;
  readonly environment: string;
  readonly operation: OperationName;
  /** The engine's (or program's) own message, trimmed of CLI boilerplate. */
  readonly engineMessage: string;
  readonly kind: ErrorKind;
  readonly exitCode: number;
  /** What to run next, when there is one thing to run. @default undefined */
  readonly next?: NextStep;

  constructor(
    kind: ErrorKind,
    exitCode: number,
    ctx: ErrorContext,
    engineMessage: string,
    summary: string,
    cause?: unknown,
    next?: NextStep,
  ) {
    super(
      `${ctx.operation} ${ctx.tenant} (${ctx.environment}): ${summary}${engineMessage ? `\n${indent(engineMessage)}` : ""}`,
      {
        cause,
      },
    );
    this.name = new.target.name;
    this.kind = kind;
    this.exitCode = exitCode;
    this.tenant = ctx.tenant;
    this.environment = ctx.environment;
    this.operation = ctx.operation;
    this.engineMessage = engineMessage;
    if (next) {
      this.next = next;
    }
  }

  /** A plain object for JSON reports. */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      exitCode: this.exitCode,
      tenant: this.tenant,
      environment: this.environment,
      operation: this.operation,
      message: this.message,
      engineMessage: this.engineMessage,
      ...(this.next ? { next: this.next } : {}),
    };
  }
}

/** Bad input (spec, flags, ids): every problem at once; nothing was created. */
export class InvalidInputError extends TenantOperationError {
  readonly problems: readonly Problem[];
  constructor(ctx: ErrorContext, problems: readonly Problem[]) {
    super("invalid-input", EXIT_CODES.invalidInput, ctx, "", formatProblems("invalid input", problems));
    this.problems = problems;
  }
}

/** Onboarding a tenant whose stack already exists (from Pulumi's StackAlreadyExistsError). */
export class StackExistsError extends TenantOperationError {
  constructor(ctx: ErrorContext, engineMessage: string, cause?: unknown) {
    super(
      "stack-exists",
      EXIT_CODES.stackExists,
      ctx,
      engineMessage,
      `stack already exists; update changes it`,
      cause,
      nextStep(ctx, "update"),
    );
  }
}

/** The tenant's stack does not exist (from Pulumi's StackNotFoundError). */
export class StackMissingError extends TenantOperationError {
  constructor(ctx: ErrorContext, engineMessage: string, cause?: unknown) {
    super(
      "stack-not-found",
      EXIT_CODES.stackNotFound,
      ctx,
      engineMessage,
      `stack does not exist; onboard the tenant first`,
      cause,
      nextStep(ctx, "onboard"),
    );
  }
}

/** Another operation holds the stack's lock (from Pulumi's ConcurrentUpdateError). */
export class StackBusyError extends TenantOperationError {
  constructor(ctx: ErrorContext, engineMessage: string, cause?: unknown) {
    super(
      "concurrent-update",
      EXIT_CODES.concurrentUpdate,
      ctx,
      engineMessage,
      `another update is in progress on this stack; retry later, or if no update is running, ` +
        `check its status and repair it (docs/runbooks/interrupted-update.md)`,
      cause,
      nextStep(ctx, "status", { runbook: REPAIR_RUNBOOK }),
    );
  }
}

/** A guarded operation was not confirmed; `next` is the same operation, confirmed. */
export class ConfirmationRequiredError extends TenantOperationError {
  constructor(ctx: ErrorContext, what: string, next: NextStep) {
    super("confirmation-required", EXIT_CODES.confirmationRequired, ctx, "", what, undefined, next);
  }
}

/** The stack was left locked or with pending operations; `repair` refused or is needed. */
export class NeedsRepairError extends TenantOperationError {
  constructor(ctx: ErrorContext, what: string) {
    super("needs-repair", EXIT_CODES.needsRepair, ctx, "", what);
  }
}

/** The engine or the program failed; the engine's message says why. */
export class OperationFailedError extends TenantOperationError {
  /**
   * @param summary what failed and what to do, before the engine's message. @default "failed"
   */
  constructor(
    ctx: ErrorContext,
    engineMessage: string,
    cause?: unknown,
    summary = "failed",
    next?: NextStep,
  ) {
    super("operation-failed", EXIT_CODES.failed, ctx, engineMessage, summary, cause, next);
  }
}

/** Why an ECS deployment did not become steady and healthy. */
export type UnhealthyReason = "circuit-breaker-rolled-back" | "tasks-never-healthy";

/** What each {@link UnhealthyReason} means, for people. */
const UNHEALTHY_WORDS: Readonly<Record<UnhealthyReason, string>> = {
  "circuit-breaker-rolled-back":
    "the deployment circuit breaker rolled the deployment back (its tasks kept failing to start)",
  "tasks-never-healthy":
    "its tasks never became healthy within the wait (target group health checks failing)",
};

/**
 * The health gate refused the operation (DESIGN.md: an update succeeds only on a healthy deployment):
 * the tenant's ECS service did not reach a steady, healthy deployment. The stack is kept as the
 * engine left it, unlocked, with the service in its state; fixing the cause (image, health check,
 * migrations) and running the same operation again converges. Exit 1, like any failed operation.
 */
export class UnhealthyDeploymentError extends TenantOperationError {
  constructor(
    ctx: ErrorContext,
    engineMessage: string,
    readonly reason: UnhealthyReason,
    /** The ECS service resource's URN. */
    readonly serviceUrn: string,
    cause?: unknown,
  ) {
    super(
      "unhealthy-deployment",
      EXIT_CODES.failed,
      ctx,
      engineMessage,
      `the tenant's ECS service did not reach a steady, healthy deployment: ${UNHEALTHY_WORDS[reason]}. ` +
        `The stack is kept and stays repairable: fix the cause, then run ${ctx.operation} again`,
      cause,
      nextStep(ctx, ctx.operation),
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, serviceUrn: this.serviceUrn };
  }
}

/** The ECS service type: its provider error on create or update is the health gate's verdict. */
const ECS_SERVICE_TYPE = "aws:ecs/service:Service";

/**
 * The health gate's verdict in an operation's resource errors: the ECS service's create or update
 * failed waiting for a steady deployment (`waitForSteadyState`). Undefined otherwise.
 */
export function unhealthyDeployment(
  resourceErrors: readonly { urn: string; type: string; message: string }[],
): { reason: UnhealthyReason; serviceUrn: string; message: string } | undefined {
  for (const failed of resourceErrors.filter((e) => e.type === ECS_SERVICE_TYPE)) {
    // AWS: "ECS Deployment Circuit Breaker was triggered" / "waiting for ECS Service ... to reach
    // steady state"; the double says the same in its own words. Any other error of the service
    // (bad input, a refused API call) is a plain failure.
    if (/circuit breaker/i.test(failed.message)) {
      return { reason: "circuit-breaker-rolled-back", serviceUrn: failed.urn, message: failed.message };
    }
    if (/steady[ -]state|never became healthy|became healthy/i.test(failed.message)) {
      return { reason: "tasks-never-healthy", serviceUrn: failed.urn, message: failed.message };
    }
  }
  return undefined;
}

/**
 * Maps anything an operation threw to our error model. Already-mapped errors pass through;
 * Pulumi's typed errors become their counterparts; any other error becomes
 * {@link OperationFailedError} with the original as `cause`.
 * @param diagnostics error diagnostics the engine emitted during the operation; they are the
 *   precise reason, while the CLI's stderr often says only "update failed".
 * @param redact removes the operation's secret values from the engine's message.
 */
export function mapEngineError(
  err: unknown,
  ctx: ErrorContext,
  diagnostics: readonly string[] = [],
  redact: (text: string) => string = (text) => text,
): TenantOperationError {
  if (err instanceof TenantOperationError) {
    return err;
  }
  const message = redact(engineMessageOf(err, diagnostics));
  if (err instanceof StackAlreadyExistsError) {
    return new StackExistsError(ctx, message, err);
  }
  if (err instanceof StackNotFoundError) {
    return new StackMissingError(ctx, message, err);
  }
  if (err instanceof ConcurrentUpdateError) {
    return new StackBusyError(ctx, message, err);
  }
  return new OperationFailedError(ctx, message, err);
}

/** True for errors a fleet run retries: the stack was busy. */
export function isRetryable(err: unknown): boolean {
  return err instanceof StackBusyError || err instanceof ConcurrentUpdateError;
}

/**
 * The engine's message: its error diagnostics when there are any, else the CLI's stderr (without
 * the Automation API's `code: / stdout: / stderr:` wrapping), else the error's message.
 */
export function engineMessageOf(err: unknown, diagnostics: readonly string[] = []): string {
  const fromDiagnostics = diagnostics.map((d) => d.trim()).filter((d) => d !== "");
  if (fromDiagnostics.length > 0) {
    return clip(unique(fromDiagnostics).join("\n"));
  }
  if (err instanceof CommandError) {
    const result = (err as unknown as { commandResult?: { stderr?: string; stdout?: string } }).commandResult;
    const stderr = typeof result === "object" && result !== null ? (result.stderr ?? "").trim() : "";
    if (stderr !== "") {
      return clip(stderr);
    }
  }
  if (err instanceof Error) {
    return clip(err.message.trim());
  }
  return clip(String(err));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Engine output can be long (stack traces from programs); reports keep the first part. */
function clip(text: string, max = 4000): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n... (${text.length - max} more characters)`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
