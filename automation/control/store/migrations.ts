/**
 * Schema migrations, run at start by Kysely's migrator (which takes a lock, so several instances
 * starting on one Postgres migrate once). Column types are the ones both stores share; only the
 * auto-increment key differs by dialect.
 */
import { Kysely, Migration, MigrationProvider } from "kysely";
import { ingressPlacement } from "../../../common/ingress";

/** Which SQL dialect a store speaks. */
export type Dialect = "sqlite" | "postgres";

function migrations(dialect: Dialect): Record<string, Migration> {
  const serial = (db: Kysely<any>, table: string) =>
    dialect === "postgres"
      ? db.schema.createTable(table).addColumn("id", "serial", (c) => c.primaryKey())
      : db.schema.createTable(table).addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
  return {
    "0001-initial": {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("tokens")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("tenants", "text")
          .addColumn("hash", "text", (c) => c.notNull().unique())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("revoked_at", "text")
          .addColumn("last_used_at", "text")
          .execute();
        await serial(db, "audit")
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("token_id", "text")
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("role", "text")
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("method", "text", (c) => c.notNull())
          .addColumn("path", "text", (c) => c.notNull())
          .addColumn("tenant", "text")
          .addColumn("environment", "text")
          .addColumn("operation_id", "text")
          .addColumn("status", "integer", (c) => c.notNull())
          .addColumn("result", "text", (c) => c.notNull())
          .addColumn("remote", "text")
          .addColumn("instance", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("tenants")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("spec", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("tenant_envs")
          .addColumn("tenant", "text", (c) => c.notNull())
          .addColumn("environment", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("tier", "text", (c) => c.notNull())
          .addColumn("last_operation_id", "text")
          .addColumn("outputs", "text")
          .addColumn("reason", "text")
          .addColumn("updated_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("tenant_envs_pk", ["tenant", "environment"])
          .execute();
        await db.schema
          .createTable("operations")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("tenant", "text")
          .addColumn("environment", "text", (c) => c.notNull())
          .addColumn("stack", "text")
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("spec", "text")
          .addColumn("params", "text", (c) => c.notNull())
          .addColumn("has_secrets", "integer", (c) => c.notNull())
          .addColumn("pinned_to", "text")
          .addColumn("pinned_until", "text")
          .addColumn("parent_id", "text")
          .addColumn("prev_state", "text")
          .addColumn("requested_by", "text", (c) => c.notNull())
          .addColumn("idempotency_key", "text", (c) => c.unique())
          .addColumn("request_hash", "text")
          .addColumn("attempt", "integer", (c) => c.notNull())
          .addColumn("lease_owner", "text")
          .addColumn("lease_expires_at", "text")
          .addColumn("not_before", "text", (c) => c.notNull())
          .addColumn("cancel_requested", "integer", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("started_at", "text")
          .addColumn("finished_at", "text")
          .addColumn("result", "text")
          .addColumn("error", "text")
          .execute();
        await db.schema
          .createIndex("operations_status")
          .on("operations")
          .columns(["status", "created_at"])
          .execute();
        await db.schema
          .createIndex("operations_stack")
          .on("operations")
          .columns(["stack", "status"])
          .execute();
        await db.schema.createIndex("operations_parent").on("operations").column("parent_id").execute();
        await db.schema
          .createTable("stack_leases")
          .addColumn("stack", "text", (c) => c.primaryKey())
          .addColumn("operation_id", "text", (c) => c.notNull())
          .addColumn("owner", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .execute();
        await serial(db, "operation_events")
          .addColumn("operation_id", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("data", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("operation_events_op")
          .on("operation_events")
          .columns(["operation_id", "id"])
          .execute();
        await serial(db, "events")
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("tenant", "text")
          .addColumn("environment", "text")
          .addColumn("operation_id", "text")
          .addColumn("instance", "text", (c) => c.notNull())
          .addColumn("data", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("events_tenant").on("events").columns(["tenant", "id"]).execute();
        await db.schema
          .createTable("webhooks")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("url", "text", (c) => c.notNull())
          .addColumn("secret", "text", (c) => c.notNull())
          .addColumn("events", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("disabled_at", "text")
          .execute();
        await serial(db, "webhook_deliveries")
          .addColumn("webhook_id", "text", (c) => c.notNull())
          .addColumn("event_id", "integer", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("next_attempt_at", "text", (c) => c.notNull())
          .addColumn("last_status", "integer")
          .addColumn("last_error", "text")
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("signed_at", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("delivered_at", "text")
          .execute();
        await db.schema
          .createIndex("webhook_deliveries_due")
          .on("webhook_deliveries")
          .columns(["status", "next_attempt_at"])
          .execute();
      },
    },
    "0002-rollouts": {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("rollouts")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("environment", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("control", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("rollouts_env")
          .on("rollouts")
          .columns(["environment", "created_at"])
          .execute();
      },
    },
    "0003-placements": {
      // A tenant's ingress placement (shard, listener-rule priority), one row per tenant, unique per
      // (shard, priority): two onboardings that race for the same free priority cannot both commit
      // (docs/decisions/0007-ingress-shards-and-placement.md). Tenants stored before this are
      // placed from their specs; a pair that already collided keeps the first (the registry check
      // names the other).
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("placements")
          .addColumn("tenant", "text", (c) => c.primaryKey())
          .addColumn("shard", "integer", (c) => c.notNull())
          .addColumn("priority", "integer", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("placements_slot")
          .on("placements")
          .columns(["shard", "priority"])
          .unique()
          .execute();
        const rows = (await db.selectFrom("tenants").select(["id", "spec"]).orderBy("id").execute()) as {
          id: string;
          spec: string;
        }[];
        for (const row of rows) {
          const placement = ingressPlacement({ id: row.id, ...(JSON.parse(row.spec) as object) });
          await db
            .insertInto("placements")
            .values({ tenant: row.id, shard: placement.shard, priority: placement.priority })
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      },
    },
  };
}

/** The migrations of a dialect, for Kysely's `Migrator`. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
