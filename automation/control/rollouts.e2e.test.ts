/**
 * Rollouts through the control plane's API on the real engine, with the real tenant program on the
 * cloud double and the double's health file as the gate: a dry run changes nothing, a rollout of
 * three tenants in two waves runs to completion with its events, the stored specs carry the new
 * image, and a bad plan is refused with field-level problems.
 */
import * as path from "path";
import { cloudProbe } from "../rollout/probes";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";
import { createToken } from "./auth";
import { createInstance, Instance } from "./instance";
import { Store } from "./store/store";
import { api, until } from "./testing/processes";

const TENANTS = ["roll-one", "roll-two", "roll-three"];

let h: DoubleHarness;
let instance: Instance;
let url: string;
let admin: string;
let ci: string;

beforeAll(async () => {
  h = await createDoubleHarness("control-rollouts");
  const store = await Store.open({ dataDir: path.join(h.dir, "control") });
  admin = (await createToken(store.db, { name: "e2e-admin", role: "admin" })).token;
  ci = (await createToken(store.db, { name: "e2e-ci", role: "ci" })).token;
  instance = await createInstance({
    store,
    service: h.service,
    worker: { pollMs: 200 },
    rollouts: { probe: cloudProbe(h.settings, h.service, h.base), pollMs: 200, waitMs: 200 },
  });
  url = await instance.listen("127.0.0.1", 0);
  instance.startBackground();
  const ops = [];
  for (const id of TENANTS) {
    const r = await api(url, admin, "POST", "/v1/tenants", { spec: testSpec(id) });
    expect(r.status).toBe(202);
    ops.push(r.body.id as string);
  }
  for (const id of ops) {
    const done = await until(
      `onboarding ${id}`,
      async () => {
        const op = await api(url, admin, "GET", `/v1/operations/${id}`);
        return op.body.finishedAt ? op.body : undefined;
      },
      600_000,
    );
    expect(done.status).toBe("succeeded");
  }
}, 900_000);

afterAll(async () => {
  await instance?.stop(5000);
  h?.cleanup();
});

const PLAN = "canary=roll-one soak=0; rest concurrency=2 soak=0";

it("refuses a bad wave plan with field-level problems, and a ci token", async () => {
  const bad = await api(url, admin, "POST", "/v1/rollouts", {
    environment: "staging",
    image: "1.1.0",
    waves: "canary=roll-one soak=5x; tier=gold",
  });
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ path: "body.waves.wave 1.soak", value: "5x" }),
      expect.objectContaining({ path: "body.waves.wave 2.tier", value: "gold" }),
    ]),
  );
  const image = await api(url, admin, "POST", "/v1/rollouts", {
    environment: "staging",
    image: "latest",
    waves: PLAN,
  });
  expect(image.status).toBe(400);
  expect(image.body.errors[0]).toMatchObject({ path: "body.image", value: "latest" });
  const unknown = await api(url, admin, "POST", "/v1/rollouts", {
    environment: "staging",
    image: "1.1.0",
    waves: "canary=nobody; rest",
  });
  expect(unknown.status).toBe(400);
  expect(JSON.stringify(unknown.body.errors)).toContain("nobody");
  expect(
    (await api(url, ci, "POST", "/v1/rollouts", { environment: "staging", image: "1.1.0", waves: PLAN }))
      .status,
  ).toBe(403);
  expect((await api(url, admin, "GET", "/v1/rollouts")).body.items).toEqual([]);
});

it("plans with dryRun and changes nothing, then rolls 1.1.0 out in two waves to completion", async () => {
  const dry = await api(url, admin, "POST", "/v1/rollouts", {
    environment: "staging",
    image: "1.1.0",
    waves: PLAN,
    dryRun: true,
  });
  expect(dry.status).toBe(200);
  expect(
    dry.body.waves.map((w: { tenants: { tenant: string }[] }) => w.tenants.map((t) => t.tenant).sort()),
  ).toEqual([["roll-one"], ["roll-three", "roll-two"]]);
  expect((await api(url, admin, "GET", "/v1/rollouts")).body.items).toEqual([]);

  const started = Date.now();
  const r = await api(url, admin, "POST", "/v1/rollouts", {
    environment: "staging",
    image: "1.1.0",
    waves: PLAN,
  });
  expect(r.status).toBe(202);
  expect(r.body.links.self).toBe(`/v1/rollouts/${r.body.id}`);
  expect(r.body).toMatchObject({ environment: "staging", image: "1.1.0", status: "running" });
  // A second rollout of the environment is refused while this one runs.
  const second = await api(url, admin, "POST", "/v1/rollouts", {
    environment: "staging",
    image: "1.2.0",
    waves: PLAN,
  });
  expect(second.status).toBe(409);

  const done = await until(
    "the rollout to end",
    async () => {
      const got = await api(url, admin, "GET", `/v1/rollouts/${r.body.id}`);
      return got.body.status !== "running" ? got.body : undefined;
    },
    600_000,
  );
  expect(done.status).toBe("succeeded");
  console.log(
    `rollout of 3 tenants in 2 waves on the double: ${((Date.now() - started) / 1000).toFixed(1)} s`,
    JSON.stringify(done.report),
  );
  for (const id of TENANTS) {
    const t = await api(url, admin, "GET", `/v1/tenants/${id}`);
    expect([id, t.body.spec.imageTag, t.body.environments[0].state]).toEqual([id, "1.1.0", "active"]);
  }
  // The events: the rollout's status, every tenant's steps, and the updates it queued.
  const events = (await api(url, admin, "GET", "/v1/events?limit=1000")).body.items as {
    type: string;
    tenant?: string;
    data: { rollout?: string; to?: string };
  }[];
  const mine = events.filter((e) => e.data.rollout === r.body.id);
  expect(
    mine.filter((e) => e.type.startsWith("rollout.") && e.type !== "rollout.tenant").map((e) => e.type),
  ).toEqual(["rollout.running", "rollout.succeeded"]);
  for (const id of TENANTS) {
    expect(
      mine.filter((e) => e.type === "rollout.tenant" && e.tenant === id).map((e) => e.data.to),
    ).toContain("succeeded");
  }
  const updates = (await api(url, admin, "GET", "/v1/operations?kind=update")).body.items as {
    requestedBy: string;
  }[];
  expect(updates.filter((o) => o.requestedBy === `rollout ${r.body.id}`)).toHaveLength(3);
  // Over SSE: a finished rollout streams its last state and ends.
  const sse = await fetch(`${url}/v1/rollouts/${r.body.id}/events`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const text = await sse.text();
  expect(text).toContain("event: rollout");
  expect(text).toContain('"status":"succeeded"');
  expect(text.trim().endsWith("event: end\ndata: {}")).toBe(true);
  // Nothing left to pause.
  expect((await api(url, admin, "POST", `/v1/rollouts/${r.body.id}/pause`)).status).toBe(409);
}, 900_000);
