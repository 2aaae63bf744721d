/**
 * The tenant operations of the service library on the real tenant program, the real engine and the
 * cloud double, over one real base stack for the whole file: onboard with secret config, a second
 * onboard, idempotent update, preview, update, list and status, drift made in the double's cloud,
 * offboard, a missing stack and an invalid spec.
 */
import * as fs from "fs";
import * as path from "path";
import { problemLines } from "../common";
import { CloudStore } from "../offline/double/store";
import { TENANT_CONFIG_KEYS as CONFIG_KEYS } from "../tenants/contract";
import { tenantPhysicalNames } from "../tenants/program";
import { ConfirmationRequiredError, InvalidInputError, StackExistsError, StackMissingError } from "./errors";
import { TENANT_PROJECT } from "./service";
import { createDoubleHarness, DoubleHarness, testSpec } from "./testing/harness";

let h: DoubleHarness;
let store: CloudStore;

beforeAll(async () => {
  h = await createDoubleHarness("tenant");
  store = new CloudStore(h.doubleDir);
}, 600000);

afterAll(() => h?.cleanup());

const RDS = "aws:rds/instance:Instance";

/** The double's records of a stack's resources. */
function recordsOf(stack: string) {
  return store.list().filter((r) => r.urn.startsWith(`urn:pulumi:${stack}::`));
}

/** The cloud resources of a stack's state: custom, and not the engine's own (`pulumi:*`: providers, reads). */
async function customResources(stack: string): Promise<{ urn: string; type: string }[]> {
  const s = await h.engine.selectStack(TENANT_PROJECT, stack, async () => undefined);
  const resources = (await s.exportStack()).deployment.resources ?? [];
  return resources.filter(
    (r: { custom?: boolean; type: string }) => r.custom && !r.type.startsWith("pulumi:"),
  );
}

