/**
 * What the service reads about existing stacks, shared by `list`, `status` and the fleet planner:
 * one line per tenant stack from its history, and plain outputs.
 */
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { Environment } from "../common";
import { tenantStackName } from "../tenants/contract";
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
