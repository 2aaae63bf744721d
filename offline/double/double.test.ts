/**
 * The cloud double's provider without the engine: diffs and replacements from the facts table,
 * secrets never on disk, knobs, ids from the shared model.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cloudState } from "../cloud";
import { commandExit, failedContainer } from "./containers";
import { readKnobs, writeKnobs } from "./knobs";
import { doubleProvider, parseUrn, tenantOf } from "./provider";
import { REPLACE_ON, replacingKeys } from "./replaceOn";
import { CloudStore, secret } from "./store";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "double-unit-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const urn = (stack: string, type: string, name: string) =>
  `urn:pulumi:${stack}::tenant::platform:tenant:Tenant$${type}::${name}`;
const DB = urn("acme-staging", "aws:rds/instance:Instance", "acme-db");

it("parses URNs and finds the tenant of a tenant stack", () => {
  expect(parseUrn(DB)).toEqual({
    stack: "acme-staging",
    project: "tenant",
    type: "aws:rds/instance:Instance",
    name: "acme-db",
  });
  expect(tenantOf(DB)).toBe("acme");
  expect(tenantOf("urn:pulumi:staging::platform::aws:ec2/vpc:Vpc::network")).toBeUndefined();
});

it("every replace fact names a property and links to the documentation", () => {
  for (const facts of Object.values(REPLACE_ON)) {
    for (const fact of facts) {
      expect(fact.property).not.toBe("");
      expect(fact.doc).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|www\.pulumi\.com)\//);
    }
  }
  expect(replacingKeys("aws:rds/instance:Instance", ["instanceClass", "kmsKeyId"])).toEqual(["kmsKeyId"]);
  expect(replacingKeys("aws:rds/instance:Instance", ["instanceClass"])).toEqual([]);
});

it("creates from the shared model, updates in place, and replaces on the facts", async () => {
  const p = doubleProvider("aws", "7.48.0", dir);
  const inputs = {
    identifier: "acme-stg",
    engine: "postgres",
    instanceClass: "db.t4g.micro",
    kmsKeyId: "k1",
  };
  const created = await p.create!(DB, inputs);
  // The model's shapes, with the double's seed (the stack and a nonce per creation).
  const model = cloudState({
    type: "aws:rds/instance:Instance",
    name: "acme-db",
    inputs,
    seed: created.outs.__seed,
  });
  expect(created.id).toBe(model.id);
  expect(created.outs.arn).toBe(model.state.arn);
  expect(created.outs.address).toMatch(/^acme-stg\.[0-9a-f]{8}\.us-east-1\.rds\.amazonaws\.com$/);
  expect(new CloudStore(dir).get("aws:rds/instance:Instance", created.id)?.properties.instanceClass).toBe(
    "db.t4g.micro",
  );
  const resize = await p.diff!(created.id, DB, created.outs, { ...inputs, instanceClass: "db.t4g.small" });
  expect(resize).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  const rekey = await p.diff!(created.id, DB, created.outs, { ...inputs, kmsKeyId: "k2" });
  expect(rekey).toEqual({ changes: true, replaces: ["kmsKeyId"], deleteBeforeReplace: true });
  expect(await p.diff!(created.id, DB, created.outs, inputs)).toEqual({
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
  });
});

it("keeps only a digest of a secret on disk and gives the value back on read", async () => {
  const p = doubleProvider("aws", "7.48.0", dir);
  const t = urn("acme-staging", "aws:secretsmanager/secretVersion:SecretVersion", "acme-app");
  const created = await p.create!(t, { secretId: "arn:s", secretString: secret("hunter2-very-secret") });
  const onDisk = fs.readFileSync(
    new CloudStore(dir).recordPath("aws:secretsmanager/secretVersion:SecretVersion", created.id),
    "utf8",
  );
  expect(onDisk).not.toContain("hunter2");
  expect(onDisk).toContain("secretSha256");
  const read = await p.read!(created.id, t, created.outs);
  expect(read.props.secretString).toEqual(secret("hunter2-very-secret"));
});

it("generates real random passwords, kept on update", async () => {
  const p = doubleProvider("random", "4.21.2", dir);
  const t = urn("acme-staging", "random:index/randomPassword:RandomPassword", "pw");
  const a = await p.create!(t, { length: 40, special: false });
  const b = await p.create!(t, { length: 40, special: false });
  expect(a.outs.result.value).toMatch(/^[A-Za-z0-9]{40}$/);
  expect(a.outs.result.value).not.toBe(b.outs.result.value);
});

it("knobs: a failing tenant and an ECS service that never gets healthy (with waitForSteadyState, as AWS)", async () => {
  const p = doubleProvider("aws", "7.48.0", dir);
  writeKnobs(dir, { fail: { tenants: ["acme"] } });
  await expect(p.create!(DB, { identifier: "x" })).rejects.toThrow(
    'cloud double: simulated failure creating aws:rds/instance:Instance "acme-db" of tenant acme (knobs.json)',
  );
  writeKnobs(dir, { health: { acme: "never-healthy" }, steadyStateTimeoutMs: 10 });
  const svc = urn("acme-staging", "aws:ecs/service:Service", "acme-svc");
  const unhealthy = p.create!(svc, { name: "acme", desiredCount: 2, waitForSteadyState: true });
  await expect(unhealthy).rejects.toThrow(
    /did not reach a steady state within 10 ms: 0 of 2 tasks became healthy/,
  );
  // An init error: the service exists (its id and state go back to the engine, which keeps it).
  await expect(unhealthy).rejects.toMatchObject({
    id: "acme",
    reasons: [expect.stringMatching(/0 of 2 tasks became healthy/)],
  });
  // Without waitForSteadyState AWS returns once ECS accepted the service: the failure goes unseen.
  await expect(p.create!(svc, { name: "acme-nowait", desiredCount: 2 })).resolves.toMatchObject({
    id: "acme-nowait",
  });
  writeKnobs(dir, { health: { acme: "rollback" } });
  await expect(p.create!(svc, { name: "acme2", waitForSteadyState: true })).rejects.toThrow(
    /circuit breaker stopped the first deployment, no task is running \(tasks failed to start\)/,
  );
  fs.writeFileSync(path.join(dir, "knobs.json"), JSON.stringify({ health: { acme: "sick" } }));
  await expect(p.create!(svc, { name: "acme3", waitForSteadyState: true })).rejects.toThrow(
    /knobs.json is invalid: health.acme/,
  );
});

it("a task definition registers the next revision of its family: a new ARN, so the service deploys", async () => {
  const p = doubleProvider("aws", "7.48.0", dir);
  const td = urn("acme-staging", "aws:ecs/taskDefinition:TaskDefinition", "acme-app");
  const one = await p.create!(td, { family: "plat-stg-acme-app", containerDefinitions: "[1]" });
  const two = await p.create!(td, { family: "plat-stg-acme-app", containerDefinitions: "[2]" });
  expect([one.outs.revision, two.outs.revision]).toEqual([1, 2]);
  expect(one.outs.arn).toMatch(/task-definition\/plat-stg-acme-app:1$/);
  expect(two.id).toBe(two.outs.arn);
  expect(two.id).not.toBe(one.id);
});

describe("a task's bootstrap and migration steps (offline/double/containers.ts)", () => {
  const containers = (migrate: string[]) =>
    JSON.stringify([
      { name: "db-bootstrap", essential: false, command: ["sh", "-c", "psql"] },
      {
        name: "migrate",
        essential: false,
        command: migrate,
        dependsOn: [{ containerName: "db-bootstrap", condition: "SUCCESS" }],
      },
      { name: "app", essential: true, dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] },
    ]);
  const td = urn("acme-staging", "aws:ecs/taskDefinition:TaskDefinition", "acme-app");
  const svc = urn("acme-staging", "aws:ecs/service:Service", "acme-svc");

  it("plays exit codes from the command (false exits 1) and from the knobs, in dependency order", () => {
    expect(commandExit(["false"])).toBe(1);
    expect(commandExit(["/bin/false"])).toBe(1);
    expect(commandExit(["true"])).toBe(0);
    expect(commandExit(["./migrate", "up"])).toBe(0);
    expect(failedContainer(containers(["migrate"]), "acme", { exitCodes: {} })).toBeUndefined();
    expect(failedContainer(containers(["false"]), "acme", { exitCodes: {} })).toEqual({
      container: "migrate",
      exitCode: 1,
      blocks: "app",
    });
    // The bootstrap runs first: its failure is the one reported, whatever the migration would do.
    expect(failedContainer(containers(["false"]), "acme", { exitCodes: { "acme/db-bootstrap": 3 } })).toEqual(
      {
        container: "db-bootstrap",
        exitCode: 3,
        blocks: "app",
      },
    );
    // Knobs are per tenant; malformed definitions run nothing.
    expect(
      failedContainer(containers(["true"]), "globex", { exitCodes: { "acme/migrate": 1 } }),
    ).toBeUndefined();
    expect(failedContainer("not json", "acme", { exitCodes: {} })).toBeUndefined();
    expect(failedContainer("[1, null]", "acme", { exitCodes: {} })).toBeUndefined();
  });

  it("a failed migration fails the update and leaves the service on the previous task definition", async () => {
    const p = doubleProvider("aws", "7.48.0", dir);
    const store = new CloudStore(dir);
    const good = await p.create!(td, {
      family: "plat-stg-acme-app",
      containerDefinitions: containers(["migrate"]),
    });
    const service = await p.create!(svc, {
      name: "acme",
      taskDefinition: good.outs.arn,
      waitForSteadyState: true,
    });
    const bad = await p.create!(td, {
      family: "plat-stg-acme-app",
      containerDefinitions: containers(["false"]),
    });
    const failing = p.update!(service.id, svc, service.outs, {
      name: "acme",
      taskDefinition: bad.outs.arn,
      waitForSteadyState: true,
    });
    await expect(failing).rejects.toThrow(
      `cloud double: ECS service "acme-svc": the deployment circuit breaker rolled the deployment back to ${good.outs.arn} ` +
        `(container "migrate" of ${bad.outs.arn} exited 1, so "app" never started; its output is in the log group, ` +
        "stream acme/migrate/<task id>)",
    );
    // What the engine records and what the cloud holds: the previous task definition.
    await expect(failing).rejects.toMatchObject({ properties: { taskDefinition: good.outs.arn } });
    expect(store.get("aws:ecs/service:Service", service.id)?.properties.taskDefinition).toBe(good.outs.arn);
  });

  it("a failed bootstrap on the first deployment: the service exists, no task runs", async () => {
    const p = doubleProvider("aws", "7.48.0", dir);
    writeKnobs(dir, { exitCodes: { "acme/db-bootstrap": 2 } });
    const first = await p.create!(td, {
      family: "plat-stg-acme-app",
      containerDefinitions: containers(["migrate"]),
    });
    const creating = p.create!(svc, {
      name: "acme-first",
      taskDefinition: first.outs.arn,
      waitForSteadyState: true,
    });
    await expect(creating).rejects.toThrow(
      /circuit breaker stopped the first deployment, no task is running \(container "db-bootstrap" of .* exited 2/,
    );
    await expect(creating).rejects.toMatchObject({ id: "acme-first" });
    fs.writeFileSync(
      path.join(dir, "knobs.json"),
      JSON.stringify({ exitCodes: { "acme/db-bootstrap": 256 } }),
    );
    expect(() => readKnobs(dir)).toThrow(/knobs.json is invalid: exitCodes.acme\/db-bootstrap/);
  });
});
