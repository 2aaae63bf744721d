/**
 * What an engine run tells about itself in its own events, so that nothing has to be read back from
 * the backend once the CLI has exited (docs/decisions/0008-engine-overhead.md): the root stack's
 * outputs (the `resOutputsEvent` of `pulumi:pulumi:Stack`) and the summary's resource changes (the
 * `summaryEvent`, the very counts the backend writes into the update's history entry).
 *
 * The events show a secret as `[secret]` and cannot carry its value. Outputs that hold a secret, or
 * any other value Pulumi marks with its signature key (assets, archives, resource references), are
 * therefore not answered here: {@link RunRecord.plainOutputs} is undefined and the caller reads them
 * from the CLI as before.
 */
import type { EngineEvent, OpMap, OutputMap } from "@pulumi/pulumi/automation";

/** The key of Pulumi's serialized special values (secrets, assets, archives, resource references). */
export const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** Collects one run's root stack outputs and summary from its events. */
export class RunRecord {
  private rootOutputs?: Record<string, unknown>;
  private changes?: OpMap;

  /** Pass every event of the run here. */
  readonly onEvent = (event: EngineEvent): void => {
    const outputs = event.resOutputsEvent?.metadata;
    if (outputs?.type === ROOT_STACK_TYPE && !outputs.new?.parent) {
      this.rootOutputs = outputs.new?.outputs ?? {};
    }
    if (event.summaryEvent) {
      this.changes = event.summaryEvent.resourceChanges ?? {};
    }
  };

  /**
   * The stack's outputs as `Stack.outputs()` gives them, when every one is plain data; undefined when
   * the run reported none or one of them holds a special value (a secret above all).
   */
  plainOutputs(): OutputMap | undefined {
    if (this.rootOutputs === undefined || holdsSpecialValue(this.rootOutputs)) {
      return undefined;
    }
    return Object.fromEntries(
      Object.entries(this.rootOutputs).map(([key, value]) => [key, { value, secret: false }]),
    );
  }

  /** The summary's resource changes; undefined when the run sent no summary. */
  resourceChanges(): OpMap | undefined {
    return this.changes;
  }
}

/** Whether `value` is, or contains, a value serialized with Pulumi's signature key. */
export function holdsSpecialValue(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.some(holdsSpecialValue);
  }
  if (value !== null && typeof value === "object") {
    return SIGNATURE_KEY in value || Object.values(value).some(holdsSpecialValue);
  }
  return false;
}
