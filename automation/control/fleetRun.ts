/**
 * Fleet runs (`POST /v1/fleet/reconcile|preview|drift`): the library's {@link planFleet} decides
 * what each tenant of the store needs in the environment; each action becomes a child operation
 * in the shared queue (so one operation per stack still holds, and the run's `concurrency` bounds
 * how many of its children run at once); the run ends with the fleet report once every child has.
 * A coordinator taken over after a crash finds its children and only waits.
 */
import type { Environment } from "../../common";
import { FleetOperation, planFleet } from "../fleet";
import type { TenantService } from "../service";
import { readTenantSpecOrUndefined } from "./specs";
import { ControlError, ControlPlane, OperationKind } from "./core";
import { childrenOf, FINAL_STATUSES, OperationRow, OperationStatus } from "./store/operations";
import { parseJson } from "./store/store";

/** One line of a fleet run's report. */
export interface FleetRunItem {
  readonly tenant: string;
  readonly action: string;
  readonly status: OperationStatus | "skipped" | "orphan";
  readonly operationId?: string;
  readonly reasons: readonly string[];
  readonly durationMs?: number;
  readonly drifted?: boolean;
  readonly error?: unknown;
}

/** The report. */
export interface FleetRunReport {
  readonly operation: FleetOperation;
  readonly environment: string;
  readonly concurrency: number;
  readonly items: readonly FleetRunItem[];
  readonly totals: Readonly<Record<string, number>>;
}

const POLL_MS = 500;

/** Plans (once), queues the children, waits for them, returns the report. */
export async function runFleetOperation(
  control: ControlPlane,
  service: TenantService,
  op: OperationRow,
  signal: AbortSignal,
): Promise<FleetRunReport> {
  const operation = op.kind.replace(/^fleet-/, "") as FleetOperation;
  const params = parseJson<{ concurrency?: number; planned?: FleetRunItem[] }>(op.params) ?? {};
  const db = control.store.db;
  let notQueued: FleetRunItem[] = [];
  if ((await childrenOf(db, op.id)).length === 0) {
    notQueued = await plan(control, service, op, operation);
  }
  for (;;) {
    const children = await childrenOf(db, op.id);
    if (children.every((c) => FINAL_STATUSES.includes(c.status as OperationStatus))) {
      const items = [...children.map(itemOf), ...notQueued];
      const totals: Record<string, number> = {};
      for (const i of items) totals[i.status] = (totals[i.status] ?? 0) + 1;
      return { operation, environment: op.environment, concurrency: params.concurrency ?? 4, items, totals };
    }
    if (signal.aborted) {
      throw new Error(
        `fleet run ${op.id} interrupted (${String(signal.reason)}); its queued children stay queued`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function plan(
  control: ControlPlane,
  service: TenantService,
  op: OperationRow,
  operation: FleetOperation,
): Promise<FleetRunItem[]> {
  const rows = await control.store.db.selectFrom("tenants").select(["id", "spec"]).orderBy("id").execute();
  const specs = rows.flatMap((r) => readTenantSpecOrUndefined(JSON.parse(r.spec)) ?? []);
  const planned = await planFleet(service, operation, specs, op.environment as Environment);
  const notQueued: FleetRunItem[] = [];
  for (const item of planned) {
    if (item.action === "none" || item.action === "orphan" || item.action === "prune") {
      notQueued.push({
        tenant: item.tenant,
        action: item.action,
        status: item.action === "none" ? "skipped" : "orphan",
        reasons: item.reasons,
      });
      continue;
    }
    try {
      await control.request({
        kind: item.action as OperationKind,
        tenant: item.tenant,
        environment: op.environment,
        spec: item.spec,
        storeSpec: false,
        requestedBy: op.requested_by,
        parentId: op.id,
        params: { reasons: item.reasons },
      });
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      notQueued.push({
        tenant: item.tenant,
        action: item.action,
        status: "skipped",
        reasons: [error.message],
      });
    }
  }
  return notQueued;
}

function itemOf(c: OperationRow): FleetRunItem {
  const result = parseJson<{ durationMs?: number; drifted?: boolean }>(c.result);
  return {
    tenant: c.tenant ?? "?",
    action: c.kind,
    status: c.status as OperationStatus,
    operationId: c.id,
    reasons: parseJson<{ reasons?: string[] }>(c.params)?.reasons ?? [],
    ...(result?.durationMs !== undefined ? { durationMs: result.durationMs } : {}),
    ...(result?.drifted !== undefined ? { drifted: result.drifted } : {}),
    ...(c.error ? { error: JSON.parse(c.error) } : {}),
  };
}
