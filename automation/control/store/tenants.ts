/**
 * Tenants (the desired spec, never secrets) and their lifecycle state per environment. State
 * changes are compare-and-set (`UPDATE … WHERE state = <expected>`), so two requests racing on one
 * tenant cannot both move it, on either store.
 */
import type { TenantState } from "../lifecycle";
import { Db, isoNow, parseJson } from "./store";
import type { TenantEnvsTable } from "./schema";

/** A tenant's row. */
export interface TenantRow {
  readonly id: string;
  readonly spec: Record<string, unknown>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One environment of a tenant. */
export interface TenantEnvRow {
  readonly tenant: string;
  readonly environment: string;
  readonly state: TenantState;
  readonly tier: string;
  readonly lastOperationId?: string;
  readonly outputs?: Record<string, unknown>;
  readonly reason?: string;
  readonly updatedAt: string;
}

/** The tenant, or undefined. */
export async function getTenant(db: Db, id: string): Promise<TenantRow | undefined> {
  const row = await db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst();
  return row
    ? { id: row.id, spec: JSON.parse(row.spec), createdAt: row.created_at, updatedAt: row.updated_at }
    : undefined;
}

/** Creates or replaces the tenant's desired spec. */
export async function putTenant(db: Db, id: string, spec: unknown): Promise<void> {
  const now = isoNow();
  await db
    .insertInto("tenants")
    .values({ id, spec: JSON.stringify(spec), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column("id").doUpdateSet({ spec: JSON.stringify(spec), updated_at: now }))
    .execute();
}

/** The tenant's environments. */
export async function getTenantEnvs(db: Db, tenant: string): Promise<TenantEnvRow[]> {
  const rows = await db
    .selectFrom("tenant_envs")
    .selectAll()
    .where("tenant", "=", tenant)
    .orderBy("environment")
    .execute();
  return rows.map(envRow);
}

/** One environment of a tenant, or undefined. */
export async function getTenantEnv(
  db: Db,
  tenant: string,
  environment: string,
): Promise<TenantEnvRow | undefined> {
  const row = await db
    .selectFrom("tenant_envs")
    .selectAll()
    .where("tenant", "=", tenant)
    .where("environment", "=", environment)
    .executeTakeFirst();
  return row ? envRow(row) : undefined;
}

/**
 * Moves a tenant's state from `expected` (undefined: no row yet) to `next`. False when the state
 * was not `expected` any more (another request won).
 */
export async function casState(
  db: Db,
  key: { tenant: string; environment: string },
  expected: TenantState | undefined,
  next: TenantState,
  fields: { tier?: string; lastOperationId?: string; reason?: string | null; outputs?: unknown } = {},
): Promise<boolean> {
  const now = isoNow();
  const set = {
    state: next,
    updated_at: now,
    ...(fields.tier !== undefined ? { tier: fields.tier } : {}),
    ...(fields.lastOperationId !== undefined ? { last_operation_id: fields.lastOperationId } : {}),
    ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
    ...(fields.outputs !== undefined ? { outputs: JSON.stringify(fields.outputs) } : {}),
  };
  if (expected === undefined) {
    const row = await db
      .insertInto("tenant_envs")
      .values({
        tenant: key.tenant,
        environment: key.environment,
        state: next,
        tier: fields.tier ?? "",
        last_operation_id: fields.lastOperationId ?? null,
        outputs: fields.outputs === undefined ? null : JSON.stringify(fields.outputs),
        reason: fields.reason ?? null,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(["tenant", "environment"]).doNothing())
      .returning("tenant")
      .executeTakeFirst();
    return row !== undefined;
  }
  const row = await db
    .updateTable("tenant_envs")
    .set(set)
    .where("tenant", "=", key.tenant)
    .where("environment", "=", key.environment)
    .where("state", "=", expected)
    .returning("tenant")
    .executeTakeFirst();
  return row !== undefined;
}

/** Updates an environment's other fields without touching its state. */
export async function setEnvFields(
  db: Db,
  key: { tenant: string; environment: string },
  fields: { lastOperationId?: string; reason?: string | null; outputs?: unknown },
): Promise<void> {
  const set = {
    updated_at: isoNow(),
    ...(fields.lastOperationId !== undefined ? { last_operation_id: fields.lastOperationId } : {}),
    ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
    ...(fields.outputs !== undefined ? { outputs: JSON.stringify(fields.outputs) } : {}),
  };
  await db
    .updateTable("tenant_envs")
    .set(set)
    .where("tenant", "=", key.tenant)
    .where("environment", "=", key.environment)
    .execute();
}

/** Removes an environment's row (an onboarding cancelled before it ran leaves no trace). */
export async function deleteTenantEnv(db: Db, tenant: string, environment: string): Promise<void> {
  await db
    .deleteFrom("tenant_envs")
    .where("tenant", "=", tenant)
    .where("environment", "=", environment)
    .execute();
}

/** Filters of {@link listTenantEnvs}. */
export interface TenantListFilter {
  readonly environment?: string;
  readonly tier?: string;
  readonly state?: string;
  readonly tenants?: readonly string[];
  /** Rows after this `<tenant>/<environment>` key. */
  readonly after?: { tenant: string; environment: string };
  readonly limit: number;
}

/** A tenant environment in a list: no outputs, no reason (the list does not show them). */
export type TenantEnvSummary = Omit<TenantEnvRow, "outputs" | "reason">;

const SUMMARY_COLUMNS = [
  "tenant",
  "environment",
  "state",
  "tier",
  "last_operation_id",
  "updated_at",
] as const;

function summaryRow(row: Pick<TenantEnvsTable, (typeof SUMMARY_COLUMNS)[number]>): TenantEnvSummary {
  return {
    tenant: row.tenant,
    environment: row.environment,
    state: row.state as TenantState,
    tier: row.tier,
    ...(row.last_operation_id ? { lastOperationId: row.last_operation_id } : {}),
    updatedAt: row.updated_at,
  };
}

/**
 * Tenant environments ordered by tenant then environment (the primary key's order, so a page is an
 * index range). Only the columns a list shows are read: outputs are JSON to parse and most of a
 * row's bytes.
 */
export async function listTenantEnvs(db: Db, f: TenantListFilter): Promise<TenantEnvSummary[]> {
  let q = db.selectFrom("tenant_envs").select(SUMMARY_COLUMNS);
  if (f.environment) q = q.where("environment", "=", f.environment);
  if (f.tier) q = q.where("tier", "=", f.tier);
  if (f.state) q = q.where("state", "=", f.state);
  if (f.tenants) q = q.where("tenant", "in", f.tenants.length > 0 ? [...f.tenants] : [""]);
  if (f.after) {
    const after = f.after;
    q = q.where((eb) =>
      eb.or([
        eb("tenant", ">", after.tenant),
        eb.and([eb("tenant", "=", after.tenant), eb("environment", ">", after.environment)]),
      ]),
    );
  }
  const rows = await q.orderBy("tenant").orderBy("environment").limit(f.limit).execute();
  return rows.map(summaryRow);
}

function envRow(row: TenantEnvsTable): TenantEnvRow {
  return {
    ...summaryRow(row),
    ...(row.outputs ? { outputs: parseJson<Record<string, unknown>>(row.outputs) } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
  };
}

/**
 * Tenant environments of some tiers (undefined: every tier), optionally only some tenants and one
 * state (the drift scheduler).
 */
export async function listTenantEnvsByTier(
  db: Db,
  tiers: readonly string[] | undefined,
  f: { tenants?: readonly string[]; state?: TenantState } = {},
): Promise<TenantEnvSummary[]> {
  if (tiers !== undefined && tiers.length === 0) return [];
  let q = db.selectFrom("tenant_envs").select(SUMMARY_COLUMNS);
  if (tiers) q = q.where("tier", "in", [...tiers]);
  if (f.tenants) q = q.where("tenant", "in", f.tenants.length > 0 ? [...f.tenants] : [""]);
  if (f.state) q = q.where("state", "=", f.state);
  const rows = await q.orderBy("tenant").orderBy("environment").execute();
  return rows.map(summaryRow);
}

/** Every stored tenant's spec (placement reads the others'). */
export async function allTenantSpecs(db: Db): Promise<{ id: string; spec: unknown }[]> {
  const rows = await db.selectFrom("tenants").select(["id", "spec"]).orderBy("id").execute();
  return rows.map((r) => ({ id: r.id, spec: JSON.parse(r.spec) }));
}

/** The tenant holding a placement slot, if any. */
export async function placementHolder(
  db: Db,
  slot: { shard: number; priority: number },
): Promise<string | undefined> {
  const row = await db
    .selectFrom("placements")
    .select("tenant")
    .where("shard", "=", slot.shard)
    .where("priority", "=", slot.priority)
    .executeTakeFirst();
  return row?.tenant;
}

/**
 * Records a tenant's placement. @throws the store's unique violation when another tenant holds the
 * slot (a concurrent onboarding took it first).
 */
export async function putPlacement(
  db: Db,
  tenant: string,
  slot: { shard: number; priority: number },
): Promise<void> {
  await db
    .insertInto("placements")
    .values({ tenant, shard: slot.shard, priority: slot.priority })
    .onConflict((oc) => oc.column("tenant").doUpdateSet({ shard: slot.shard, priority: slot.priority }))
    .execute();
}
