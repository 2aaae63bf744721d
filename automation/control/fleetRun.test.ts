/**
 * Fleet runs: planned by the library from the store's tenants, run as child operations through
 * the queue (one per stack, at most `concurrency` at once), ending with the fleet report.
 */
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;

beforeEach(async () => {
  t = await testInstance();
});

afterEach(async () => {
  await t.close();
  removeDir(t.dir);
});

it("reconciles an environment: onboards the tenants missing there, leaves converged ones, reports", async () => {
  for (const id of ["alpha", "bravo", "charlie"]) {
    await t.waitFor((await t.call("POST", "/v1/tenants", { body: { spec: specBody(id) } })).body.id);
  }
  let running = 0;
  let peak = 0;
  t.engine.behavior = async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 150));
    running--;
  };
  const r = await t.call("POST", "/v1/fleet/reconcile", {
    body: { environment: "production", concurrency: 2 },
  });
  expect(r.status).toBe(202);
  const done = await t.waitFor(r.body.id, 20_000);
  expect(done.status).toBe("succeeded");
  expect(
    done.result.items
      .map((i: { tenant: string; action: string; status: string }) => `${i.tenant}:${i.action}:${i.status}`)
      .sort(),
  ).toEqual(["alpha:onboard:succeeded", "bravo:onboard:succeeded", "charlie:onboard:succeeded"]);
  expect(done.result.totals).toEqual({ succeeded: 3 });
  expect(peak).toBeLessThanOrEqual(2);
  const alpha = await t.call("GET", "/v1/tenants/alpha");
  expect(
    alpha.body.environments.map((e: { environment: string; state: string }) => `${e.environment}:${e.state}`),
  ).toEqual(["production:active", "staging:active"]);
  t.engine.behavior = () => undefined;
  const again = await t.waitFor(
    (await t.call("POST", "/v1/fleet/reconcile", { body: { environment: "production" } })).body.id,
  );
  expect(again.result.totals).toEqual({ skipped: 3 });
});

it("runs drift over every stack of the environment", async () => {
  await t.waitFor((await t.call("POST", "/v1/tenants", { body: { spec: specBody("alpha") } })).body.id);
  const done = await t.waitFor(
    (await t.call("POST", "/v1/fleet/drift", { body: { environment: "staging" } })).body.id,
  );
  expect(done.result.items).toEqual([
    expect.objectContaining({ tenant: "alpha", action: "drift", status: "succeeded", drifted: false }),
  ]);
});
