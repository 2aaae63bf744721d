/**
 * The durable queue: the operations table, with a lease per running operation and one row per
 * stack in `stack_leases` as the mutex that keeps one operation per stack across every instance.
 *
 * Claiming is portable SQL (no `SKIP LOCKED`, no advisory locks): a conditional
 * `INSERT … ON CONFLICT (stack) DO UPDATE … WHERE expires_at < now` takes the stack's lease only
 * when nobody holds it (or its holder's lease ran out), and a conditional `UPDATE` moves the
 * operation to `running`. The primary key makes the first step race-free on both stores
 * (docs/decisions/0005-control-plane-store.md).
 */
import { Db, isoNow, parseJson } from "./store";
import type { Updateable } from "kysely";
import type { OperationsTable } from "./schema";

/** Operation statuses. */
export const OPERATION_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
/** One of {@link OPERATION_STATUSES}. */
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** Statuses an operation ends in. */
export const FINAL_STATUSES: readonly OperationStatus[] = ["succeeded", "failed", "cancelled"];

/** A row of the operations table. */
export type OperationRow = OperationsTable;

/** Inserts a new operation (queued). */
export async function insertOperation(
  db: Db,
  op: Omit<
    OperationRow,
    | "status"
    | "attempt"
    | "lease_owner"
    | "lease_expires_at"
    | "cancel_requested"
    | "started_at"
    | "finished_at"
    | "result"
    | "error"
    | "not_before"
  > & { not_before?: string },
): Promise<OperationRow> {
  const row: OperationRow = {
    ...op,
    status: "queued",
    attempt: 0,
    lease_owner: null,
    lease_expires_at: null,
    cancel_requested: 0,
    started_at: null,
    finished_at: null,
    result: null,
    error: null,
    not_before: op.not_before ?? op.created_at,
  };
  await db.insertInto("operations").values(row).execute();
  return row;
}

