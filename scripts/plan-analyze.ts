/**
 * The plan's analyzer for batch workers (offline/batch/worker.ts): keeps of a recording what
 * `npm run plan` prints (each resource's identity, parent and kind), so a worker returns, and the
 * cache keeps, a few kilobytes per stack instead of the whole recording.
 */
import type { RecordedResource } from "../offline/recorder";
import type { RecordedStack } from "../offline/stacks";

/** A resource as the plan shows it. */
export type PlanResource = Pick<RecordedResource, "urn" | "type" | "name" | "parent" | "custom" | "read">;

/** A stack as the plan shows it: the recorded stack's shape, with {@link PlanResource}s. */
export interface PlanStack extends Pick<RecordedStack, "kind" | "environment" | "tenant" | "source"> {
  readonly recording: {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly PlanResource[];
  };
}

/** The plan's view of a recorded stack. */
export function planStackOf(
  stack: Pick<RecordedStack, "kind" | "environment" | "tenant" | "source" | "recording">,
): PlanStack {
  const { project, resources } = stack.recording;
  return {
    kind: stack.kind,
    environment: stack.environment,
    ...(stack.tenant !== undefined ? { tenant: stack.tenant } : {}),
    source: stack.source,
    recording: {
      project,
      stack: stack.recording.stack,
      resources: resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        ...(r.parent !== undefined ? { parent: r.parent } : {}),
        custom: r.custom,
        read: r.read,
      })),
    },
  };
}

/** The analyzer. */
export function analyze(stack: RecordedStack): PlanStack {
  return planStackOf(stack);
}
