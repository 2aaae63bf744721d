/**
 * Two instances on one Postgres (a throwaway cluster from the Debian packages), 10 tenants sent
 * to both, one instance killed with SIGKILL midway: every tenant is onboarded exactly once, and
 * no stack ever has two operations at once, as the event and audit logs show.
 */
import * as path from "path";
import { writeKnobs } from "../../offline/double/knobs";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";
import { createToken } from "./auth";
import { Store } from "./store/store";
import { api, ServiceProcess, startService, until } from "./testing/processes";
import { startPostgres, TestPostgres } from "./testing/postgres";

const TENANTS = Array.from({ length: 10 }, (_, i) => `pg-tenant-${String(i).padStart(2, "0")}`);

let h: DoubleHarness;
let pg: TestPostgres;
let store: Store;
let token: string;
let a: ServiceProcess;
let b: ServiceProcess;

beforeAll(async () => {
  h = await createDoubleHarness("control-pg", ["staging", "production"]);
  // Each tenant's service takes a second on the double, so instance a is mid-operation when killed.
  writeKnobs(h.doubleDir, { latencyMs: { "aws:ecs/service:Service": 1000 } });
  pg = await startPostgres();
  store = await Store.open({ databaseUrl: pg.url, poolSize: 2 });
  token = (await createToken(store.db, { name: "e2e-admin", role: "admin" })).token;
  const env = (name: string) => ({
    DATABASE_URL: pg.url,
    PLATFORM_DATA_DIR: path.join(h.dir, name),
    PLATFORM_CONCURRENCY: "2",
    PLATFORM_LEASE_MS: "4000",
  });
  [a, b] = await Promise.all([startService(h, env("a")), startService(h, env("b"))]);
}, 600_000);

afterAll(async () => {
  for (const p of [a, b]) {
    if (p && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill("SIGTERM");
      await p.exited;
    }
  }
  await store?.close();
  pg?.stop();
  h?.cleanup();
});

it("onboards each tenant exactly once, never runs two operations on one stack, and takes over a killed instance's work", async () => {
  // Every tenant is sent to both instances at once.
  const posts = await Promise.all(
    TENANTS.flatMap((id) =>
      [a, b].map((p) => api(p.url, token, "POST", "/v1/tenants", { spec: testSpec(id) })),
    ),
  );
  for (const r of posts) expect([202, 200, 409]).toContain(r.status);
  // Kill one instance once a few operations run on it.
  await until("operations to run on instance a", async () => {
    const events = await api(b.url, token, "GET", "/v1/events?type=operation.started&limit=1000");
    const onA = events.body.items.filter((e: { instance: string }) =>
      e.instance.includes(String(a.child.pid)),
    );
    return onA.length >= 2 ? true : undefined;
  });
  // kill -9 of the instance with its CLI and plugins (its machine dies).
  await a.crash();
  // Contending operations on the same stacks, through the survivor.
  await until(
    "every tenant active",
    async () => {
      const list = await api(b.url, token, "GET", "/v1/tenants?env=staging&limit=100");
      const states = list.body.items.map((i: { state: string }) => i.state);
      return states.length === TENANTS.length && states.every((s: string) => s === "active")
        ? true
        : undefined;
    },
    600_000,
  );
  const contended = await Promise.all(
    TENANTS.slice(0, 4).flatMap((id) => [
      api(b.url, token, "POST", `/v1/tenants/${id}/drift`, { environment: "staging" }),
      api(b.url, token, "POST", `/v1/tenants/${id}/preview`, { environment: "staging" }),
    ]),
  );
  for (const r of contended) expect(r.status).toBe(202);
  await until(
    "the queue to drain",
    async () => {
      const rows = await store.db
        .selectFrom("operations")
        .select("status")
        .where("status", "in", ["queued", "running"])
        .execute();
      return rows.length === 0 ? true : undefined;
    },
    300_000,
  );

  // Exactly once: one onboard operation per tenant, succeeded; one accepted onboard in the audit log.
  const onboards = await store.db
    .selectFrom("operations")
    .selectAll()
    .where("kind", "=", "onboard")
    .execute();
  expect(onboards.map((o) => o.tenant).sort()).toEqual(TENANTS);
  expect(onboards.every((o) => o.status === "succeeded")).toBe(true);
  const audit = await store.db
    .selectFrom("audit")
    .selectAll()
    .where("action", "=", "tenant.onboard")
    .execute();
  const acceptedPerTenant = new Map<string, number>();
  for (const e of audit.filter((x) => Number(x.status) === 202))
    acceptedPerTenant.set(e.tenant!, (acceptedPerTenant.get(e.tenant!) ?? 0) + 1);
  expect([...acceptedPerTenant.entries()].sort()).toEqual(TENANTS.map((t) => [t, 1]));
  expect(
    audit.filter((x) => Number(x.status) !== 202).every((x) => [200, 409].includes(Number(x.status))),
  ).toBe(true);
  // The killed instance's operations were taken over: some onboarding ran twice (two instances).
  const taken = onboards.filter((o) => o.attempt > 1);
  expect(taken.length).toBeGreaterThan(0);

  // Never two operations on one stack: from the event log, each attempt runs from its
  // `operation.started` to the operation's next event that ends or hands it over; intervals of
  // different operations on one stack never overlap.
  const events = await store.db
    .selectFrom("events")
    .selectAll()
    .where("operation_id", "is not", null)
    .orderBy("id")
    .execute();
  const stackOf = new Map(
    (await store.db.selectFrom("operations").select(["id", "stack"]).execute()).map((o) => [o.id, o.stack]),
  );
  const open = new Map<string, { op: string; start: number }>();
  const intervals: { stack: string; op: string; start: number; end: number }[] = [];
  for (const e of events) {
    const stack = stackOf.get(e.operation_id!);
    if (!stack) continue;
    const seq = Number(e.id);
    const current = open.get(e.operation_id!);
    if (e.type === "operation.started") {
      if (current) intervals.push({ stack, op: e.operation_id!, start: current.start, end: seq });
      open.set(e.operation_id!, { op: e.operation_id!, start: seq });
    } else if (
      current &&
      ["operation.succeeded", "operation.failed", "operation.cancelled", "operation.requeued"].includes(
        e.type,
      )
    ) {
      intervals.push({ stack, op: e.operation_id!, start: current.start, end: seq });
      open.delete(e.operation_id!);
    }
  }
  expect(open.size).toBe(0);
  const overlaps = intervals.filter((x) =>
    intervals.some((y) => y.stack === x.stack && y.op !== x.op && x.start < y.end && y.start < x.end),
  );
  expect(overlaps).toEqual([]);
  // Every stack saw several operations (onboard, drift, preview) and no lease is left.
  expect(intervals.filter((i) => i.stack === `${TENANTS[0]}-staging`).length).toBeGreaterThanOrEqual(3);
  expect(await store.db.selectFrom("stack_leases").selectAll().execute()).toEqual([]);
  for (const t of TENANTS) expect(await h.engine.listLocks("tenant", `${t}-staging`)).toEqual([]);
  // Both instances placed tenants at once: every tenant has one ingress slot, no two the same.
  const placements = await store.db.selectFrom("placements").selectAll().execute();
  expect(placements.map((p) => p.tenant).sort()).toEqual(TENANTS);
  expect(new Set(placements.map((p) => `${p.shard}/${p.priority}`)).size).toBe(TENANTS.length);
}, 900_000);
