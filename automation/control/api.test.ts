/**
 * The HTTP API over the fake engine: onboarding end to end (202, lifecycle, events, outputs),
 * lifecycle refusals, idempotency, cancellation, listing and pagination.
 */
import { TENANT_PAGE } from "./api/routes";
import { operationView } from "./api/views";
import { getOperation } from "./store/operations";
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;

beforeEach(async () => {
  t = await testInstance();
});

afterEach(async () => {
  await t.close();
  removeDir(t.dir);
});

describe("onboarding", () => {
  it("returns 202 with a durable operation, ends active, and shows the outputs", async () => {
    const res = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody("acme") },
      token: t.tokens.operator,
    });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/operations/${res.body.id}`);
    expect(res.body).toMatchObject({
      kind: "onboard",
      tenant: "acme",
      environment: "staging",
      requestedBy: "operator-token",
    });
    const done = await t.waitFor(res.body.id);
    expect(done.status).toBe("succeeded");
    const tenant = await t.call("GET", "/v1/tenants/acme", { token: t.tokens.viewer });
    expect(tenant.status).toBe(200);
    expect(tenant.body.spec.id).toBe("acme");
    expect(tenant.body.environments).toEqual([
      expect.objectContaining({
        environment: "staging",
        state: "active",
        tier: "trial",
        outputs: { stack: "acme-staging" },
        lastOperation: expect.objectContaining({ id: res.body.id, status: "succeeded" }),
      }),
    ]);
    const events = await t.call("GET", `/v1/events?tenant=acme`);
    expect(
      events.body.items.map(
        (e: { type: string; data: { to?: string } }) => `${e.type}${e.data.to ? `:${e.data.to}` : ""}`,
      ),
    ).toEqual([
      "tenant.state_changed:requested",
      "operation.queued",
      "operation.started",
      "tenant.state_changed:provisioning",
      "tenant.state_changed:active",
      "operation.succeeded",
    ]);
  });

  it("records a failure as a problem and moves the tenant to failed with the reason", async () => {
    t.engine.behavior = (op) => {
      if (op === "up") throw new Error("provider exploded");
    };
    const res = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    const done = await t.waitFor(res.body.id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ type: "/problems/operation-failed", kind: "operation-failed" });
    expect(done.error.detail).toMatch(/provider exploded/);
    const tenant = await t.call("GET", "/v1/tenants/acme");
    expect(tenant.body.environments[0]).toMatchObject({
      state: "failed",
      reason: expect.stringMatching(/provider exploded/),
    });
  });

  it("refuses an onboarding of an existing tenant with another spec (409), and returns the last operation for the same spec", async () => {
    const first = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    await t.waitFor(first.body.id);
    const other = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody("acme", { tier: "standard" }) },
    });
    expect(other.status).toBe(409);
    expect(other.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ status: 409, state: "active", tenant: "acme" });
    const same = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(first.body.id);
  });

  it("returns the same operation for a retried request with the same Idempotency-Key", async () => {
    const headers = { "idempotency-key": "9b7c1f0e-retry" };
    const a = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") }, headers });
    const b = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") }, headers });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers["idempotent-replayed"]).toBe("true");
    const different = await t.call("POST", "/v1/tenants", { body: { spec: specBody("globex") }, headers });
    expect(different.status).toBe(409);
    expect(different.body.detail).toMatch(/Idempotency-Key was already used/);
    const ops = await t.call("GET", "/v1/operations?tenant=acme");
    expect(ops.body.items).toHaveLength(1);
  });
});

describe("lifecycle", () => {
  it("answers 409 with the current state for a transition the machine refuses", async () => {
    const up = await t.call("PATCH", "/v1/tenants/acme", { body: { spec: { tier: "standard" } } });
    expect(up.status).toBe(404);
    // While the onboarding is in flight, an update is refused with the state it is in.
    t.engine.behavior = () => new Promise((resolve) => setTimeout(resolve, 300));
    const onboard = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    const busy = await t.call("PATCH", "/v1/tenants/acme", { body: { spec: { displayName: "Acme" } } });
    expect(busy.status).toBe(409);
    expect(["requested", "provisioning"]).toContain(busy.body.state);
    expect(busy.body.allowedFrom).toEqual(["active", "drifted", "failed"]);
    await t.waitFor(onboard.body.id);
    const ok = await t.call("PATCH", "/v1/tenants/acme", { body: { spec: { displayName: "Acme Corp" } } });
    expect(ok.status).toBe(202);
    const update = await t.waitFor(ok.body.operations[0].id);
    expect(update).toMatchObject({ kind: "update", status: "succeeded" });
    const tenant = await t.call("GET", "/v1/tenants/acme");
    expect(tenant.body.spec.displayName).toBe("Acme Corp");
    expect(tenant.body.environments[0].state).toBe("active");
  });

  it("offboards to offboarded, and then refuses an update (409)", async () => {
    await t.waitFor((await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } })).body.id);
    const off = await t.call("DELETE", "/v1/tenants/acme?env=staging", { token: t.tokens.operator });
    expect(off.status).toBe(202);
    expect((await t.waitFor(off.body.id)).status).toBe("succeeded");
    const tenant = await t.call("GET", "/v1/tenants/acme");
    expect(tenant.body.environments[0].state).toBe("offboarded");
    const up = await t.call("PATCH", "/v1/tenants/acme", {
      body: { spec: { displayName: "Acme" }, environment: "staging" },
    });
    expect(up.status).toBe(409);
    expect(up.body.state).toBe("offboarded");
  });

  it("needs confirm equal to the id to offboard in production", async () => {
    const r = await t.call("DELETE", "/v1/tenants/acme?env=production&confirm=wrong");
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ path: "query.confirm", value: "wrong" })]);
  });

  it("cancels a queued operation and puts the tenant back where it was", async () => {
    await t.instance.worker.stop(0);
    const r = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    const cancelled = await t.call("POST", `/v1/operations/${r.body.id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe("cancelled");
    const tenant = await t.call("GET", "/v1/tenants/acme");
    expect(tenant.body.environments).toEqual([]);
    const again = await t.call("POST", `/v1/operations/${r.body.id}/cancel`);
    expect(again.status).toBe(409);
  });
});

