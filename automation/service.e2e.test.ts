/**
 * The tenant operations on the real Pulumi engine: a base test stack and tenant stacks that read
 * it through a StackReference, on a temporary file backend.
 */
import * as fs from "fs";
import * as path from "path";
import { problemLines } from "../common";
import { TENANT_CONFIG_KEYS as CONFIG_KEYS } from "../tenants/contract";
import { ConfirmationRequiredError, InvalidInputError, StackExistsError, StackMissingError } from "./errors";
import { TENANT_PROJECT } from "./service";
import { cloudFiles, createHarness, Harness, testSpec } from "./testing/harness";

let h: Harness;

beforeAll(async () => {
  h = await createHarness("tenant");
});

afterAll(() => h?.cleanup());

describe("one tenant's lifecycle", () => {
  const spec = testSpec("acme");
  const lines: string[] = [];

  test("onboard creates the stack, sets config from the spec (secrets encrypted) and deploys", async () => {
    const outcome = await h.service.onboard(spec, "staging", {
      secrets: { API_TOKEN: "hunter2" },
      onEvent: (e) => e.resourcePreEvent && lines.push(e.resourcePreEvent.metadata.op),
    });
    expect(outcome).toMatchObject({
      tenant: "acme",
      environment: "staging",
      stack: "acme-staging",
      operation: "onboard",
    });
    // The stack and the two test resources (providers are not counted).
    expect(outcome.changes).toEqual({ create: 3 });
    expect(
      outcome.resourceChanges
        .filter((c) => c.type === "pulumi-nodejs:dynamic:Resource")
        .map((c) => [c.name, c.op])
        .sort(),
    ).toEqual([
      ["acme-db", "create"],
      ["acme-service", "create"],
    ]);
    expect(outcome.outputs).toMatchObject({
      tenant: "acme",
      tier: "trial",
      endpoint: "https://acme.staging.saas.example.com",
      vpcId: "vpc-test-staging",
      // The program read the secret config: its names, never a value, are what it exports.
      secretNames: ["API_TOKEN"],
    });
    expect(JSON.stringify(outcome.outputs)).not.toContain("hunter2");
    expect(lines).toContain("create");
    expect(cloudFiles(h.cloudDir, "acme")).toHaveLength(2);

    const stack = await h.engine.selectStack(TENANT_PROJECT, "acme-staging", async () => undefined);
    const config = await stack.getAllConfig();
    expect(JSON.parse(config[CONFIG_KEYS.spec].value)).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(config[CONFIG_KEYS.baseStackName]).toEqual({
      value: "organization/platform/staging",
      secret: false,
    });
    expect(config[CONFIG_KEYS.secrets]).toEqual({ value: '{"API_TOKEN":"hunter2"}', secret: true });
    // Encrypted at rest: the stack file holds ciphertext only.
    const file = fs.readFileSync(
      path.join(h.settings.workDir, TENANT_PROJECT, "Pulumi.acme-staging.yaml"),
      "utf8",
    );
    expect(file).toContain("secure:");
    expect(file).not.toContain("hunter2");
  });

  test("re-running onboard with the same spec changes nothing; with another spec it is StackExistsError (exit 4)", async () => {
    const again = await h.service.onboard(spec, "staging");
    expect(again).toMatchObject({ alreadyOnboarded: true, changes: { same: 3 } });
    const error = await h.service.onboard({ ...spec, imageTag: "7.7.7" }, "staging").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackExistsError);
    expect(error).toMatchObject({ tenant: "acme", operation: "onboard", exitCode: 4 });
    expect((error as StackExistsError).engineMessage).toMatch(/already exists.*different spec \(imageTag/);
  });

  test("an update with the same spec changes nothing (idempotent)", async () => {
    const outcome = await h.service.update(spec, "staging");
    expect(outcome.changes).toEqual({ same: 3 });
    expect(outcome.resourceChanges).toEqual([]);
  });

  test("preview reports the spec change and applies nothing", async () => {
    const outcome = await h.service.preview(testSpec("acme", { tier: "standard" }), "staging");
    expect(outcome.changes.update).toBe(2);
    const resources = outcome.resourceChanges.filter((c) => c.type === "pulumi-nodejs:dynamic:Resource");
    // The engine registers them in parallel: compare in name order.
    expect(resources.map((c) => [c.name, c.op, c.diffs]).sort()).toEqual([
      ["acme-db", "update", ["value"]],
      ["acme-service", "update", ["value"]],
    ]);
    expect(await h.service.outputs("acme", "staging")).toMatchObject({ tier: "trial" });
  });

  test("update applies it; list and status show the tier and the last update", async () => {
    const outcome = await h.service.update(testSpec("acme", { tier: "standard" }), "staging");
    expect(outcome.changes).toMatchObject({ update: 2 });
    expect(outcome.outputs).toMatchObject({ tier: "standard" });
    const list = await h.service.list("staging");
    expect(list).toEqual([
      expect.objectContaining({
        tenant: "acme",
        environment: "staging",
        tier: "standard",
        lastResult: "succeeded",
        lastKind: "update",
      }),
    ]);
    expect(Date.now() - Date.parse(list[0].lastUpdateTime!)).toBeLessThan(120000);
    const status = await h.service.status("acme", "staging");
    expect(status).toMatchObject({ needsRepair: false, locks: [], pendingOperations: [], resourceCount: 6 });
    expect(status.spec?.tier).toBe("standard");
  });

  test("drift finds a change made outside Pulumi, and only then", async () => {
    expect((await h.service.drift("acme", "staging")).drifted).toBe(false);
    const db = cloudFiles(h.cloudDir, "acme").find((f) => f.startsWith("database-"))!;
    fs.writeFileSync(path.join(h.cloudDir, db), JSON.stringify({ tier: "changed-by-hand" }));
    const drift = await h.service.drift("acme", "staging");
    expect(drift.drifted).toBe(true);
    expect(drift.resourceChanges).toEqual([
      expect.objectContaining({ name: "acme-db", op: "update", diffs: ["value"] }),
    ]);
  });

  test("offboard in production needs the tenant id as confirmation", async () => {
    const error = await h.service.offboard("acme", "production").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfirmationRequiredError);
    expect((error as Error).message).toMatch(/confirm with the tenant id "acme"/);
  });

  test("offboard decommissions (tenant:decommission set for the update), destroys the resources and removes the stack", async () => {
    const before = Date.now();
    const outcome = await h.service.offboard("acme", "staging");
    expect(outcome.changes.delete).toBeGreaterThanOrEqual(2);
    // The test program exports what it read from tenant:decommission, as the real one does.
    const at = outcome.decommission?.at ?? "";
    expect(Date.parse(at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(outcome.decommission).toEqual({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated: true,
      databaseFinalSnapshot: `test-acme-db-final-${at.slice(0, 16).replace(/[-T:]/g, "")}`,
    });
    expect(cloudFiles(h.cloudDir, "acme")).toEqual([]);
    expect(await h.service.list()).toEqual([]);
  });

  test("operations on a missing stack are StackMissingError (exit 5)", async () => {
    const error = await h.service.update(spec, "staging").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackMissingError);
    expect(error).toMatchObject({ tenant: "acme", environment: "staging", operation: "update", exitCode: 5 });
    expect((error as StackMissingError).engineMessage).toMatch(/no stack named/);
  });

  test("an invalid spec is refused before any stack is created", async () => {
    const error = await h.service
      .onboard({ ...spec, id: "bad_id", tier: "gold" }, "staging")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(problemLines((error as InvalidInputError).problems)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^id: /),
        'tier: "gold" is not one of trial, standard, enterprise',
      ]),
    );
    expect(await h.engine.listStacks(TENANT_PROJECT)).toEqual([]);
  });
});
