/**
 * Bad input gets a problem document naming the field, the value and what is allowed, before
 * anything is stored: oversize and malformed bodies, wrong content types, bad ids in paths, bad
 * specs, bad secrets, bad queries; and a rate limit per token.
 */
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;

beforeAll(async () => {
  t = await testInstance({ server: { bodyLimit: 4096, rateLimit: { max: 1000, windowMs: 60_000 } } });
});

afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

async function nothingStored() {
  const ops = await t.call("GET", "/v1/operations");
  expect(ops.body.items).toEqual([]);
  const tenants = await t.call("GET", "/v1/tenants");
  expect(tenants.body.items).toEqual([]);
}

describe("bodies", () => {
  it("refuses a body over the limit (413)", async () => {
    const r = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody("acme", { displayName: "x".repeat(5000) }) },
    });
    expect(r.status).toBe(413);
    expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ type: "/problems/body-too-large", status: 413 });
  });

  it("refuses malformed JSON (400)", async () => {
    const r = await t.call("POST", "/v1/tenants", {
      raw: '{"spec": {',
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(400);
    expect(r.body.type).toBe("/problems/malformed-json");
  });

  it("refuses a body that is not application/json (415)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const r = await t.call("POST", "/v1/tenants", { raw: "spec=acme", headers: { "content-type": type } });
      expect([type, r.status]).toEqual([type, 415]);
      expect(r.body.type).toBe("/problems/unsupported-media-type");
    }
  });

  it("refuses unknown fields and a missing spec", async () => {
    const r = await t.call("POST", "/v1/tenants", { body: { tenant: "acme" } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "body.tenant", message: "unknown field" })]),
    );
    await nothingStored();
  });

  it("reports every problem of a spec with its field, value and what is allowed", async () => {
    const r = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody("acme", { tier: "gold", imageTag: "latest" }) },
    });
    expect(r.status).toBe(400);
    expect(r.body.type).toBe("/problems/invalid-input");
    const byPath = Object.fromEntries(
      r.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
    );
    expect(byPath["body.spec.tier"]).toMatch(/"gold" is not one of trial, standard, enterprise/);
    expect(byPath["body.spec.imageTag"]).toMatch(/"latest" is not a release tag/);
    await nothingStored();
  });

  it("refuses an environment the spec does not run in", async () => {
    const r = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody("acme", { environments: ["staging"] }), environment: "production" },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ path: "body.environment", value: "production" });
  });

  it("refuses bad app secrets without echoing their values", async () => {
    const r = await t.call("POST", "/v1/tenants", {
      body: { spec: specBody("acme"), secrets: { "bad name": "hunter2-value" } },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toMatch(/^body\.secrets/);
    expect(r.text).not.toContain("hunter2-value");
    await nothingStored();
  });

  it("refuses a PATCH that changes the id", async () => {
    await t.waitFor((await t.call("POST", "/v1/tenants", { body: { spec: specBody("keep") } })).body.id);
    const r = await t.call("PATCH", "/v1/tenants/keep", { body: { spec: { id: "other" } } });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ path: "body.spec.id", value: "other" });
  });
});

describe("ids and queries", () => {
  it.each([
    ["/v1/tenants/Acme", "uppercase"],
    ["/v1/tenants/ab", "too short"],
    ["/v1/tenants/admin", "reserved"],
    ["/v1/tenants/a--b", "double hyphen"],
    ["/v1/tenants/ac%20me", "space"],
  ])("refuses the tenant id in %s (%s)", async (url) => {
    const r = await t.call("GET", url);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe("path.id");
  });

  it("refuses a malformed operation id", async () => {
    const r = await t.call("GET", "/v1/operations/op_../../etc");
    expect([400, 404]).toContain(r.status);
    const s = await t.call("GET", "/v1/operations/nope");
    expect(s.status).toBe(400);
    expect(s.body.errors[0]).toMatchObject({ path: "path.id", value: "nope" });
  });

  it("refuses unknown query values", async () => {
    const r = await t.call("GET", "/v1/tenants?env=qa");
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ path: "query.env", value: "qa" });
    const o = await t.call("DELETE", "/v1/tenants/keep");
    expect(o.status).toBe(400);
    expect(o.body.errors[0].path).toBe("query.env");
  });

  it("answers unknown routes with a 404 problem", async () => {
    const r = await t.call("GET", "/v1/nothing");
    expect(r.status).toBe(404);
    expect(r.body.type).toBe("/problems/not-found");
  });
});

describe("rate limit", () => {
  it("limits each token on its own", async () => {
    const small = await testInstance({ server: { rateLimit: { max: 3, windowMs: 60_000 } } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await small.call("GET", "/v1/tenants", { token: small.tokens.viewer })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await small.call("GET", "/v1/tenants", { token: small.tokens.viewer });
      expect(limited.body.type).toBe("/problems/rate-limited");
      expect((await small.call("GET", "/v1/tenants", { token: small.tokens.operator })).status).toBe(200);
    } finally {
      await small.close();
      removeDir(small.dir);
    }
  });
});
