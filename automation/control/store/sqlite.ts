/**
 * A Kysely dialect over Node's built-in `node:sqlite` (no native module: the same binary runs on
 * every Node 22 ABI). Kysely's own `SqliteDialect` drives any database with better-sqlite3's
 * synchronous shape (`prepare` → `all` / `run` / `iterate`, `reader`); `node:sqlite`'s
 * `DatabaseSync` has the same shape but spreads parameters, tells readers by `columns()` and binds
 * no booleans, so this adapter is all that is needed (docs/decisions/0005-control-plane-store.md).
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { SqliteDatabase, SqliteDialect, SqliteStatement } from "kysely";

/** Prepared statements kept (queries with `in (...)` lists make a few shapes per list length). */
const STATEMENT_CACHE_SIZE = 500;

type Param = null | number | bigint | string | Uint8Array;

function bind(parameters: ReadonlyArray<unknown>): Param[] {
  return parameters.map((p) => {
    if (typeof p === "boolean") {
      return p ? 1 : 0;
    }
    if (p === undefined) {
      return null;
    }
    return p as Param;
  });
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  constructor(private readonly statement: StatementSync) {
    this.reader = statement.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.statement.all(...bind(parameters));
  }
  run(parameters: ReadonlyArray<unknown>) {
    const { changes, lastInsertRowid } = this.statement.run(...bind(parameters));
    return { changes, lastInsertRowid };
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.statement.iterate(...bind(parameters)) as IterableIterator<unknown>;
  }
}

/** The `node:sqlite` database in Kysely's better-sqlite3 shape. */
export class NodeSqliteDatabase implements SqliteDatabase {
  /**
   * Prepared statements by SQL text: Kysely prepares every query it runs, and the API runs the same
   * few hundred queries over and over (preparing is most of a small query's cost).
   */
  private readonly statements = new Map<string, NodeSqliteStatement>();

  constructor(readonly db: DatabaseSync) {}

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
      statement = new NodeSqliteStatement(this.db.prepare(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }
  close(): void {
    this.db.close();
  }
}

/**
 * Opens (creating) a SQLite file, in WAL mode so readers never wait for the writer, with a busy
 * timeout so a second process (the tokens CLI) waits instead of failing.
 */
export function sqliteDialect(file: string): SqliteDialect {
  // Loaded on first use: Postgres deployments never load it, and the entry points can silence its
  // "experimental" warning before it is emitted.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DatabaseSync: Database } = require("node:sqlite") as typeof import("node:sqlite");
  const db: DatabaseSync = new Database(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
  return new SqliteDialect({ database: new NodeSqliteDatabase(db) });
}
