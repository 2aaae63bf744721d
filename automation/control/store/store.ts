/**
 * The control plane's store: SQLite (`node:sqlite`, a file under `PLATFORM_DATA_DIR`) by default,
 * Postgres when `DATABASE_URL` names one, both through Kysely with one set of queries. Opening a
 * store migrates it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Kysely, Migrator, PostgresDialect, sql, Transaction } from "kysely";
import { Pool } from "pg";
import { Dialect, migrationProvider } from "./migrations";
import { Database } from "./schema";
import { sqliteDialect } from "./sqlite";

/** A query executor: the store's database or a transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>;

/** Where the store lives. */
export interface StoreOptions {
  /**
   * A `postgres://` URL; without one the store is SQLite.
   * @default process.env.DATABASE_URL
   */
  readonly databaseUrl?: string;
  /**
   * The directory of the SQLite file (`control.db`).
   * @default `<repo>/.platform` (PLATFORM_DATA_DIR)
   */
  readonly dataDir?: string;
  /**
   * Connections of the Postgres pool.
   * @default 10
   */
  readonly poolSize?: number;
}

/** An open, migrated store. */
export class Store {
  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    /** Where it is, for people (a file path, or the URL without its password). */
    readonly location: string,
  ) {}

  /** Opens and migrates the store. */
  static async open(options: StoreOptions): Promise<Store> {
    let store: Store;
    if (options.databaseUrl) {
      if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
        throw new Error(
          `DATABASE_URL: ${JSON.stringify(redactUrl(options.databaseUrl))} is not a postgres:// URL; ` +
            `unset it to use the SQLite store under PLATFORM_DATA_DIR`,
        );
      }
      const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
      store = new Store(
        new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
        "postgres",
        redactUrl(options.databaseUrl),
      );
    } else {
      const dir = options.dataDir ?? ".platform";
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, "control.db");
      store = new Store(new Kysely<Database>({ dialect: sqliteDialect(file) }), "sqlite", file);
    }
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === "Error")?.migrationName;
      throw new Error(`store ${this.location}: migration ${failed ?? "?"} failed: ${String(error)}`, {
        cause: error,
      });
    }
  }

  /** Runs `body` in one transaction. */
  transaction<T>(body: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(body);
  }

  /** A round trip to the database (readiness). */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** The URL without its password. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

/** Now, as the store keeps times (ISO-8601 UTC, millisecond precision: they sort as they compare). */
export function isoNow(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

/**
 * A new id: `<prefix>_` + time (base36, so ids sort by creation) + random. Opaque to clients.
 */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, "0")}${crypto.randomBytes(6).toString("hex")}`;
}

/** JSON text of a column, or undefined. */
export function parseJson<T>(text: string | null | undefined): T | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as T);
}

/** Whether an error is a unique-constraint violation (both stores). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string; errcode?: number };
  return e?.code === "23505" || /UNIQUE constraint failed/.test(e?.message ?? "");
}