describe("listing", () => {
  it("filters by env, tier and state and pages with a cursor", async () => {
    for (const [id, tier] of [
      ["alpha", "trial"],
      ["bravo", "standard"],
      ["charlie", "trial"],
    ]) {
      await t.waitFor(
        (await t.call("POST", "/v1/tenants", { body: { spec: specBody(id, { tier }) } })).body.id,
      );
    }
    const trial = await t.call("GET", "/v1/tenants?env=staging&tier=trial&state=active");
    expect(trial.body.items.map((i: { tenant: string }) => i.tenant)).toEqual(["alpha", "charlie"]);
    const page1 = await t.call("GET", "/v1/tenants?limit=2");
    expect(page1.body.items.map((i: { tenant: string }) => i.tenant)).toEqual(["alpha", "bravo"]);
    const page2 = await t.call("GET", `/v1/tenants?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((i: { tenant: string }) => i.tenant)).toEqual(["charlie"]);
    expect(page2.body.nextCursor).toBeUndefined();
    const bad = await t.call("GET", "/v1/tenants?cursor=nope");
    expect(bad.status).toBe(400);
  });

  it("serializes the hot reads from their schemas without dropping a field of the view", async () => {
    const ok = (await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } })).body.id;
    await t.waitFor(ok);
    t.engine.behavior = (_op, stack) => {
      if (stack.includes("bravo")) throw new Error("boom");
    };
    const bad = (await t.call("POST", "/v1/tenants", { body: { spec: specBody("bravo") } })).body.id;
    expect((await t.waitFor(bad)).status).toBe("failed");
    for (const id of [ok, bad]) {
      const row = (await getOperation(t.store.db, id))!;
      // The compiled serializer keeps only the schema's fields: the view must come through whole.
      expect((await t.call("GET", `/v1/operations/${id}`)).body).toEqual(
        JSON.parse(JSON.stringify(operationView(row))),
      );
    }
    const list = await t.call("GET", "/v1/tenants");
    expect(list.body.items).toEqual([
      expect.objectContaining({ tenant: "acme", state: "active", lastOperationId: ok }),
      expect.objectContaining({ tenant: "bravo", state: "failed", lastOperationId: bad }),
    ]);
    expect(Object.keys(list.body.items[0]).sort()).toEqual(
      ["environment", "lastOperationId", "state", "tenant", "tier", "updatedAt"].sort(),
    );
  });

  it("pages 50 tenant environments by default", async () => {
    for (let i = 0; i < 26; i++) {
      const spec = specBody(`tenant-${String(i).padStart(2, "0")}`);
      await t.call("POST", "/v1/tenants", { body: { spec, environment: "staging" } });
      await t.call("POST", "/v1/tenants", { body: { spec, environment: "production" } });
    }
    const page = await t.call("GET", "/v1/tenants");
    expect(page.body.items).toHaveLength(TENANT_PAGE);
    expect(TENANT_PAGE).toBe(50);
    expect(page.body.nextCursor).toEqual(expect.any(String));
  });
});