describe("one tenant's lifecycle", () => {
  const spec = testSpec("acme");
  const ops: string[] = [];

  test("onboard creates the stack, sets config from the spec (secrets encrypted) and deploys", async () => {
    const outcome = await h.service.onboard(spec, "staging", {
      secrets: { API_TOKEN: "hunter2" },
      onEvent: (e) => e.resourcePreEvent && ops.push(e.resourcePreEvent.metadata.op),
    });
    expect(outcome).toMatchObject({
      tenant: "acme",
      environment: "staging",
      stack: "acme-staging",
      operation: "onboard",
    });
    expect(Object.keys(outcome.changes)).toEqual(["create"]);
    expect(outcome.outputs).toMatchObject({
      tenant: "acme",
      tier: "trial",
      environment: "staging",
      // The host is the tenant's under the domain the real base stack exports.
      url: `https://acme.${(await h.base.outputs("staging")).outputs!.domain}`,
    });
    expect(JSON.stringify(outcome.outputs)).not.toContain("hunter2");
    expect(ops).toContain("create");
    // Every custom resource of the state is a record in the double's cloud, and nothing else is.
    const custom = await customResources("acme-staging");
    expect(custom.length).toBeGreaterThan(20);
    expect(
      recordsOf("acme-staging")
        .map((r) => r.urn)
        .sort(),
    ).toEqual(custom.map((r) => r.urn).sort());
    // The program read the secret config: the app's secret and a version of it exist in the
    // double's cloud, which keeps the value only as a digest.
    const names = tenantPhysicalNames("acme", "staging", "123456789012");
    const secrets = recordsOf("acme-staging").filter(
      (r) => r.type === "aws:secretsmanager/secret:Secret" && r.properties.name === names.appSecret,
    );
    expect(secrets.map((r) => r.properties.name)).toEqual([names.appSecret]);
    const [appSecret] = secrets;
    const versions = recordsOf("acme-staging").filter(
      (r) =>
        r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.properties.secretId === appSecret.id,
    );
    expect(versions).toHaveLength(1);
    expect(JSON.stringify(versions[0])).not.toContain("hunter2");

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
  }, 300000);

  test("re-running onboard with the same spec changes nothing; with another spec it is StackExistsError (exit 4)", async () => {
    const again = await h.service.onboard(spec, "staging");
    expect(again).toMatchObject({ alreadyOnboarded: true });
    expect(Object.keys(again.changes)).toEqual(["same"]);
    const error = await h.service.onboard({ ...spec, imageTag: "7.7.7" }, "staging").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackExistsError);
    expect(error).toMatchObject({ tenant: "acme", operation: "onboard", exitCode: 4 });
    expect((error as StackExistsError).engineMessage).toMatch(/already exists.*different spec \(imageTag/);
  }, 300000);

  test("an update with the same spec changes nothing (idempotent)", async () => {
    const outcome = await h.service.update(spec, "staging");
    expect(Object.keys(outcome.changes)).toEqual(["same"]);
    expect(outcome.resourceChanges).toEqual([]);
  }, 300000);

  test("preview reports the spec change and applies nothing", async () => {
    const [before] = recordsOf("acme-staging").filter((r) => r.type === RDS);
    const outcome = await h.service.preview(testSpec("acme", { tier: "standard" }), "staging");
    expect(outcome.changes.update).toBeGreaterThan(0);
    const db = outcome.resourceChanges.filter((c) => c.type === RDS);
    expect(db.map((c) => c.op)).toEqual(["update"]);
    expect(db[0].diffs).toEqual(expect.arrayContaining(["instanceClass", "allocatedStorage"]));
    expect(await h.service.outputs("acme", "staging")).toMatchObject({ tier: "trial" });
    expect(store.get(RDS, before.id)?.properties.instanceClass).toEqual(before.properties.instanceClass);
  }, 300000);

  test("update applies it; list and status show the tier and the last update", async () => {
    const outcome = await h.service.update(testSpec("acme", { tier: "standard" }), "staging");
    expect(outcome.changes.update).toBeGreaterThan(0);
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
    expect(Date.now() - Date.parse(list[0].lastUpdateTime!)).toBeLessThan(300000);
    const status = await h.service.status("acme", "staging");
    expect(status).toMatchObject({ needsRepair: false, locks: [], pendingOperations: [] });
    // Every resource of the state: the stack, components, providers and the custom resources.
    const s = await h.engine.selectStack(TENANT_PROJECT, "acme-staging", async () => undefined);
    expect(status.resourceCount).toBe((await s.exportStack()).deployment.resources.length);
    expect(status.spec?.tier).toBe("standard");
  }, 300000);

  test("drift finds a change made outside Pulumi, and only then", async () => {
    expect((await h.service.drift("acme", "staging")).drifted).toBe(false);
    const [db] = recordsOf("acme-staging").filter((r) => r.type === RDS);
    const file = store.recordPath(db.type, db.id);
    const record = JSON.parse(fs.readFileSync(file, "utf8"));
    record.properties.allocatedStorage = 999;
    fs.writeFileSync(file, JSON.stringify(record));
    const drift = await h.service.drift("acme", "staging");
    expect(drift.drifted).toBe(true);
    expect(drift.resourceChanges).toEqual([
      expect.objectContaining({ type: RDS, op: "update", diffs: ["allocatedStorage"] }),
    ]);
  }, 300000);

  test("offboard in production needs the tenant id as confirmation", async () => {
    const error = await h.service.offboard("acme", "production").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfirmationRequiredError);
    expect((error as Error).message).toMatch(/confirm with the tenant id "acme"/);
  });

  test("offboard decommissions (tenant:decommission set for the update), destroys the resources and removes the stack", async () => {
    const before = Date.now();
    const outcome = await h.service.offboard("acme", "staging");
    expect(outcome.changes.delete).toBeGreaterThan(20);
    // The real program names the final snapshot from tenant:decommission's time.
    const at = outcome.decommission?.at ?? "";
    expect(Date.parse(at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const identifier = tenantPhysicalNames("acme", "staging", "123456789012").database;
    expect(outcome.decommission).toMatchObject({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated: true,
      databaseFinalSnapshot: `${identifier}-final-${at.slice(0, 16).replace(/[-T:]/g, "")}`,
    });
    // Staging keeps nothing: no bucket, no key left behind.
    expect(outcome.decommission?.retainedBucket).toBeUndefined();
    expect(recordsOf("acme-staging")).toEqual([]);
    expect(await h.service.list()).toEqual([]);
  }, 300000);

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
