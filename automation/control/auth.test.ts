/**
 * The authorization matrix: every mutating route without a token (401), with a role that may not
 * (403), and with a token scoped to another tenant (403); the roles that may, may; every attempt
 * is in the audit log, which only admins read.
 */
import { ROUTES } from "./api/routes";
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;
let opId: string;

beforeAll(async () => {
  t = await testInstance();
  const r = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
  opId = r.body.id;
  await t.waitFor(opId);
});

afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

/** A request for each mutating route, aimed at tenant acme. */
function requestOf(method: string, path: string): { url: string; body?: unknown } {
  const url = path
    .replace("/v1/tenants/{id}", "/v1/tenants/acme")
    .replace("/v1/operations/{id}", `/v1/operations/${opId}`)
    .replace("/v1/webhooks/{id}", "/v1/webhooks/wh_none");
  if (method === "DELETE" && url === "/v1/tenants/acme") return { url: `${url}?env=staging` };
  if (url === "/v1/tenants") return { url, body: { spec: specBody("acme") } };
  if (url.startsWith("/v1/fleet/")) return { url, body: { environment: "staging" } };
  if (url === "/v1/webhooks") return { url, body: { url: "http://127.0.0.1:9/hook" } };
  if (url === "/v1/tenants/acme") return { url, body: { spec: { displayName: "Acme" } } };
  return { url, body: {} };
}

const MUTATING = ROUTES.filter((r) => r.method !== "GET");

describe.each(MUTATING.map((r) => [`${r.method} ${r.path}`, r] as const))("%s", (_name, route) => {
  // Built when each test runs: the operation id exists only after beforeAll.
  const req = () => requestOf(route.method, route.path);

  it("needs a token (401)", async () => {
    const { url, body } = req();
    const r = await t.call(route.method, url, { token: null, body });
    expect(r.status).toBe(401);
    expect(r.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(r.body).toMatchObject({ type: "/problems/unauthorized", status: 401 });
  });

  it("refuses an unknown token (401)", async () => {
    const { url, body } = req();
    const r = await t.call(route.method, url, { token: "plt_not-a-token", body });
    expect(r.status).toBe(401);
  });

  it("refuses the viewer role (403)", async () => {
    const { url, body } = req();
    const r = await t.call(route.method, url, { token: t.tokens.viewer, body });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ type: "/problems/forbidden", role: "viewer" });
  });

  it("refuses a token scoped to another tenant (403)", async () => {
    const { url, body } = req();
    const r = await t.call(route.method, url, { token: t.tokens.scoped, body });
    expect(r.status).toBe(403);
  });
});

describe("roles", () => {
  it("lets ci preview but not change", async () => {
    const preview = await t.call("POST", "/v1/tenants/acme/preview", { token: t.tokens.ci, body: {} });
    expect(preview.status).toBe(202);
    await t.waitFor(preview.body.id);
    const update = await t.call("PATCH", "/v1/tenants/acme", {
      token: t.tokens.ci,
      body: { spec: { displayName: "x" } },
    });
    expect(update.status).toBe(403);
    const fleet = await t.call("POST", "/v1/fleet/preview", {
      token: t.tokens.ci,
      body: { environment: "staging" },
    });
    expect(fleet.status).toBe(202);
    const reconcile = await t.call("POST", "/v1/fleet/reconcile", {
      token: t.tokens.ci,
      body: { environment: "staging" },
    });
    expect(reconcile.status).toBe(403);
  });

  it("keeps production offboarding and webhooks for admins", async () => {
    const prod = await t.call("DELETE", "/v1/tenants/acme?env=production&confirm=acme", {
      token: t.tokens.operator,
    });
    expect(prod.status).toBe(403);
    expect(prod.body.required).toBe("offboard-production");
    const hooks = await t.call("GET", "/v1/webhooks", { token: t.tokens.operator });
    expect(hooks.status).toBe(403);
  });

  it("lets a scoped token work on its own tenant and lists only its tenants", async () => {
    const own = await t.call("POST", "/v1/tenants", {
      token: t.tokens.scoped,
      body: { spec: specBody("other") },
    });
    expect(own.status).toBe(202);
    await t.waitFor(own.body.id);
    const list = await t.call("GET", "/v1/tenants", { token: t.tokens.scoped });
    expect(list.body.items.map((i: { tenant: string }) => i.tenant)).toEqual(["other"]);
    const read = await t.call("GET", "/v1/tenants/acme", { token: t.tokens.scoped });
    expect(read.status).toBe(403);
  });

  it("needs a token everywhere but /healthz and the console page", async () => {
    expect((await t.call("GET", "/healthz", { token: null })).status).toBe(200);
    expect((await t.call("GET", "/", { token: null })).status).toBe(200);
    for (const route of ROUTES.filter((r) => r.method === "GET" && r.path !== "/healthz")) {
      const url = route.path.replace("{id}", "acme").replace("{env}", "staging");
      expect([url, (await t.call("GET", url, { token: null })).status]).toEqual([url, 401]);
    }
  });
});

describe("audit", () => {
  it("records every mutation, denied ones included: who, what, tenant, environment, result, from where", async () => {
    const before = (await t.call("GET", "/v1/audit?limit=1000")).body.items.length;
    await t.call("PATCH", "/v1/tenants/acme", {
      token: t.tokens.viewer,
      body: { spec: { displayName: "x" } },
    });
    await t.call("POST", "/v1/tenants/acme/drift", {
      token: t.tokens.operator,
      body: { environment: "staging" },
    });
    const items = (await t.call("GET", `/v1/audit?limit=1000`)).body.items.slice(before);
    expect(items).toEqual([
      expect.objectContaining({
        actor: "viewer-token",
        role: "viewer",
        method: "PATCH",
        tenant: "acme",
        status: 403,
        result: "denied",
        remote: "127.0.0.1",
      }),
      expect.objectContaining({
        actor: "operator-token",
        action: "tenant.drift",
        tenant: "acme",
        environment: "staging",
        status: 202,
        result: "accepted",
        operationId: expect.stringMatching(/^op_/),
      }),
    ]);
  });

  it("is admin only", async () => {
    expect((await t.call("GET", "/v1/audit", { token: t.tokens.operator })).status).toBe(403);
  });
});
