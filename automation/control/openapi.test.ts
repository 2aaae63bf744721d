/**
 * The OpenAPI document: valid OpenAPI 3.1 (checked with an OpenAPI schema validator), every route
 * of the table in it with its permission, and its schemas generated from the zod schemas the API
 * validates with (the tenant spec's fields are the library's).
 */
import { spawnSync } from "child_process";
import { ROUTES } from "./api/routes";
import { TENANT_SPEC_KEYS } from "../../tenants/spec";
import { removeDir, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;
let doc: any;

beforeAll(async () => {
  t = await testInstance({ background: false });
  const r = await t.call("GET", "/openapi.json", { token: t.tokens.viewer });
  expect(r.status).toBe(200);
  doc = r.body;
});

afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

/**
 * Validates with @seriousme/openapi-schema-validator (the OpenAPI Initiative's published JSON
 * schemas for 3.0 and 3.1). It is an ES module, which Jest's CommonJS runtime cannot load, so it
 * runs in a child Node process.
 */
function validate(document: unknown): { valid: boolean; errors?: unknown } {
  const script =
    "import('@seriousme/openapi-schema-validator').then(async ({ Validator }) => {" +
    "  let text = ''; for await (const c of process.stdin) text += c;" +
    "  const r = await new Validator().validate(JSON.parse(text));" +
    "  process.stdout.write(JSON.stringify({ valid: r.valid, errors: r.errors }));" +
    "});";
  const r = spawnSync(process.execPath, ["-e", script], {
    input: JSON.stringify(document),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`validator failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

it("is a valid OpenAPI 3.1 document", () => {
  const result = validate(doc);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(doc.openapi).toBe("3.1.0");
});

it("is checked by a validator that does refuse a broken document", () => {
  const broken = { ...doc, paths: { "/v1/x": { get: { responses: { 200: { content: {} } } } } } };
  expect(validate(broken).valid).toBe(false);
});

it("has every route, with its security", () => {
  for (const route of ROUTES) {
    const op = doc.paths[route.path]?.[route.method.toLowerCase()];
    expect([route.method, route.path, op?.operationId]).toEqual([
      route.method,
      route.path,
      route.operationId,
    ]);
    expect(op.security).toEqual(route.permission ? [{ bearer: [] }] : []);
  }
  const served = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops as object).map((m) => `${m} ${p}`),
  );
  expect(served).toHaveLength(ROUTES.length);
});

it("generates the spec schema from the library's zod schema", () => {
  const spec = doc.components.schemas.TenantSpec;
  expect(Object.keys(spec.properties).sort()).toEqual([...TENANT_SPEC_KEYS].sort());
  expect(spec.properties.tier.enum).toEqual(["trial", "standard", "enterprise"]);
  expect(doc.paths["/v1/tenants"].post.requestBody.content["application/json"].schema).toEqual({
    $ref: "#/components/schemas/OnboardRequest",
  });
  expect(doc.components.schemas.OnboardRequest.properties.spec).toEqual({
    $ref: "#/components/schemas/TenantSpec",
  });
});

it("documents errors as problem+json", () => {
  const responses = doc.paths["/v1/tenants/{id}"].patch.responses;
  for (const status of ["400", "401", "403", "409", "413", "415", "429"]) {
    expect(Object.keys(responses[status].content)).toEqual(["application/problem+json"]);
  }
});
