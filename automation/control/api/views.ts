/** Store rows as the API shows them. */
import type { OperationRow } from "../store/operations";
import { parseJson } from "../store/store";
import type { TenantEnvRow, TenantEnvSummary } from "../store/tenants";

/** An operation. */
export function operationView(row: OperationRow): Record<string, unknown> {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    ...(row.tenant ? { tenant: row.tenant } : {}),
    environment: row.environment,
    requestedBy: row.requested_by,
    attempt: row.attempt,
    ...(row.parent_id ? { parentId: row.parent_id } : {}),
    createdAt: row.created_at,
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(row.result ? { result: parseJson(row.result) } : {}),
    ...(row.error ? { error: parseJson(row.error) } : {}),
    links: { self: `/v1/operations/${row.id}`, events: `/v1/operations/${row.id}/events` },
  };
}

/** One environment of a tenant, in a list. */
export function tenantListItem(row: TenantEnvSummary): Record<string, unknown> {
  return {
    tenant: row.tenant,
    environment: row.environment,
    state: row.state,
    tier: row.tier,
    ...(row.lastOperationId ? { lastOperationId: row.lastOperationId } : {}),
    updatedAt: row.updatedAt,
  };
}

/** One environment of a tenant, in full. */
export function tenantEnvView(row: TenantEnvRow, last?: OperationRow): Record<string, unknown> {
  return {
    environment: row.environment,
    state: row.state,
    tier: row.tier,
    ...(row.reason ? { reason: row.reason } : {}),
    ...(last ? { lastOperation: operationView(last) } : {}),
    ...(row.outputs ? { outputs: row.outputs } : {}),
    updatedAt: row.updatedAt,
  };
}

/** An opaque cursor from a key. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** The key of a cursor, or undefined when it is not one of ours. */
export function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    return check(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
