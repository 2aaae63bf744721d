/**
 * What the service reads about existing stacks, shared by `list`, `status` and the fleet planner:
 * one line per tenant stack from its history, plain outputs, and a bounded parallel map.
 */
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { Environment, tenantStackName } from "../common";
import { deployedState } from "./specs";

/** One line of `list`. */
export interface TenantStackInfo {
  readonly tenant: string;
  readonly environment: Environment;
  readonly stack: string;
  /** From the spec of the last update; undefined when it had none. */
  readonly tier?: string;
  readonly lastResult?: string;
  readonly lastKind?: string;
  readonly lastUpdateTime?: string;
  readonly resourceCount?: number;
  readonly updateInProgress: boolean;
}

/** One stack's line of `list`, from its history (most recent first). */
export function infoOf(
  tenant: string,
  environment: Environment,
  history: readonly UpdateSummary[],
  resourceCount: number | undefined,
  updateInProgress: boolean,
): TenantStackInfo {
  const deployed = deployedState(history);
  const last = history[0];
  return {
    tenant,
    environment,
    stack: tenantStackName(tenant, environment),
    tier: deployed.spec?.tier,
    lastResult: last?.result,
    lastKind: last?.kind,
    lastUpdateTime: last ? new Date(last.endTime ?? last.startTime).toISOString() : undefined,
    resourceCount,
    updateInProgress,
  };
}

/** Outputs as plain values; secrets masked unless asked for. */
export function plainOutputs(
  outputs: Readonly<Record<string, { value: unknown; secret: boolean }>>,
  showSecrets = false,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [k, v.secret && !showSecrets ? "[secret]" : v.value]),
  );
}

/** Maps with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
