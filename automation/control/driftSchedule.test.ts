/**
 * The control plane's drift scheduler on a fake clock over the fake engine: only the tiers that are
 * due get a drift operation, drift moves a tenant to `drifted` with an event, several instances
 * queue one operation per boundary, and only opted-in tenants are remediated.
 */
import type { EngineEvent } from "../engine/types";
import type { SchedulerClock } from "../drift/schedule";
import { ControlDriftScheduler, DRIFT_SCHEDULER } from "./driftSchedule";
import { getOperation } from "./store/operations";
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

/** A fake clock: time moves only when the test says. */
class FakeClock implements SchedulerClock {
  constructor(private t: number) {}
  now = () => new Date(this.t);
  set(iso: string) {
    this.t = Date.parse(iso);
  }
  setTimeout = () => 0;
  clearTimeout = () => undefined;
}

/** A resource change as the engine reports one in a refresh preview (what drift looks for). */
function driftEvent(stack: string): EngineEvent {
  const metadata = {
    op: "update",
    urn: `urn:pulumi:${stack}::tenant::test:index:Resource::service`,
    type: "test:index:Resource",
    provider: "",
    diffs: ["desiredCount"],
  };
  return {
    sequence: 0,
    timestamp: 0,
    resourcePreEvent: { metadata, planning: true },
  } as unknown as EngineEvent;
}

let t: TestInstance;
const TENANTS = [
  ["ent-one", "enterprise"],
  ["std-one", "standard"],
  ["trial-one", "trial"],
] as const;

beforeEach(async () => {
  t = await testInstance();
  for (const [id, tier] of TENANTS) {
    const r = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody(id, { tier }), environment: "staging" },
    });
    expect((await t.waitFor(r.body.id)).status).toBe("succeeded");
  }
  // ent-one has drifted outside Pulumi; the others have not.
  t.engine.behavior = (op, stack, opts) => {
    if (op === "previewRefresh" && stack.startsWith("ent-one")) opts.onEvent?.(driftEvent(stack));
  };
});

afterEach(async () => {
  await t.close();
  removeDir(t.dir);
});

/** The scheduler's operations, oldest first. */
async function scheduled() {
  const ops = (await t.call("GET", "/v1/operations?limit=200")).body.items as {
    id: string;
    kind: string;
    tenant: string;
    requestedBy: string;
  }[];
  return ops.filter((o) => o.requestedBy === DRIFT_SCHEDULER).reverse();
}

it("queues drift only for the tiers that are due, and drift moves the tenant to drifted with an event", async () => {
  const clock = new FakeClock(Date.parse("2026-03-02T00:30:00Z"));
  const scheduler = new ControlDriftScheduler(t.instance.control, { clock });

  // 00:30 → 01:00: the hourly tier only (enterprise).
  clock.set("2026-03-02T01:00:00Z");
  const first = await scheduler.tick();
  expect(first.tiers).toEqual(["enterprise"]);
  expect(first.operations.map((o) => [o.tenant, o.kind])).toEqual([["ent-one", "drift"]]);
  const op = await t.waitFor(first.operations[0].operationId!);
  expect(op).toMatchObject({
    kind: "drift",
    status: "succeeded",
    result: expect.objectContaining({ drifted: true }),
  });
  const ent = await t.call("GET", "/v1/tenants/ent-one");
  expect(ent.body.environments[0].state).toBe("drifted");
  const events = (await t.call("GET", "/v1/events?tenant=ent-one&type=tenant.state_changed")).body.items;
  expect(events[events.length - 1].data).toMatchObject({ from: "active", to: "drifted" });

  // 01:00 → 01:59: no boundary, nothing is due.
  clock.set("2026-03-02T01:59:00Z");
  expect((await scheduler.tick()).operations).toEqual([]);

  // 01:59 → 06:00: enterprise and standard (every 6 hours); no trial.
  clock.set("2026-03-02T06:00:00Z");
  const second = await scheduler.tick();
  expect([...second.tiers].sort()).toEqual(["enterprise", "standard"]);
  expect(second.operations.map((o) => o.tenant)).toEqual(["ent-one", "std-one"]);
  for (const o of second.operations) await t.waitFor(o.operationId!);
  expect((await t.call("GET", "/v1/tenants/std-one")).body.environments[0].state).toBe("active");

  // → next midnight: every tier, trial included.
  clock.set("2026-03-03T00:00:00Z");
  const third = await scheduler.tick();
  expect(third.operations.map((o) => o.tenant)).toEqual(["ent-one", "std-one", "trial-one"]);
  for (const o of third.operations) await t.waitFor(o.operationId!);
  // No remediation without opting in: ent-one stays drifted, and the scheduler ran no update.
  expect((await t.call("GET", "/v1/tenants/ent-one")).body.environments[0].state).toBe("drifted");
  expect((await scheduled()).filter((o) => o.kind !== "drift")).toEqual([]);
});

it("queues one operation per boundary however many instances tick (the Idempotency-Key)", async () => {
  const at = Date.parse("2026-03-02T00:30:00Z");
  const a = new ControlDriftScheduler(t.instance.control, { clock: new FakeClock(at) });
  const bClock = new FakeClock(at);
  const b = new ControlDriftScheduler(t.instance.control, { clock: bClock });
  const aClock = (a as unknown as { clock: FakeClock }).clock;
  aClock.set("2026-03-02T01:00:00Z");
  bClock.set("2026-03-02T01:00:05Z");
  const [x, y] = [await a.tick(), await b.tick()];
  expect(x.operations[0].operationId).toEqual(y.operations[0].operationId);
  expect(await scheduled()).toHaveLength(1);
});

it("remediates drift only for tenants opted in, with an update of the stored spec", async () => {
  t.engine.behavior = (op, stack, opts) => {
    if (op === "previewRefresh") opts.onEvent?.(driftEvent(stack));
  };
  const clock = new FakeClock(Date.parse("2026-03-01T23:30:00Z"));
  const scheduler = new ControlDriftScheduler(t.instance.control, { clock, remediate: ["std-one"] });
  clock.set("2026-03-02T00:00:00Z");
  for (const o of (await scheduler.tick()).operations) await t.waitFor(o.operationId!);
  for (const [id] of TENANTS) {
    expect((await t.call("GET", `/v1/tenants/${id}`)).body.environments[0].state).toBe("drifted");
  }
  // The next tick remediates the opted-in tenant only; the others stay drifted.
  clock.set("2026-03-02T00:10:00Z");
  const next = await scheduler.tick();
  expect(next.operations.map((o) => [o.tenant, o.kind])).toEqual([["std-one", "update"]]);
  const update = await t.waitFor(next.operations[0].operationId!);
  expect(update.status).toBe("succeeded");
  const row = await getOperation(t.store.db, update.id);
  expect(row?.requested_by).toBe(DRIFT_SCHEDULER);
  expect((await t.call("GET", "/v1/tenants/std-one")).body.environments[0].state).toBe("active");
  expect((await t.call("GET", "/v1/tenants/ent-one")).body.environments[0].state).toBe("drifted");
  expect((await t.call("GET", "/v1/tenants/trial-one")).body.environments[0].state).toBe("drifted");
});
