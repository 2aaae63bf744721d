/**
 * Engine events: collected for results (resource changes, error diagnostics) and rendered as
 * progress lines a person can follow while an operation runs.
 */
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";
import { redactValues } from "./redact";

/** One resource the engine changed (or would change, in a preview). */
export interface ResourceChange {
  readonly urn: string;
  readonly type: string;
  /** The resource's logical name (last URN segment). */
  readonly name: string;
  readonly op: OpType;
  /** Properties that differ, when the engine says. */
  readonly diffs: readonly string[];
}

/** Collects what results need from an operation's events and forwards each event. */
export class EventCollector {
  private readonly changes = new Map<string, ResourceChange>();
  private readonly errors: string[] = [];
  private readonly resourceErrors: ResourceError[] = [];

  /**
   * Secret values of the operation (the stack's application secrets): redacted from every
   * diagnostic it records or forwards, and from the error the operation ends with ({@link redact}).
   */
  readonly secretValues = new Set<string>();

  constructor(private readonly forward?: (event: EngineEvent) => void) {}

  /** `text` with the operation's secret values redacted. */
  readonly redact = (text: string): string =>
    this.secretValues.size === 0 ? text : redactValues(text, this.secretValues);

  /** The handler to pass as `onEvent`. */
  readonly onEvent = (raw: EngineEvent): void => {
    const event =
      raw.diagnosticEvent && this.secretValues.size > 0
        ? {
            ...raw,
            diagnosticEvent: { ...raw.diagnosticEvent, message: this.redact(raw.diagnosticEvent.message) },
          }
        : raw;
    const step = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
    if (step && !NOT_CHANGES.has(step.op) && step.type !== "pulumi:pulumi:Stack") {
      this.changes.set(step.urn, {
        urn: step.urn,
        type: step.type,
        name: nameOfUrn(step.urn),
        op: step.op,
        diffs: diffsOf(step),
      });
    }
    // A mandatory policy violation is the reason the operation fails; the engine's own diagnostic
    // says only "update failed" or "preview failed".
    const policy = event.policyEvent;
    if (policy && policy.enforcementLevel === "mandatory") {
      const where = policy.resourceUrn
        ? ` (${typeOfUrn(policy.resourceUrn)} ${nameOfUrn(policy.resourceUrn)})`
        : "";
      this.errors.push(this.redact(`policy ${policy.policyName}${where}: ${policy.message.trim()}`));
    }
    const diag = event.diagnosticEvent;
    if (diag && diag.severity === "error" && !diag.ephemeral) {
      this.errors.push(diag.message.trim());
      if (diag.urn) {
        this.resourceErrors.push({ urn: diag.urn, type: typeOfUrn(diag.urn), message: diag.message.trim() });
      }
    }
    if (this.forward) {
      // A progress printer that throws must not break the operation it reports on.
      try {
        this.forward(event);
      } catch {
        /* progress is best effort */
      }
    }
  };

  /** Resources that changed (or would), in event order. */
  get resourceChanges(): ResourceChange[] {
    return [...this.changes.values()];
  }

  /** Error diagnostics, the engine's own reasons for a failure. */
  get errorDiagnostics(): string[] {
    return [...this.errors];
  }

  /** The error diagnostics that name a resource (a provider's error on create, update, ...). */
  get resourceErrorDiagnostics(): ResourceError[] {
    return [...this.resourceErrors];
  }
}

/** An error diagnostic about one resource. */
export interface ResourceError {
  readonly urn: string;
  readonly type: string;
  readonly message: string;
}

/** The type of a resource from its URN (`urn:pulumi:<stack>::<project>::<parent$type>::<name>`). */
export function typeOfUrn(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** Steps that change nothing: unchanged resources, reads, and a refresh that found no difference. */
const NOT_CHANGES = new Set<OpType>(["same", "read", "refresh"]);

/**
 * The properties a step changes: the engine's `diffs` when it sends them; for refresh steps (which
 * carry none) the top-level outputs that differ between the old and the new state.
 */
export function diffsOf(step: StepEventMetadata): string[] {
  if (step.diffs && step.diffs.length > 0) {
    return [...step.diffs];
  }
  if (!step.old || !step.new) {
    return [];
  }
  const before = step.old.outputs ?? {};
  const after = step.new.outputs ?? {};
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => !k.startsWith("__") && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .sort();
}

/** The logical name of a resource: the last `::` segment of its URN. */
export function nameOfUrn(urn: string): string {
  const parts = urn.split("::");
  return parts[parts.length - 1] ?? urn;
}

const VERBS: Partial<Record<OpType, [string, string]>> = {
  create: ["creating", "created"],
  update: ["updating", "updated"],
  delete: ["deleting", "deleted"],
  replace: ["replacing", "replaced"],
  "create-replacement": ["creating replacement", "created replacement"],
  "delete-replaced": ["deleting original", "deleted original"],
  read: ["reading", "read"],
  refresh: ["refreshing", "refreshed"],
  import: ["importing", "imported"],
  same: ["checking", "unchanged"],
};

const SYMBOLS: Partial<Record<OpType, string>> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  same: " ",
};

/**
 * A progress printer: one line per resource step (`+ creating`, `✓ created`, `~ would update`),
 * warnings and errors from the engine, prefixed with the stack so concurrent runs stay readable.
 * Unchanged resources are left out unless `verbose`.
 */
export function progressPrinter(
  stack: string,
  write: (line: string) => void,
  opts: { verbose?: boolean } = {},
): (event: EngineEvent) => void {
  return (event) => {
    const pre = event.resourcePreEvent;
    const done = event.resOutputsEvent;
    const step = pre?.metadata ?? done?.metadata;
    if (step && step.type !== "pulumi:pulumi:Stack" && (!NOT_CHANGES.has(step.op) || opts.verbose)) {
      const verbs = VERBS[step.op] ?? [step.op, step.op];
      const planning = pre?.planning ?? done?.planning ?? false;
      const symbol = SYMBOLS[step.op] ?? "*";
      const changed = diffsOf(step);
      const diffs = changed.length > 0 && step.op !== "same" ? ` [${changed.join(", ")}]` : "";
      if (planning) {
        if (pre) {
          write(`[${stack}] ${symbol} would ${step.op} ${step.type} ${nameOfUrn(step.urn)}${diffs}`);
        }
      } else if (pre) {
        write(`[${stack}] ${symbol} ${verbs[0]} ${step.type} ${nameOfUrn(step.urn)}${diffs}`);
      } else {
        write(`[${stack}] ✓ ${verbs[1]} ${step.type} ${nameOfUrn(step.urn)}`);
      }
    }
    const failed = event.resOpFailedEvent;
    if (failed) {
      write(`[${stack}] ✗ failed ${failed.metadata.type} ${nameOfUrn(failed.metadata.urn)}`);
    }
    const diag = event.diagnosticEvent;
    if (diag && !diag.ephemeral && (diag.severity === "error" || diag.severity === "warning")) {
      const where = diag.urn ? ` ${nameOfUrn(diag.urn)}` : "";
      write(`[${stack}] ${diag.severity}${where}: ${diag.message.trim()}`);
    }
    const summary = event.summaryEvent;
    if (summary) {
      const counts = Object.entries(summary.resourceChanges ?? {})
        .map(([op, n]) => `${n} ${op}`)
        .join(", ");
      write(`[${stack}] done in ${summary.durationSeconds}s: ${counts || "no resources"}`);
    }
  };
}
