/**
 * Events (every state transition and operation result), operation progress (the engine's events,
 * resource by resource) and the audit log: append-only tables with integer ids, so clients page
 * and resume (`after`, `Last-Event-ID`) by id.
 */
import { Db, isoNow, parseJson } from "./store";

/** The kinds of domain event. */
export const EVENT_TYPES = [
  "tenant.state_changed",
  "operation.queued",
  "operation.started",
  "operation.repaired",
  "operation.succeeded",
  "operation.failed",
  "operation.cancelled",
  "operation.requeued",
  "rollout.running",
  "rollout.paused",
  "rollout.succeeded",
  "rollout.halted",
  "rollout.aborted",
  "rollout.tenant",
] as const;
/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** A stored event as the API shows it. */
export interface EventRecord {
  readonly id: number;
  readonly at: string;
  readonly type: EventType;
  readonly tenant?: string;
  readonly environment?: string;
  readonly operationId?: string;
  /** The instance that recorded it. */
  readonly instance: string;
  readonly data: Record<string, unknown>;
}

/** What to append. */
export interface NewEvent {
  readonly type: EventType;
  readonly tenant?: string | null;
  readonly environment?: string | null;
  readonly operationId?: string | null;
  readonly data?: Record<string, unknown>;
}

/**
 * Appends an event and queues its delivery to every webhook that wants it, in the caller's
 * transaction (an event is never stored without its deliveries).
 */
export async function appendEvent(db: Db, instance: string, event: NewEvent): Promise<EventRecord> {
  const at = isoNow();
  const row = {
    at,
    type: event.type,
    tenant: event.tenant ?? null,
    environment: event.environment ?? null,
    operation_id: event.operationId ?? null,
    instance,
    data: JSON.stringify(event.data ?? {}),
  };
  const { id } = await db.insertInto("events").values(row).returning("id").executeTakeFirstOrThrow();
  const record = eventRecord({ ...row, id });
  const hooks = await db.selectFrom("webhooks").selectAll().where("disabled_at", "is", null).execute();
  for (const hook of hooks) {
    const wanted = parseJson<string[]>(hook.events);
    if (wanted && !wanted.includes(event.type)) {
      continue;
    }
    await db
      .insertInto("webhook_deliveries")
      .values({
        webhook_id: hook.id,
        event_id: id,
        status: "pending",
        attempts: 0,
        next_attempt_at: at,
        last_status: null,
        last_error: null,
        body: JSON.stringify(record),
        signed_at: null,
        created_at: at,
        delivered_at: null,
      })
      .execute();
  }
  return record;
}

/** Filters of {@link listEvents}. */
export interface EventFilter {
  readonly tenant?: string;
  /** Only these tenants (a scoped token). */
  readonly tenants?: readonly string[];
  readonly environment?: string;
  readonly type?: string;
  readonly operationId?: string;
  /** Events after this id. */
  readonly after?: number;
  readonly limit: number;
}

/** Events in id order. */
export async function listEvents(db: Db, f: EventFilter): Promise<EventRecord[]> {
  let q = db.selectFrom("events").selectAll();
  if (f.tenant) q = q.where("tenant", "=", f.tenant);
  if (f.tenants) q = q.where("tenant", "in", f.tenants.length > 0 ? [...f.tenants] : [""]);
  if (f.environment) q = q.where("environment", "=", f.environment);
  if (f.type) q = q.where("type", "=", f.type);
  if (f.operationId) q = q.where("operation_id", "=", f.operationId);
  if (f.after !== undefined) q = q.where("id", ">", f.after);
  const rows = await q.orderBy("id").limit(f.limit).execute();
  return rows.map(eventRecord);
}

function eventRecord(row: {
  id: number;
  at: string;
  type: string;
  tenant: string | null;
  environment: string | null;
  operation_id: string | null;
  instance: string;
  data: string;
}): EventRecord {
  return {
    id: Number(row.id),
    at: row.at,
    type: row.type as EventType,
    ...(row.tenant ? { tenant: row.tenant } : {}),
    ...(row.environment ? { environment: row.environment } : {}),
    ...(row.operation_id ? { operationId: row.operation_id } : {}),
    instance: row.instance,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** One progress record of an operation (an SSE event). */
export interface ProgressRecord {
  readonly id: number;
  readonly at: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** Appends progress records of an operation, in order. */
export async function appendProgress(
  db: Db,
  operationId: string,
  records: readonly { type: string; data: Record<string, unknown> }[],
): Promise<void> {
  if (records.length === 0) {
    return;
  }
  const at = isoNow();
  await db
    .insertInto("operation_events")
    .values(
      records.map((r) => ({ operation_id: operationId, at, type: r.type, data: JSON.stringify(r.data) })),
    )
    .execute();
}

/** Progress of an operation after `afterId`, in order. */
export async function listProgress(
  db: Db,
  operationId: string,
  afterId = 0,
  limit = 500,
): Promise<ProgressRecord[]> {
  const rows = await db
    .selectFrom("operation_events")
    .selectAll()
    .where("operation_id", "=", operationId)
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), at: r.at, type: r.type, data: JSON.parse(r.data) }));
}

/** One audit entry. */
export interface AuditEntry {
  readonly tokenId?: string;
  readonly actor: string;
  readonly role?: string;
  readonly action: string;
  readonly method: string;
  readonly path: string;
  readonly tenant?: string;
  readonly environment?: string;
  readonly operationId?: string;
  readonly status: number;
  /** `accepted`, `denied`, `rejected`, `conflict`, `succeeded`, `failed`, ... */
  readonly result: string;
  readonly remote?: string;
}

/** An audit entry as listed. */
export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly instance: string;
}

/** Writes an audit entry. */
export async function writeAudit(db: Db, instance: string, e: AuditEntry): Promise<void> {
  await db
    .insertInto("audit")
    .values({
      at: isoNow(),
      token_id: e.tokenId ?? null,
      actor: e.actor,
      role: e.role ?? null,
      action: e.action,
      method: e.method,
      path: e.path,
      tenant: e.tenant ?? null,
      environment: e.environment ?? null,
      operation_id: e.operationId ?? null,
      status: e.status,
      result: e.result,
      remote: e.remote ?? null,
      instance,
    })
    .execute();
}

/** Audit entries in id order. */
export async function listAudit(
  db: Db,
  f: { tenant?: string; actor?: string; after?: number; limit: number },
): Promise<AuditRecord[]> {
  let q = db.selectFrom("audit").selectAll();
  if (f.tenant) q = q.where("tenant", "=", f.tenant);
  if (f.actor) q = q.where("actor", "=", f.actor);
  if (f.after !== undefined) q = q.where("id", ">", f.after);
  const rows = await q.orderBy("id").limit(f.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    instance: r.instance,
    actor: r.actor,
    action: r.action,
    method: r.method,
    path: r.path,
    status: Number(r.status),
    result: r.result,
    ...(r.token_id ? { tokenId: r.token_id } : {}),
    ...(r.role ? { role: r.role } : {}),
    ...(r.tenant ? { tenant: r.tenant } : {}),
    ...(r.environment ? { environment: r.environment } : {}),
    ...(r.operation_id ? { operationId: r.operation_id } : {}),
    ...(r.remote ? { remote: r.remote } : {}),
  }));
}
