/**
 * Ingress placement through the API (issue 14 part 4): a new tenant gets a shard and a listener
 * priority no stored tenant has, recorded in its spec; an existing one keeps its own; what cannot
 * be placed is refused before anything is stored, naming the field.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kysely, Migrator } from "kysely";
import { derivedListenerPriority, SHARD_CAPACITY } from "../../common/ingress";
import { migrationProvider } from "./store/migrations";
import { Database } from "./store/schema";
import { sqliteDialect } from "./store/sqlite";
import { putPlacement, putTenant } from "./store/tenants";
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;

afterEach(async () => {
  await t.close();
  removeDir(t.dir);
});

/** Two tenant ids whose derived priorities are the same (the birthday bound finds one fast). */
function collidingIds(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const id = `co-${i}`;
    const p = derivedListenerPriority(id);
    const other = seen.get(p);
    if (other) return [other, id];
    seen.set(p, id);
  }
}

/** An instance whose environments' base stacks have `shards` ingress shards (on `dir`'s store). */
async function withShards(shards: number, dir?: string) {
  t = await testInstance({
    dir,
    environment: async (env) => ({
      environment: env,
      stack: `organization/platform/${env}`,
      outputs: { ingressShards: Array.from({ length: shards }, (_, k) => ({ index: k })) },
    }),
  });
}

const stored = async (id: string) => (await t.call("GET", `/v1/tenants/${id}`)).body.spec;

it("gives the second of two tenants with the same derived priority the next free one, in its spec", async () => {
  await withShards(1);
  const [a, b] = collidingIds();
  const first = await t.call("POST", "/v1/tenants", { body: { spec: specBody(a) } });
  const second = await t.call("POST", "/v1/tenants", { body: { spec: specBody(b) } });
  expect([first.status, second.status]).toEqual([202, 202]);
  expect(await stored(a)).not.toHaveProperty("listenerRulePriority");
  expect(await stored(a)).not.toHaveProperty("ingressShard");
  const priority = derivedListenerPriority(a);
  expect((await stored(b)).listenerRulePriority).toBe(priority + 1);
  // The operation deploys the placed spec.
  const op = await t.waitFor(second.body.id);
  expect(op.status).toBe("succeeded");
  // A retry of the same request (its spec unplaced) is the same onboarding, not a conflict.
  const again = await t.call("POST", "/v1/tenants", { body: { spec: specBody(b) } });
  expect(again.status).toBe(200);
  expect(again.body.id).toBe(second.body.id);
  expect((await stored(b)).listenerRulePriority).toBe(priority + 1);
});

it("spreads new tenants over the shards, least loaded first, and keeps an existing tenant's shard", async () => {
  await withShards(3);
  for (const id of ["s-a", "s-b", "s-c", "s-d"]) {
    expect((await t.call("POST", "/v1/tenants", { body: { spec: specBody(id) } })).status).toBe(202);
  }
  expect(
    await Promise.all(["s-a", "s-b", "s-c", "s-d"].map(async (id) => (await stored(id)).ingressShard)),
  ).toEqual([undefined, 1, 2, undefined]);
  // The same onboarding again (its spec unplaced): the same tenant on the same shard, not a move.
  const again = await t.call("POST", "/v1/tenants", { body: { spec: specBody("s-b") } });
  expect(again.status).toBe(200);
  expect((await stored("s-b")).ingressShard).toBe(1);
});

it("refuses a listenerRulePriority another tenant has, naming the field and the holder, and stores nothing", async () => {
  await withShards(1);
  await t.call("POST", "/v1/tenants", { body: { spec: specBody("holder") } });
  const taken = derivedListenerPriority("holder");
  const r = await t.call("POST", "/v1/tenants", {
    body: { spec: specBody("squatter", { listenerRulePriority: taken }) },
  });
  expect(r.status).toBe(400);
  expect(r.body.errors).toEqual([
    {
      path: "body.spec.listenerRulePriority",
      value: taken,
      message: `priority ${taken} on ingress shard 0 is taken by tenant holder; omit listenerRulePriority to be given a free one`,
    },
  ]);
  expect((await t.call("GET", "/v1/tenants/squatter")).status).toBe(404);
});

