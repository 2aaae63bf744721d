// The migrate command: applies `migrations/*.sql` in name order, each once, each in a transaction,
// recording what was applied in `schema_migrations`. An advisory lock makes concurrent tasks (a
// deployment starts several) take turns; the second finds nothing left to do.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const MIGRATIONS_DIR = path.join(__dirname, "..", "migrations");
/** Any fixed number: the key of the advisory lock every task of every version takes. */
const LOCK_KEY = 727001;

/** The migration files, in the order they apply. */
function migrationFiles(dir = MIGRATIONS_DIR) {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3,}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
}

/** The files not applied yet. */
function pending(files, applied) {
  const done = new Set(applied);
  return files.filter((f) => !done.has(f));
}

/**
 * Applies the pending migrations with `client` (a node-postgres client or anything with `query`).
 * @returns the names applied.
 */
async function migrate(client, dir = MIGRATIONS_DIR) {
  await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
  try {
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await client.query("SELECT name FROM schema_migrations");
    const todo = pending(
      migrationFiles(dir),
      rows.map((r) => r.name),
    );
    for (const file of todo) {
      await client.query("BEGIN");
      try {
        await client.query(fs.readFileSync(path.join(dir, file), "utf8"));
        await client.query("INSERT INTO schema_migrations (name) VALUES ($1)", [file]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${file} failed: ${error.message}`);
      }
    }
    return todo;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
  }
}

/** The connection settings from the task's environment (DB_* from Secrets Manager; tenants/service.ts). */
function connectionFromEnv(env) {
  const missing = ["DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD"].filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new Error(`missing environment variables: ${missing.join(", ")}`);
  }
  return {
    host: env.DB_HOST,
    port: Number(env.DB_PORT || 5432),
    database: env.DB_NAME,
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    // The tenant database forces TLS (rds.force_ssl).
    ssl: env.DB_SSL === "false" ? false : { rejectUnauthorized: false },
  };
}

/** Connects with the environment's settings, migrates, disconnects. */
async function migrateFromEnv(env) {
  const { Client } = require("pg");
  const client = new Client(connectionFromEnv(env));
  await client.connect();
  try {
    return await migrate(client);
  } finally {
    await client.end();
  }
}

module.exports = { migrationFiles, pending, migrate, connectionFromEnv, migrateFromEnv, LOCK_KEY };
