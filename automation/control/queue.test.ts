/**
 * The durable queue: one operation per stack across instances (FIFO per stack), leases that a
 * dead instance's operations expire from, takeover with repair of what the dead run left, and
 * operations that cannot resume failing with the reason instead of staying `running`.
 */
import * as os from "os";
import { ControlPlane } from "./core";
import { claimNext, finishOperation, getOperation } from "./store/operations";
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;

afterEach(async () => {
  await t.close();
  removeDir(t.dir);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("claiming", () => {
  beforeEach(async () => {
    t = await testInstance({ background: false });
  });

  it("gives one stack to one claimant at a time, in order, and the next operation after the first ends", async () => {
    const a = new ControlPlane(t.store, "instance-a");
    const spec = { ...specBody("acme"), tier: "trial" } as never;
    const first = await a.request({
      kind: "onboard",
      tenant: "acme",
      environment: "staging",
      spec,
      storeSpec: true,
      requestedBy: "t",
    });
    const preview = await a
      .request({ kind: "preview", tenant: "acme", environment: "staging", spec, requestedBy: "t" })
      .catch((e) => e);
    expect(preview).toMatchObject({ kind: "conflict" }); // requested: nothing to preview yet
    const other = await a.request({
      kind: "onboard",
      tenant: "globex",
      environment: "staging",
      spec: { ...(spec as object), id: "globex" } as never,
      storeSpec: true,
      requestedBy: "t",
    });

    const db = t.store.db;
    const c1 = await claimNext(db, { owner: "instance-a", leaseMs: 60_000, kinds: "stack" });
    const c2 = await claimNext(db, { owner: "instance-b", leaseMs: 60_000, kinds: "stack" });
    const c3 = await claimNext(db, { owner: "instance-b", leaseMs: 60_000, kinds: "stack" });
    expect(c1?.id).toBe(first.operation.id);
    expect(c2?.id).toBe(other.operation.id);
    expect(c3).toBeUndefined();
    // A second operation on acme waits for the first, whoever asks.
    await a.started(db, c1!);
    await finishOperation(db, c1!, "instance-a", "succeeded", {});
    await a.finished(db, c1!, { ok: true });
    const update = await a.request({
      kind: "update",
      tenant: "acme",
      environment: "staging",
      spec,
      requestedBy: "t",
    });
    const drift = await a.request({
      kind: "drift",
      tenant: "acme",
      environment: "staging",
      requestedBy: "t",
    });
    const u = await claimNext(db, { owner: "instance-b", leaseMs: 60_000, kinds: "stack" });
    expect(u?.id).toBe(update.operation.id);
    expect(await claimNext(db, { owner: "instance-a", leaseMs: 60_000, kinds: "stack" })).toBeUndefined();
    await finishOperation(db, u!, "instance-b", "succeeded", {});
    expect((await claimNext(db, { owner: "instance-a", leaseMs: 60_000, kinds: "stack" }))?.id).toBe(
      drift.operation.id,
    );
  });

  it("lets another instance take an operation over once its lease expired, and refuses the late finish of the first", async () => {
    const a = new ControlPlane(t.store, "instance-a");
    const r = await a.request({
      kind: "onboard",
      tenant: "acme",
      environment: "staging",
      spec: specBody("acme") as never,
      storeSpec: true,
      requestedBy: "t",
    });
    const db = t.store.db;
    const dead = await claimNext(db, { owner: "dead", leaseMs: 100, kinds: "stack" });
    expect(dead?.id).toBe(r.operation.id);
    expect(await claimNext(db, { owner: "live", leaseMs: 60_000, kinds: "stack" })).toBeUndefined();
    await sleep(150);
    const taken = await claimNext(db, { owner: "live", leaseMs: 60_000, kinds: "stack" });
    expect(taken).toMatchObject({ id: r.operation.id, attempt: 2, lease_owner: "live" });
    expect(await finishOperation(db, dead!, "dead", "failed", {})).toBe(false);
    expect((await getOperation(db, r.operation.id))?.status).toBe("running");
  });
});

describe("takeover by a worker", () => {
  it("repairs what the dead run left (stale lock), runs the operation again and ends it", async () => {
    t = await testInstance();
    const onboard = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    await t.waitFor(onboard.body.id);
    await t.instance.worker.stop(0);
    const update = await t.call("PATCH", "/v1/tenants/acme", { body: { spec: { displayName: "Acme 2" } } });
    const id = update.body.operations[0].id;
    // An instance claims it, leaves a lock of a CLI process that no longer exists, and dies.
    await claimNext(t.store.db, { owner: "dead-instance", leaseMs: 200, kinds: "stack" });
    const state = t.engine.stacks.get("tenant/acme-staging")!;
    state.locks.push({
      location: "locks/acme-staging/1.json",
      pid: 2 ** 22 + 12345,
      hostname: os.hostname(),
      timestamp: new Date(),
    });
    const next = await testInstance({ dir: t.dir, engine: t.engine, instanceId: "next-instance" });
    try {
      const done = await next.waitFor(id);
      expect(done).toMatchObject({ status: "succeeded", attempt: 2 });
      expect(state.locks).toEqual([]);
      const events = (await next.call("GET", `/v1/events?operation=${id}`)).body.items;
      expect(events.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining(["operation.started", "operation.repaired", "operation.succeeded"]),
      );
      const repaired = events.find((e: { type: string }) => e.type === "operation.repaired");
      expect(repaired.data.actions.join("\n")).toMatch(/removed lock/);
      const tenant = await next.call("GET", "/v1/tenants/acme");
      expect(tenant.body.environments[0]).toMatchObject({ state: "active" });
    } finally {
      await next.close();
    }
  });

  it("fails an interrupted operation whose secrets died with its instance, with the reason", async () => {
    t = await testInstance({ background: false });
    const r = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody("acme"), secrets: { API_KEY: "value-1" } },
    });
    // The instance that holds the secrets claims the operation and dies (its pin is not renewed).
    await claimNext(t.store.db, { owner: t.instance.id, leaseMs: 200, kinds: "stack" });
    await t.instance.worker.stop(0);
    const next = await testInstance({ dir: t.dir, engine: t.engine, instanceId: "next-instance" });
    try {
      const done = await next.waitFor(r.body.id);
      expect(done.status).toBe("failed");
      expect(done.error.detail).toMatch(/could not be resumed.*app secrets were held only in the memory/);
      const tenant = await next.call("GET", "/v1/tenants/acme");
      expect(tenant.body.environments[0]).toMatchObject({
        state: "failed",
        reason: expect.stringMatching(/secrets/),
      });
    } finally {
      await next.close();
    }
  });
});