/** One operation, or undefined. */
export async function getOperation(db: Db, id: string): Promise<OperationRow | undefined> {
  return db.selectFrom("operations").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The operation an idempotency key (`<token>:<key>`) created, or undefined. */
export async function operationByIdempotencyKey(db: Db, key: string): Promise<OperationRow | undefined> {
  return db.selectFrom("operations").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
}

/** What a claim may take. */
export interface ClaimOptions {
  /** This instance's id. */
  readonly owner: string;
  readonly leaseMs: number;
  /** Only fleet coordinators (`stack` null) or only stack operations. */
  readonly kinds: "stack" | "fleet";
  /** Stack operations of a fleet run are limited to its concurrency; children past it wait. */
  readonly candidates?: number;
}

/**
 * Claims the next runnable operation: queued and due (or running with an expired lease: its
 * instance died), the oldest not-final operation of its stack, its secrets (if any) held here or
 * by no live instance, and its fleet run under its concurrency. Returns it running, leased to
 * `owner`; undefined when nothing is runnable.
 */
export async function claimNext(db: Db, opts: ClaimOptions): Promise<OperationRow | undefined> {
  const now = isoNow();
  let q = db
    .selectFrom("operations")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "queued"), eb("not_before", "<=", now)]),
        eb.and([eb("status", "=", "running"), eb("lease_expires_at", "<", now)]),
      ]),
    )
    .where((eb) =>
      eb.or([eb("pinned_to", "is", null), eb("pinned_to", "=", opts.owner), eb("pinned_until", "<", now)]),
    );
  q = opts.kinds === "fleet" ? q.where("stack", "is", null) : q.where("stack", "is not", null);
  const candidates = await q
    .orderBy("id")
    .limit(opts.candidates ?? 20)
    .execute();
  for (const c of candidates) {
    if (c.stack !== null) {
      if (await hasOlderOpen(db, c)) {
        continue;
      }
      if (c.parent_id !== null && !(await parentHasRoom(db, c.parent_id))) {
        continue;
      }
      if (!(await takeStackLease(db, c.stack, c.id, opts.owner, opts.leaseMs))) {
        continue;
      }
    }
    const claimed = await db
      .updateTable("operations")
      .set({
        status: "running",
        lease_owner: opts.owner,
        lease_expires_at: isoNow(opts.leaseMs),
        attempt: c.attempt + 1,
        started_at: c.started_at ?? now,
      })
      .where("id", "=", c.id)
      .where((eb) =>
        eb.or([
          eb("status", "=", "queued"),
          eb.and([eb("status", "=", "running"), eb("lease_expires_at", "<", isoNow())]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (claimed) {
      return claimed;
    }
    if (c.stack !== null) {
      await releaseStackLease(db, c.stack, c.id, opts.owner);
    }
  }
  return undefined;
}

/** Whether an older, unfinished operation on the same stack must run first (FIFO per stack). */
async function hasOlderOpen(db: Db, op: OperationRow): Promise<boolean> {
  const older = await db
    .selectFrom("operations")
    .select("id")
    .where("stack", "=", op.stack)
    .where("status", "in", ["queued", "running"])
    // Ids sort by creation time (newId).
    .where("id", "<", op.id)
    .limit(1)
    .executeTakeFirst();
  return older !== undefined;
}

async function parentHasRoom(db: Db, parentId: string): Promise<boolean> {
  const parent = await getOperation(db, parentId);
  const concurrency = parseJson<{ concurrency?: number }>(parent?.params)?.concurrency ?? 4;
  const running = await db
    .selectFrom("operations")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("parent_id", "=", parentId)
    .where("status", "=", "running")
    .executeTakeFirstOrThrow();
  return Number(running.n) < concurrency;
}

/** Takes (or renews) a stack's lease for an operation; false when another live holder has it. */
async function takeStackLease(
  db: Db,
  stack: string,
  operationId: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const now = isoNow();
  const row = await db
    .insertInto("stack_leases")
    .values({ stack, operation_id: operationId, owner, expires_at: isoNow(leaseMs) })
    .onConflict((oc) =>
      oc
        .column("stack")
        .doUpdateSet({ operation_id: operationId, owner, expires_at: isoNow(leaseMs) })
        .where((eb) =>
          eb.or([
            eb("stack_leases.expires_at", "<", now),
            eb.and([eb("stack_leases.operation_id", "=", operationId), eb("stack_leases.owner", "=", owner)]),
          ]),
        ),
    )
    .returning("stack")
    .executeTakeFirst();
  return row !== undefined;
}

async function releaseStackLease(db: Db, stack: string, operationId: string, owner: string): Promise<void> {
  await db
    .deleteFrom("stack_leases")
    .where("stack", "=", stack)
    .where("operation_id", "=", operationId)
    .where("owner", "=", owner)
    .execute();
}

/** What a heartbeat found. */
export interface Heartbeat {
  /** False when the lease was lost (another instance took the operation over). */
  readonly held: boolean;
  readonly cancelRequested: boolean;
}

/** Renews a running operation's leases (its row and its stack's). */
export async function heartbeat(
  db: Db,
  op: OperationRow,
  owner: string,
  leaseMs: number,
): Promise<Heartbeat> {
  const renewed = await db
    .updateTable("operations")
    .set({ lease_expires_at: isoNow(leaseMs) })
    .where("id", "=", op.id)
    .where("status", "=", "running")
    .where("lease_owner", "=", owner)
    .returning(["cancel_requested"])
    .executeTakeFirst();
  let held = renewed !== undefined;
  if (held && op.stack !== null) {
    const stack = await db
      .updateTable("stack_leases")
      .set({ expires_at: isoNow(leaseMs) })
      .where("stack", "=", op.stack)
      .where("operation_id", "=", op.id)
      .where("owner", "=", owner)
      .returning("stack")
      .executeTakeFirst();
    held = stack !== undefined;
  }
  return { held, cancelRequested: renewed?.cancel_requested === 1 };
}

/**
 * Ends a running operation held by `owner` and releases its stack. False when the lease was lost
 * (the takeover's result wins).
 */
export async function finishOperation(
  db: Db,
  op: OperationRow,
  owner: string,
  status: "succeeded" | "failed" | "cancelled",
  outcome: { result?: unknown; error?: unknown },
): Promise<boolean> {
  return leaveRunning(db, op, owner, {
    status,
    finished_at: isoNow(),
    lease_owner: null,
    lease_expires_at: null,
    pinned_to: null,
    pinned_until: null,
    result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
    error: outcome.error === undefined ? null : JSON.stringify(outcome.error),
  });
}

/** Puts a running operation back in the queue (drain, busy stack), due at `notBefore`. */
export async function requeueOperation(db: Db, op: OperationRow, owner: string, notBeforeMs: number) {
  return leaveRunning(db, op, owner, {
    status: "queued",
    lease_owner: null,
    lease_expires_at: null,
    not_before: isoNow(notBeforeMs),
  });
}

/**
 * Moves a running operation that `owner` still holds out of `running` (`changes`), then releases
 * its stack. False when the lease was lost meanwhile: the row is left to whoever took it over.
 */
async function leaveRunning(
  db: Db,
  op: OperationRow,
  owner: string,
  changes: Updateable<OperationsTable>,
): Promise<boolean> {
  const done = await db
    .updateTable("operations")
    .set(changes)
    .where("id", "=", op.id)
    .where("status", "=", "running")
    .where("lease_owner", "=", owner)
    .returning("id")
    .executeTakeFirst();
  if (op.stack !== null) {
    await releaseStackLease(db, op.stack, op.id, owner);
  }
  return done !== undefined;
}

/** Cancels a queued operation at once; false when it is no longer queued. */
export async function cancelQueued(db: Db, id: string): Promise<boolean> {
  const done = await db
    .updateTable("operations")
    .set({ status: "cancelled", finished_at: isoNow(), pinned_to: null, pinned_until: null })
    .where("id", "=", id)
    .where("status", "=", "queued")
    .returning("id")
    .executeTakeFirst();
  return done !== undefined;
}

/** Asks the instance running an operation to cancel it (seen at its next heartbeat). */
export async function requestCancel(db: Db, id: string): Promise<boolean> {
  const done = await db
    .updateTable("operations")
    .set({ cancel_requested: 1 })
    .where("id", "=", id)
    .where("status", "=", "running")
    .returning("id")
    .executeTakeFirst();
  return done !== undefined;
}

/** Renews this instance's claim on the queued operations whose secrets it holds. */
export async function refreshPins(db: Db, owner: string, leaseMs: number): Promise<void> {
  await db
    .updateTable("operations")
    .set({ pinned_until: isoNow(leaseMs) })
    .where("pinned_to", "=", owner)
    .where("status", "in", ["queued", "running"])
    .execute();
}

/** Operations by status (metrics: queue depth). */
export async function countByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("operations")
    .select(["status", (eb) => eb.fn.countAll().as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Operations of a fleet run. */
export async function childrenOf(db: Db, parentId: string): Promise<OperationRow[]> {
  return db.selectFrom("operations").selectAll().where("parent_id", "=", parentId).orderBy("id").execute();
}

/** Filters of {@link listOperations}. */
export interface OperationFilter {
  readonly tenant?: string;
  readonly tenants?: readonly string[];
  readonly status?: string;
  readonly kind?: string;
  /** Operations with ids below this (newest first paging). */
  readonly before?: string;
  readonly limit: number;
}

/** Operations, newest first. */
export async function listOperations(db: Db, f: OperationFilter): Promise<OperationRow[]> {
  let q = db.selectFrom("operations").selectAll();
  if (f.tenant) q = q.where("tenant", "=", f.tenant);
  if (f.tenants) q = q.where("tenant", "in", f.tenants.length > 0 ? [...f.tenants] : [""]);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.kind) q = q.where("kind", "=", f.kind);
  if (f.before) q = q.where("id", "<", f.before);
  return q.orderBy("id", "desc").limit(f.limit).execute();
}