it("refuses a shard the base stack does not have, and a registry whose shards are full, with the fix", async () => {
  await withShards(2);
  const missing = await t.call("POST", "/v1/tenants", {
    body: { spec: specBody("far", { ingressShard: 2 }) },
  });
  expect(missing.status).toBe(400);
  expect(missing.body.errors[0]).toMatchObject({
    path: "body.spec.ingressShard",
    value: 2,
    message: expect.stringContaining("ingress shard 2 does not exist: the base stack has 2 (0 to 1)"),
  });
  // Both shards full: stored directly (placing 190 through the API is the same path, slower).
  for (let i = 0; i < 2 * SHARD_CAPACITY; i++) {
    const id = `full-${i}`;
    const shard = i % 2;
    await putTenant(t.store.db, id, { ...specBody(id), ...(shard ? { ingressShard: shard } : {}) });
    await putPlacement(t.store.db, id, { shard, priority: derivedListenerPriority(id) });
  }
  const full = await t.call("POST", "/v1/tenants", { body: { spec: specBody("one-more") } });
  expect(full.status).toBe(400);
  expect(full.body.errors[0]).toMatchObject({
    path: "body.spec.ingressShard",
    message: expect.stringMatching(
      /every ingress shard is full \(2 shards, \d+ tenants each.*raise platform:ingressShards to 3/,
    ),
  });
  expect((await t.call("GET", "/v1/tenants/one-more")).status).toBe(404);
});

it("places concurrent onboardings on distinct slots", async () => {
  await withShards(1);
  const ids = Array.from({ length: 30 }, (_, i) => `par-${i}`);
  const rs = await Promise.all(
    ids.map((id) => t.call("POST", "/v1/tenants", { body: { spec: specBody(id) } })),
  );
  expect(rs.map((r) => r.status)).toEqual(ids.map(() => 202));
  const priorities = await Promise.all(
    ids.map(async (id) => (await stored(id)).listenerRulePriority ?? derivedListenerPriority(id)),
  );
  expect(new Set(priorities).size).toBe(ids.length);
});

it("places the tenants of a store from before placements from their specs; a pair that already collided is named", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "control-placements-"));
  const [first, second] = collidingIds();
  // The store as migration 0002 left it, with three tenants in it.
  const old = new Kysely<Database>({ dialect: sqliteDialect(path.join(dir, "control.db")) });
  const migrated = await new Migrator({ db: old, provider: migrationProvider("sqlite") }).migrateTo(
    "0002-rollouts",
  );
  expect(migrated.error).toBeUndefined();
  const now = new Date().toISOString();
  for (const [id, extra] of [
    [first, {}],
    [second, {}],
    ["moved", { ingressShard: 1, listenerRulePriority: 7 }],
  ] as const) {
    await old
      .insertInto("tenants")
      .values({ id, spec: JSON.stringify({ ...specBody(id), ...extra }), created_at: now, updated_at: now })
      .execute();
  }
  await old.destroy();

  await withShards(2, dir);
  const rows = await t.store.db.selectFrom("placements").selectAll().orderBy("tenant").execute();
  expect(rows).toEqual(
    [
      { tenant: first, shard: 0, priority: derivedListenerPriority(first) },
      { tenant: "moved", shard: 1, priority: 7 },
    ].sort((a, b) => a.tenant.localeCompare(b.tenant)),
  );
  // The second of the pair keeps its stored spec, which collides: refused with the fix.
  const r = await t.call("POST", "/v1/tenants", { body: { spec: specBody(second) } });
  expect(r.status).toBe(400);
  expect(r.body.errors[0]).toMatchObject({
    path: "body.spec.listenerRulePriority",
    message: expect.stringContaining(
      `is also tenant ${first}'s (both were stored before placements were recorded)`,
    ),
  });
  // With a free priority given, it is placed.
  const fixed = await t.call("POST", "/v1/tenants", {
    body: { spec: specBody(second, { listenerRulePriority: derivedListenerPriority(first) + 1 }) },
  });
  expect(fixed.status).toBe(202);
});
