/**
 * The sample application (app/): its HTTP service, its migrate command (against a fake client that
 * records the SQL), and the shape of its Dockerfile (multi-stage, non-root, the entry point the
 * tenant task runs with `migrate`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import { APP_DIR } from "./program";

// The app is plain JavaScript with no build step (it runs as is in its image).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require(path.join(APP_DIR, "src", "server.js"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const migrations = require(path.join(APP_DIR, "src", "migrate.js"));

describe("the sample app's HTTP service", () => {
  let instance: import("http").Server;
  let url: string;
  beforeAll(async () => {
    instance = await server.startServer({
      port: 0,
      host: "127.0.0.1",
      env: { TENANT_ID: "acme", APP_VERSION: "1.2.3" },
    });
    url = `http://127.0.0.1:${(instance.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => instance.close(resolve)));

  it("answers /healthz with 200 and its version, / with the tenant, anything else with 404", async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", version: "1.2.3" });
    expect(await (await fetch(`${url}/`)).json()).toMatchObject({ tenant: "acme" });
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: "POST" })).status).toBe(405);
  });
});

/** A fake node-postgres client: records every statement, answers the applied list. */
function fakeClient(applied: string[], failOn?: string) {
  const sql: string[] = [];
  return {
    sql,
    async query(text: string, params?: unknown[]) {
      sql.push(params ? `${text} ${JSON.stringify(params)}` : text.trim().split("\n")[0]);
      if (failOn && text.includes(failOn)) {
        throw new Error("syntax error at or near");
      }
      return {
        rows: text.startsWith("SELECT name FROM schema_migrations") ? applied.map((name) => ({ name })) : [],
      };
    },
  };
}

describe("the sample app's migrate command", () => {
  it("applies the pending migrations in order, each in a transaction, under an advisory lock", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
    try {
      fs.writeFileSync(path.join(dir, "001_a.sql"), "CREATE TABLE a (id int);");
      fs.writeFileSync(path.join(dir, "002_b.sql"), "CREATE TABLE b (id int);");
      fs.writeFileSync(path.join(dir, "notes.txt"), "not a migration");
      const client = fakeClient(["001_a.sql"]);
      expect(await migrations.migrate(client, dir)).toEqual(["002_b.sql"]);
      expect(client.sql).toEqual([
        `SELECT pg_advisory_lock($1) [${migrations.LOCK_KEY}]`,
        "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
        "SELECT name FROM schema_migrations",
        "BEGIN",
        "CREATE TABLE b (id int);",
        'INSERT INTO schema_migrations (name) VALUES ($1) ["002_b.sql"]',
        "COMMIT",
        `SELECT pg_advisory_unlock($1) [${migrations.LOCK_KEY}]`,
      ]);
      const failing = fakeClient([], "TABLE b");
      await expect(migrations.migrate(failing, dir)).rejects.toThrow(
        "migration 002_b.sql failed: syntax error",
      );
      expect(failing.sql.slice(-2)).toEqual([
        "ROLLBACK",
        `SELECT pg_advisory_unlock($1) [${migrations.LOCK_KEY}]`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ships its migrations and reads the connection from the task's DB_* variables", () => {
    expect(migrations.migrationFiles()).toEqual(["001_create_notes.sql"]);
    expect(() => migrations.connectionFromEnv({ DB_HOST: "h" })).toThrow(
      "missing environment variables: DB_NAME, DB_USER, DB_PASSWORD",
    );
    expect(
      migrations.connectionFromEnv({
        DB_HOST: "h",
        DB_PORT: "5433",
        DB_NAME: "n",
        DB_USER: "u",
        DB_PASSWORD: "p",
      }),
    ).toMatchObject({ host: "h", port: 5433, database: "n", user: "u", ssl: { rejectUnauthorized: false } });
  });
});

describe("the sample app's Dockerfile", () => {
  const dockerfile = fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");
  const lines = dockerfile.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));

  it("is multi-stage and runs as a non-root user in the final stage", () => {
    const stages = lines.filter((l) => l.startsWith("FROM "));
    expect(stages).toEqual(["FROM node:22-alpine AS deps", "FROM node:22-alpine AS runtime"]);
    const final = lines.slice(lines.indexOf(stages[1]));
    expect(final.filter((l) => l.startsWith("USER "))).toEqual(["USER 1000:1000"]);
    expect(final.some((l) => l.startsWith("COPY --from=deps"))).toBe(true);
  });

  it("serves by default and migrates with the command `migrate` (the tenant task's migrate container)", () => {
    expect(lines).toContain('ENTRYPOINT ["node", "src/main.js"]');
    expect(lines).toContain('CMD ["serve"]');
    expect(lines).toContain("EXPOSE 8080");
    expect(fs.existsSync(path.join(APP_DIR, "package-lock.json"))).toBe(true);
  });
});
