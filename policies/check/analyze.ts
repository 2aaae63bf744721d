/**
 * The policy check's analyzer for batch workers (offline/batch/worker.ts): checks one recorded stack
 * with {@link checkStack}, exactly as the sequential run does, and returns the stack's result.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { RecordedStack } from "../../offline/stacks";
import { isSelected, parseSelection, SELECTION_KEY } from "../lib/selection";
import { ALL_POLICIES } from "../registry";
import { checkStack, StackResult } from "./run";

/** What every task of a check run carries (plain data). */
export interface CheckPayload {
  /** The pack config, selection included under its key. */
  readonly config: PolicyPackConfig;
  /** The clock waivers expire against, ISO 8601; undefined for the worker's own clock. */
  readonly now?: string;
}

/** Checks one stack; the policies are the config's selection of the pack. */
export async function analyze(stack: RecordedStack, payload: CheckPayload): Promise<StackResult> {
  const selection = parseSelection(payload.config[SELECTION_KEY]).selection ?? {};
  return checkStack(stack, {
    policies: ALL_POLICIES.filter((p) => isSelected(p, selection)),
    config: payload.config,
    now: payload.now === undefined ? undefined : new Date(payload.now),
  });
}
