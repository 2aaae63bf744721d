/**
 * The control plane on the real engine (Pulumi's CLI and a file backend) with the real base and
 * tenant programs on the cloud double: onboarding through the API with its SSE stream, cancelling
 * a running operation, a kill -9 mid-operation and a restart, and a SIGTERM drain that leaves the
 * operation resumable. The double's latency knob keeps an operation mid-flight.
 */
import * as fs from "fs";
import * as path from "path";
import { writeKnobs } from "../../offline/double/knobs";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";
import { createToken } from "./auth";
import { baseStackInfo } from "./embedded";
import { createInstance, Instance } from "./instance";
import { Store } from "./store/store";
import { api, startService, until, untilResourceStarts } from "./testing/processes";

/** The tenant program's slow resource on the double (the latency knob's target). */
const ECS_SERVICE = "aws:ecs/service:Service";

/** Every file under a directory, as text. */
function allText(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name)).toString("latin1"))
    .join("\n");
}

async function adminToken(dataDir: string): Promise<string> {
  const store = await Store.open({ dataDir });
  try {
    return (await createToken(store.db, { name: "e2e-admin", role: "admin" })).token;
  } finally {
    await store.close();
  }
}

describe("onboarding through the API (the real tenant program on the cloud double)", () => {
  let h: DoubleHarness;
  let instance: Instance;
  let url: string;
  let token: string;
  const dataDir = () => path.join(h.dir, "control");

  beforeAll(async () => {
    // The one seam: the service the instance runs is the double harness's (real programs).
    h = await createDoubleHarness("control-api");
    const store = await Store.open({ dataDir: dataDir() });
    token = (await createToken(store.db, { name: "e2e-admin", role: "admin" })).token;
    instance = await createInstance({
      store,
      service: h.service,
      worker: { pollMs: 200 },
      environment: (env) => baseStackInfo(h.engine, env),
    });
    url = await instance.listen("127.0.0.1", 0);
    instance.startBackground();
  }, 600_000);

  afterAll(async () => {
    await instance.stop(5000);
    h.cleanup();
  });

  it("answers 202, streams the engine's progress in order over SSE, ends active with the outputs, and keeps the secret out", async () => {
    const secret = "s3cret-e2e-value-1234";
    const r = await api(url, token, "POST", "/v1/tenants", {
      spec: testSpec("acme"),
      secrets: { API_KEY: secret },
    });
    expect(r.status).toBe(202);
    const res = await fetch(`${url}/v1/operations/${r.body.id}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    const messages = text
      .split("\n\n")
      .filter((b) => b.includes("data: "))
      .map((b) => ({
        event: /event: (\S+)/.exec(b)?.[1],
        id: Number(/id: (\d+)/.exec(b)?.[1] ?? NaN),
        data: JSON.parse(/data: (.*)/.exec(b)![1]),
      }));
    const kinds = messages.map((m) => m.event);
    expect(kinds[0]).toBe("status");
    expect(messages[0].data.status).toBe("running");
    expect(kinds.slice(-3)).toEqual(["summary", "status", "end"]);
    expect(messages[messages.length - 2].data.status).toBe("succeeded");
    const ids = messages.filter((m) => !Number.isNaN(m.id)).map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // Resource by resource: each resource created starts before it is done.
    const resources = messages.filter((m) => m.event === "resource" && m.data.op === "create");
    const urns = [...new Set(resources.map((m) => m.data.urn as string))];
    expect(urns.length).toBeGreaterThan(20);
    for (const urn of urns) {
      const phases = resources.filter((m) => m.data.urn === urn).map((m) => m.data.phase);
      expect([urn, phases]).toEqual([urn, ["start", "done"]]);
    }

    const tenant = await api(url, token, "GET", "/v1/tenants/acme");
    expect(tenant.body.environments[0]).toMatchObject({
      environment: "staging",
      state: "active",
      outputs: expect.objectContaining({ tenant: "acme", url: expect.stringMatching(/^https:\/\/acme\./) }),
    });
    expect(text).not.toContain(secret);
    expect(JSON.stringify(tenant.body)).not.toContain(secret);
    expect(allText(dataDir())).not.toContain(secret);
    // The secret is in the stack's secret config, and only there (encrypted).
    const base = await api(url, token, "GET", "/v1/environments/staging");
    expect(base.status).toBe(200);
    expect(base.body).toMatchObject({
      environment: "staging",
      outputs: expect.objectContaining({ environment: "staging", vpcId: expect.any(String) }),
      lastUpdate: expect.objectContaining({ kind: "update", result: "succeeded" }),
    });
    expect((await api(url, token, "GET", "/v1/environments/production")).status).toBe(404);
    const config = await (
      await h.engine.selectStack("tenant", "acme-staging", async () => undefined)
    ).getAllConfig();
    expect(config["tenant:secrets"]).toMatchObject({ secret: true });
  }, 300_000);
});

describe("the service process (npm start): cancel, kill -9 and restart, SIGTERM drain", () => {
  let h: DoubleHarness;

  beforeAll(async () => {
    // Both environments: `npm start` on the double deploys any missing base stack first.
    h = await createDoubleHarness("control-restart", ["staging", "production"]);
  }, 600_000);

  afterAll(() => h.cleanup());

  it("cancels a running operation: it ends cancelled, the service lives on, the stack is unlocked, repairable and finished by an update", async () => {
    const dataDir = path.join(h.dir, "control-cancel");
    const token = await adminToken(dataDir);
    writeKnobs(h.doubleDir, { latencyMs: { [ECS_SERVICE]: 15_000 } });
    const service = await startService(h, { PLATFORM_DATA_DIR: dataDir });
    const url = service.url;
    try {
      const r = await api(url, token, "POST", "/v1/tenants", { spec: testSpec("initech") });
      expect(r.status).toBe(202);
      await untilResourceStarts({ dataDir }, r.body.id, ECS_SERVICE);
      const cancel = await api(url, token, "POST", `/v1/operations/${r.body.id}/cancel`);
      expect(cancel.status).toBe(202);
      const done = await until("the cancelled operation to end", async () => {
        const op = await api(url, token, "GET", `/v1/operations/${r.body.id}`);
        return op.body.finishedAt ? op.body : undefined;
      });
      expect(done).toMatchObject({
        status: "cancelled",
        error: { type: "/problems/cancelled", detail: "cancelled while running" },
      });
      expect(await h.engine.listLocks("tenant", "initech-staging")).toEqual([]);
      const events = (await api(url, token, "GET", `/v1/events?operation=${r.body.id}`)).body.items as {
        type: string;
        data: { to?: string; reason?: string };
      }[];
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(["operation.started", "operation.cancelled"]),
      );
      expect(events.find((e) => e.type === "operation.cancelled")!.data.reason).toBe(
        "cancelled while running",
      );
      const state = (await api(url, token, "GET", "/v1/tenants/initech")).body.environments[0];
      expect(state).toMatchObject({ state: "failed", reason: "cancelled while running" });

      // Repairable: the repair ends, and says the onboarding is unfinished (the tenant stays
      // failed, not active); an update then completes the stack.
      writeKnobs(h.doubleDir, {});
      const repair = await api(url, token, "POST", "/v1/tenants/initech/repair", { environment: "staging" });
      expect(repair.status).toBe(202);
      const repaired = await until("the repair", async () => {
        const op = await api(url, token, "GET", `/v1/operations/${repair.body.id}`);
        return op.body.finishedAt ? op.body : undefined;
      });
      expect(repaired.status).toBe("succeeded");
      expect(repaired.result.lastUpdateResult).toBe("failed");
      const afterRepair = (await api(url, token, "GET", "/v1/tenants/initech")).body.environments[0];
      expect(afterRepair).toMatchObject({
        state: "failed",
        reason: expect.stringContaining("not complete; run an update to finish it"),
      });
      const update = await api(url, token, "PATCH", "/v1/tenants/initech", { spec: {} });
      expect(update.status).toBe(202);
      const updated = await until("the update", async () => {
        const op = await api(url, token, "GET", `/v1/operations/${update.body.operations[0].id}`);
        return op.body.finishedAt ? op.body : undefined;
      });
      expect(updated.status).toBe("succeeded");
      const tenant = (await api(url, token, "GET", "/v1/tenants/initech")).body.environments[0];
      expect(tenant).toMatchObject({
        state: "active",
        outputs: expect.objectContaining({ tenant: "initech" }),
      });
      expect(await h.engine.listLocks("tenant", "initech-staging")).toEqual([]);
      // The cancelled program's late gRPC calls did not take the service down.
      expect(service.child.exitCode).toBeNull();
    } finally {
      writeKnobs(h.doubleDir, {});
      service.child.kill("SIGTERM");
      await service.exited;
    }
  }, 400_000);

  it("takes over an operation whose instance was killed (kill -9): it is repaired and resumed to active, and no lock is left", async () => {
    const dataDir = path.join(h.dir, "control-kill");
    const token = await adminToken(dataDir);
    const env = { PLATFORM_DATA_DIR: dataDir, PLATFORM_LEASE_MS: "3000" };
    writeKnobs(h.doubleDir, { latencyMs: { [ECS_SERVICE]: 8000 } });
    const first = await startService(h, env);
    const r = await api(first.url, token, "POST", "/v1/tenants", { spec: testSpec("acme") });
    expect(r.status).toBe(202);
    // Kill it while the engine creates the tenant's service (the slow resource): a pending create.
    await untilResourceStarts({ dataDir }, r.body.id, ECS_SERVICE);
    await first.crash();

    writeKnobs(h.doubleDir, {});
    const second = await startService(h, env);
    try {
      const done = await until(
        "the operation to end",
        async () => {
          const op = await api(second.url, token, "GET", `/v1/operations/${r.body.id}`);
          return ["succeeded", "failed"].includes(op.body.status) ? op.body : undefined;
        },
        300_000,
      );
      // The killed engine's plugins finish the create in flight and exit, as real ones do; the
      // interrupted create is then resolved (the double's cloud says it exists) and the onboarding
      // resumes: active, and no lock or needs-repair left behind.
      expect([done.status, done.error?.detail]).toEqual(["succeeded", undefined]);
      expect(done.attempt).toBeGreaterThanOrEqual(2);
      const tenant = await api(second.url, token, "GET", "/v1/tenants/acme");
      expect(tenant.body.environments[0]).toMatchObject({ state: "active" });
      expect(await h.engine.listLocks("tenant", "acme-staging")).toEqual([]);
      const events = (await api(second.url, token, "GET", `/v1/events?operation=${r.body.id}`)).body
        .items as {
        type: string;
        instance: string;
      }[];
      const started = events.filter((e) => e.type === "operation.started");
      expect(new Set(started.map((e) => e.instance)).size).toBe(2);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 600_000);

  it("drains on SIGTERM: waits up to the deadline, leaves the rest queued, and the next start resumes it to active", async () => {
    const dataDir = path.join(h.dir, "control-term");
    const token = await adminToken(dataDir);
    const env = { PLATFORM_DATA_DIR: dataDir, PLATFORM_DRAIN_MS: "1500" };
    writeKnobs(h.doubleDir, { latencyMs: { [ECS_SERVICE]: 20_000 } });
    const first = await startService(h, env);
    const r = await api(first.url, token, "POST", "/v1/tenants", { spec: testSpec("globex") });
    await untilResourceStarts({ dataDir }, r.body.id, ECS_SERVICE);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/stopped: 0 finished, 1 left queued to resume/);
    writeKnobs(h.doubleDir, {});
    const second = await startService(h, env);
    try {
      const done = await until(
        "the resumed operation",
        async () => {
          const op = await api(second.url, token, "GET", `/v1/operations/${r.body.id}`);
          return ["succeeded", "failed"].includes(op.body.status) ? op.body : undefined;
        },
        300_000,
      );
      expect([done.status, done.error?.detail]).toEqual(["succeeded", undefined]);
      const globex = await api(second.url, token, "GET", "/v1/tenants/globex");
      expect(globex.body.environments[0]).toMatchObject({ state: "active" });
      const requeued = (
        await api(second.url, token, "GET", `/v1/events?operation=${r.body.id}&type=operation.requeued`)
      ).body.items;
      expect(requeued[0].data.reason).toBe("the instance shut down");
      expect(await h.engine.listLocks("tenant", "globex-staging")).toEqual([]);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 600_000);
});
