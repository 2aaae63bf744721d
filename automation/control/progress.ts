/**
 * Engine events as progress records an SSE client can follow resource by resource: compact,
 * and without the resources' inputs and outputs (which may hold secrets).
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { nameOfUrn } from "../events";

/** One progress record. */
export interface Progress {
  readonly type: "resource" | "diagnostic" | "summary" | "status";
  readonly data: Record<string, unknown>;
}

/** The progress record of an engine event, or undefined when it says nothing a person follows. */
export function progressOf(event: EngineEvent): Progress | undefined {
  const step = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
  if (step) {
    if (step.type === "pulumi:pulumi:Stack") {
      return undefined;
    }
    return {
      type: "resource",
      data: {
        phase: event.resourcePreEvent ? "start" : "done",
        op: step.op,
        type: step.type,
        name: nameOfUrn(step.urn),
        urn: step.urn,
        planning: Boolean(event.resourcePreEvent?.planning ?? event.resOutputsEvent?.planning),
        ...(step.diffs && step.diffs.length > 0 ? { diffs: step.diffs } : {}),
      },
    };
  }
  const failed = event.resOpFailedEvent;
  if (failed) {
    return {
      type: "resource",
      data: {
        phase: "failed",
        op: failed.metadata.op,
        type: failed.metadata.type,
        name: nameOfUrn(failed.metadata.urn),
        urn: failed.metadata.urn,
      },
    };
  }
  const diag = event.diagnosticEvent;
  if (diag && !diag.ephemeral && (diag.severity === "error" || diag.severity === "warning")) {
    return {
      type: "diagnostic",
      data: { severity: diag.severity, message: diag.message.trim(), ...(diag.urn ? { urn: diag.urn } : {}) },
    };
  }
  const summary = event.summaryEvent;
  if (summary) {
    return {
      type: "summary",
      data: { resourceChanges: summary.resourceChanges ?? {}, durationSeconds: summary.durationSeconds },
    };
  }
  return undefined;
}
