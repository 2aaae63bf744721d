/**
 * Unit tests of the library without the CLI: error mapping, tenant operations and recovery over
 * {@link FakeEngine}, spec diffing and change detection.
 */
import {
  CommandError,
  ConcurrentUpdateError,
  OutputMap,
  StackAlreadyExistsError,
  StackNotFoundError,
} from "@pulumi/pulumi/automation";
import { parseTenantSpec } from "../tenants/spec";
import {
  ConfirmationRequiredError,
  engineMessageOf,
  EXIT_CODES,
  InvalidInputError,
  isRetryable,
  mapEngineError,
  NeedsRepairError,
  OperationFailedError,
  StackBusyError,
  StackExistsError,
  StackMissingError,
  UnhealthyDeploymentError,
} from "./errors";
import { lockStatus, pendingOperationsOf, unfinishedWork, withoutPendingOperations } from "./recovery";
import { TENANT_PROJECT, TenantService } from "./service";
import { canonicalJson, TENANT_CONFIG_KEYS as CONFIG_KEYS } from "../tenants/contract";
import { problemLines } from "../common";
import { errorText } from "./cli/render";
import { deployedState, specDiff, updateReasons } from "./specs";
import { FakeEngine, pulumiError } from "./testing/fakeEngine";
import type { EngineEvent } from "@pulumi/pulumi/automation";

const spec = (id: string, overrides: Record<string, unknown> = {}) =>
  parseTenantSpec({
    id,
    displayName: id,
    tier: "trial",
    environments: ["staging", "production"],
    owner: "team@example.com",
    costCenter: "cc-1",
    dataClassification: "internal",
    imageTag: "1.0.0",
    ...overrides,
  });

const ctx = { tenant: "acme", environment: "staging", operation: "update" as const };

describe("error mapping", () => {
  test.each([
    [
      StackAlreadyExistsError,
      "error: stack 'acme-staging' already exists",
      StackExistsError,
      "stack-exists",
      EXIT_CODES.stackExists,
    ],
    [
      StackNotFoundError,
      "error: no stack named 'acme-staging' found",
      StackMissingError,
      "stack-not-found",
      EXIT_CODES.stackNotFound,
    ],
    [
      ConcurrentUpdateError,
      "error: the stack is currently locked by 1 lock(s).",
      StackBusyError,
      "concurrent-update",
      EXIT_CODES.concurrentUpdate,
    ],
    [CommandError, "error: update failed", OperationFailedError, "operation-failed", EXIT_CODES.failed],
  ] as const)(
    "%p maps to our class with tenant, operation, exit code and the engine's message",
    (cls, stderr, ours, kind, code) => {
      const mapped = mapEngineError(pulumiError(cls, stderr), ctx);
      expect(mapped).toBeInstanceOf(ours);
      expect(mapped).toMatchObject({
        tenant: "acme",
        environment: "staging",
        operation: "update",
        kind,
        exitCode: code,
        engineMessage: stderr,
      });
      expect(mapped.message).toMatch(/^update acme \(staging\): /);
      expect(mapped.message).toContain(stderr);
      expect(mapped.cause).toBeInstanceOf(cls);
    },
  );

  test("error diagnostics from the engine win over the CLI's generic stderr", () => {
    const err = pulumiError(CommandError, "error: update failed");
    expect(engineMessageOf(err, ["  provider error: bucket exists ", "provider error: bucket exists"])).toBe(
      "provider error: bucket exists",
    );
    expect(mapEngineError(err, ctx, ["boom"]).engineMessage).toBe("boom");
  });

  test("a program's own error is wrapped, never swallowed; our errors pass through", () => {
    const programError = new TypeError("cannot read property 'x'");
    const mapped = mapEngineError(programError, ctx);
    expect(mapped).toBeInstanceOf(OperationFailedError);
    expect(mapped.engineMessage).toBe("cannot read property 'x'");
    expect(mapped.cause).toBe(programError);
    expect(mapEngineError(mapped, { ...ctx, tenant: "other" })).toBe(mapped);
    expect(mapEngineError("a string", ctx).engineMessage).toBe("a string");
  });

  test("only concurrent updates are retryable", () => {
    expect(isRetryable(pulumiError(ConcurrentUpdateError, "locked"))).toBe(true);
    expect(isRetryable(new StackBusyError(ctx, "locked"))).toBe(true);
    expect(isRetryable(new OperationFailedError(ctx, "x"))).toBe(false);
    expect(isRetryable(pulumiError(StackNotFoundError, "no stack named 'x' found"))).toBe(false);
  });

  test("long engine output is clipped in reports", () => {
    const message = engineMessageOf(new Error("x".repeat(5000)));
    expect(message).toHaveLength(4000 + "\n... (1000 more characters)".length);
  });

  test("toJSON carries everything a report needs", () => {
    expect(new StackMissingError(ctx, "no stack named 'acme-staging' found").toJSON()).toEqual({
      kind: "stack-not-found",
      exitCode: 5,
      tenant: "acme",
      environment: "staging",
      operation: "update",
      message: expect.stringContaining("stack does not exist; onboard the tenant first"),
      engineMessage: "no stack named 'acme-staging' found",
      next: { operation: "onboard", tenant: "acme", environment: "staging" },
    });
  });
});

describe("tenant operations over the fake engine", () => {
  let engine: FakeEngine;
  let service: TenantService;
  beforeEach(() => {
    engine = new FakeEngine();
    service = new TenantService({ engine, program: () => async () => undefined });
  });

  test("onboard creates <tenant>-<env>, sets the spec, base reference and secrets as config, then runs up", async () => {
    const outcome = await service.onboard(spec("acme"), "staging", { secrets: { API_TOKEN: "s3cret" } });
    expect(engine.calls).toEqual(["create acme-staging", "up acme-staging"]);
    expect(outcome).toMatchObject({
      tenant: "acme",
      environment: "staging",
      stack: "acme-staging",
      operation: "onboard",
      changes: { create: 2 },
    });
    expect(outcome.resourceChanges.map((c) => [c.name, c.op])).toEqual([
      ["service", "create"],
      ["db", "create"],
    ]);
    const config = engine.stacks.get(`${TENANT_PROJECT}/acme-staging`)!.config;
    expect(config).toEqual({
      [CONFIG_KEYS.spec]: { value: canonicalJson(spec("acme")), secret: false },
      [CONFIG_KEYS.baseStackName]: { value: "organization/platform/staging", secret: false },
      [CONFIG_KEYS.secrets]: { value: '{"API_TOKEN":"s3cret"}', secret: true },
    });
  });

  test("secrets given later are merged with the stack's existing ones", async () => {
    await service.onboard(spec("acme"), "staging", { secrets: { A: "1", B: "old" } });
    await service.update(spec("acme"), "staging", { secrets: { B: "2", C: "3" } });
    expect(engine.stacks.get(`${TENANT_PROJECT}/acme-staging`)!.config[CONFIG_KEYS.secrets]).toEqual({
      value: '{"A":"1","B":"2","C":"3"}',
      secret: true,
    });
  });

  test("secrets are checked as the tenant program checks them, before the engine is called, values never shown", async () => {
    const error = await service
      .onboard(spec("acme"), "staging", { secrets: { dbPassword: "v-1", DB_HOST: "v-2", EMPTY: "" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).exitCode).toBe(2);
    expect(problemLines((error as InvalidInputError).problems)).toEqual([
      'secrets.dbPassword: "dbPassword" is not an environment variable name: an upper-case letter, then upper-case letters, digits or _, at most 64 characters (e.g. API_TOKEN)',
      'secrets.DB_HOST: "DB_HOST" is set by the platform itself; choose another name',
      'secrets.DB_HOST: "DB_HOST" starts with a prefix reserved for the platform (AWS_, ECS_, DB_, REDIS_); choose another name',
      "secrets.EMPTY: the value is empty; expected a non-empty string",
    ]);
    expect(JSON.stringify((error as InvalidInputError).problems)).not.toMatch(/v-1|v-2/);
    expect(engine.calls).toEqual([]);
  });

  test("an update whose secrets, merged with the stack's, are too many is refused before up", async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`K${i}`, "v"]));
    await service.onboard(spec("acme"), "staging", { secrets: fifty });
    const error = await service
      .update(spec("acme"), "staging", { secrets: { ONE_MORE: "v" } })
      .catch((e: unknown) => e);
    expect(problemLines((error as InvalidInputError).problems)).toEqual([
      "secrets (with the stack's existing ones): has 51 secrets; at most 50 are allowed",
    ]);
    expect(engine.calls).toEqual(["create acme-staging", "up acme-staging", "select acme-staging"]);
  });

  test("the base stack reference is configurable", async () => {
    engine = new FakeEngine({ baseStacks: ["acme-org/platform/production"] });
    const custom = new TenantService({
      engine,
      program: () => async () => undefined,
      baseStackName: (e) => `acme-org/platform/${e}`,
    });
    await custom.onboard(spec("acme"), "production", {});
    expect(
      engine.stacks.get(`${TENANT_PROJECT}/acme-production`)!.config[CONFIG_KEYS.baseStackName].value,
    ).toBe("acme-org/platform/production");
  });

  test("without a base stack, onboard, update and preview refuse before creating anything, naming it and how to create it (issue 10, item 4)", async () => {
    engine = new FakeEngine({ baseStacks: [] });
    service = new TenantService({ engine, program: () => async () => undefined });
    const expected = {
      kind: "invalid-input",
      exitCode: 2,
      problems: [
        {
          path: "base stack",
          value: "organization/platform/staging",
          message:
            "organization/platform/staging does not exist; tenant stacks of staging read it through a stack reference; " +
            "deploy it first: npm run base -- up --env staging (or pulumi up --stack staging in the repository root)",
        },
      ],
    };
    await expect(service.onboard(spec("acme"), "staging")).rejects.toMatchObject(expected);
    await expect(service.update(spec("acme"), "staging")).rejects.toMatchObject(expected);
    await expect(service.preview(spec("acme"), "staging")).rejects.toMatchObject(expected);
    // Only the base stack was looked up; no tenant stack was created or selected.
    expect(engine.calls.filter((c) => !c.endsWith(" organization/platform/staging"))).toEqual([]);
    expect(engine.stacks.size).toBe(0);
  });

  test("a base stack that exists with no outputs (never deployed, or destroyed) is refused the same way", async () => {
    engine = new FakeEngine();
    engine.baseStacks.get("organization/platform/staging")!.outputs = {};
    service = new TenantService({ engine, program: () => async () => undefined });
    await expect(service.onboard(spec("acme"), "staging")).rejects.toThrow(
      "base stack: organization/platform/staging exists but has no outputs (it was never deployed, or was destroyed); " +
        "tenant stacks of staging read it",
    );
    expect(engine.calls).toEqual([]);
  });

  test("re-onboarding converges with the same spec, is StackExistsError with another; an unfinished one is resumed", async () => {
    await service.onboard(spec("acme"), "staging");
    const again = await service.onboard(spec("acme"), "staging");
    expect(again).toMatchObject({ alreadyOnboarded: true, resumed: false });
    const changed = await service
      .onboard({ ...spec("acme"), imageTag: "9.9.9" }, "staging")
      .catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(StackExistsError);
    expect((changed as StackExistsError).message).toMatch("stack already exists; update changes it");
    expect((changed as StackExistsError).engineMessage).toMatch(
      /already exists; it was onboarded with a different spec \(imageTag: "1\.0\.0" → "9\.9\.9"\)/,
    );

    engine.behavior = (op, stack) => {
      if (op === "up" && stack === "beta-staging") throw pulumiError(CommandError, "error: update failed");
    };
    await expect(service.onboard(spec("beta"), "staging")).rejects.toBeInstanceOf(OperationFailedError);
    engine.behavior = () => undefined;
    const resumed = await service.onboard(spec("beta"), "staging");
    expect(resumed.resumed).toBe(true);
  });

  test("the program receives the spec, the environment and the base stack name", async () => {
    const seen: unknown[] = [];
    const recording = new TenantService({
      engine,
      program: (s, e, b) => (seen.push([s.id, e, b]), async () => undefined),
    });
    await recording.onboard(spec("acme"), "staging");
    expect(seen).toEqual([["acme", "staging", "organization/platform/staging"]]);
  });

  test("invalid specs and environments are refused with every problem, before the engine is called", async () => {
    const error = await service
      .onboard({ ...spec("acme"), tier: "gold", owner: "" }, "dev")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(problemLines((error as InvalidInputError).problems)).toEqual([
      'tier: "gold" is not one of trial, standard, enterprise',
      'owner: tag Owner must be a non-empty string, got ""',
      'env: "dev" is not one of staging, production',
    ]);
    expect((error as InvalidInputError).exitCode).toBe(2);
    const notListed = await service
      .onboard(spec("acme", { environments: ["staging"] }), "production")
      .catch((e: unknown) => e);
    expect(problemLines((notListed as InvalidInputError).problems)).toEqual([
      'environments: ["staging"] does not include "production"; add it to the tenant\'s spec to run it there',
    ]);
    await expect(service.drift("Bad_Id", "staging")).rejects.toThrow(
      /tenant: tenant id "Bad_Id" must be a lowercase DNS label/,
    );
    expect(engine.calls).toEqual([]);
  });

  test("operations on a missing stack are StackMissingError naming tenant and operation", async () => {
    for (const op of [
      () => service.update(spec("ghost"), "staging"),
      () => service.drift("ghost", "staging"),
      () => service.outputs("ghost", "staging"),
    ]) {
      const error = await op().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StackMissingError);
      expect(error).toMatchObject({ tenant: "ghost", environment: "staging" });
    }
  });

  test("a locked stack is StackBusyError with the engine's message", async () => {
    await service.onboard(spec("acme"), "staging");
    engine.stacks
      .get(`${TENANT_PROJECT}/acme-staging`)!
      .locks.push({ location: "lock-1", pid: 1, hostname: "h" });
    const error = await service.update(spec("acme"), "staging").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackBusyError);
    expect((error as StackBusyError).engineMessage).toMatch(/currently locked by 1 lock/);
  });

  test("list gives tenant stacks with tier, environment and last result; others are left out", async () => {
    await service.onboard(spec("acme"), "staging");
    await service.onboard(spec("beta", { tier: "enterprise" }), "production");
    await engine.createStack(TENANT_PROJECT, "not-a-tenant-stack");
    const all = await service.list();
    expect(all.map((s) => [s.tenant, s.environment, s.tier, s.lastKind, s.lastResult])).toEqual([
      ["acme", "staging", "trial", "update", "succeeded"],
      ["beta", "production", "enterprise", "update", "succeeded"],
    ]);
    expect(all[0].lastUpdateTime).toMatch(/^2026-01-01T00:00:\d\d\.000Z$/);
    expect((await service.list("production")).map((s) => s.tenant)).toEqual(["beta"]);
    await expect(service.list("qa")).rejects.toThrow('env: "qa" is not one of staging, production');
  });

  test("list shows a locked stack as status does (issue 10 item 6): updateInProgress from the backend's locks", async () => {
    await service.onboard(spec("acme"), "staging");
    await service.onboard(spec("beta"), "staging");
    engine.stacks
      .get(`${TENANT_PROJECT}/acme-staging`)!
      .locks.push({ location: "lock-1", pid: 1, hostname: "h", timestamp: new Date() });
    const list = await service.list("staging");
    expect(list.map((s) => [s.tenant, s.updateInProgress])).toEqual([
      ["acme", true],
      ["beta", false],
    ]);
    expect((await service.status("acme", "staging")).updateInProgress).toBe(true);
  });

  test("drift reports no drift when the refresh preview changes nothing", async () => {
    await service.onboard(spec("acme"), "staging");
    expect(await service.drift("acme", "staging")).toMatchObject({ drifted: false, changes: { same: 2 } });
  });
});

describe("offboard: decommission, destroy, remove", () => {
  let engine: FakeEngine;
  let service: TenantService;
  /** The clock of the service; tests move it to show that a resumed offboarding keeps its stamp. */
  let now: Date;
  const stack = (name: string) => engine.stacks.get(`${TENANT_PROJECT}/${name}`);
  beforeEach(() => {
    engine = new FakeEngine();
    now = new Date("2026-11-22T01:30:45.678Z");
    service = new TenantService({ engine, program: () => async () => undefined, now: () => now });
    // Stands in for the tenant program: while `tenant:decommission` is set, it exports the final
    // snapshot names it derived from it (tenants/program.ts, `decommission`).
    engine.upOutputs = (name, config): OutputMap => {
      const at = config[CONFIG_KEYS.decommission]?.value;
      if (!at) {
        return { stack: { value: name, secret: false } };
      }
      const stamp = at.slice(0, 16).replace(/[-T:]/g, "");
      const decommission = {
        at,
        databaseFinalSnapshot: `plat-prd-acme-db-final-${stamp}`,
        cacheFinalSnapshot: `plat-prd-acme-cache-final-${stamp}`,
        retainedBucket: "plat-prd-acme-data-123456789012",
      };
      return { decommission: { value: decommission, secret: false } };
    };
  });

  test("production needs the tenant id as confirmation, before anything runs", async () => {
    await service.onboard(spec("acme"), "production");
    const before = [...engine.calls];
    const missing = await service.offboard("acme", "production").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfirmationRequiredError);
    expect((missing as Error).message).toBe(
      "offboard acme (production): offboarding in production destroys the tenant's resources; " +
        'confirm with the tenant id "acme" (got no confirmation)',
    );
    // The CLI says how: the same operation with its confirmation.
    expect(errorText(missing as ConfirmationRequiredError)).toMatch(
      /\nrun: tenant offboard acme --env production --confirm acme$/,
    );
    await expect(service.offboard("acme", "production", { confirm: "acme-typo" })).rejects.toThrow(
      'offboarding in production destroys the tenant\'s resources; confirm with the tenant id "acme" (got "acme-typo")',
    );
    expect(engine.calls).toEqual(before);
    expect(stack("acme-production")?.config[CONFIG_KEYS.decommission]).toBeUndefined();
  });

  test("production: sets tenant:decommission to now (UTC), updates, destroys, removes; reports the snapshots", async () => {
    await service.onboard(spec("acme"), "production");
    const calls = engine.calls.length;
    let configAtDestroy: Record<string, { value: string }> = {};
    engine.behavior = (op, name) => {
      if (op === "destroy") {
        configAtDestroy = { ...stack(name)!.config };
        // The update that lifted protection ran with the key set, before the destroy.
        expect(stack(name)!.history[0]).toMatchObject({ kind: "update", result: "succeeded" });
        expect(stack(name)!.history[0].config[CONFIG_KEYS.decommission].value).toBe("2026-11-22T01:30:45Z");
      }
    };
    const outcome = await service.offboard("acme", "production", { confirm: "acme" });
    expect(engine.calls.slice(calls)).toEqual([
      "select acme-production",
      "select acme-production",
      "up acme-production",
      "destroy acme-production",
      "remove acme-production",
    ]);
    expect(configAtDestroy[CONFIG_KEYS.decommission]).toEqual({
      value: "2026-11-22T01:30:45Z",
      secret: false,
    });
    expect(outcome).toMatchObject({
      operation: "offboard",
      stack: "acme-production",
      changes: { delete: 2 },
    });
    expect(outcome.decommission).toEqual({
      at: "2026-11-22T01:30:45Z",
      updated: true,
      databaseFinalSnapshot: "plat-prd-acme-db-final-202611220130",
      cacheFinalSnapshot: "plat-prd-acme-cache-final-202611220130",
      retainedBucket: "plat-prd-acme-data-123456789012",
    });
    expect(engine.stacks.size).toBe(0);
  });

  test("staging: the same sequence, without confirmation", async () => {
    await service.onboard(spec("acme"), "staging");
    const calls = engine.calls.length;
    const outcome = await service.offboard("acme", "staging");
    expect(engine.calls.slice(calls)).toEqual([
      "select acme-staging",
      "select acme-staging",
      "up acme-staging",
      "destroy acme-staging",
      "remove acme-staging",
    ]);
    expect(outcome.decommission).toMatchObject({ at: "2026-11-22T01:30:45Z", updated: true });
  });

  test("a failed update stops before destroy and keeps the stack; offboarding again resumes with the same stamp", async () => {
    await service.onboard(spec("acme"), "production");
    engine.behavior = (op) => {
      if (op === "up") {
        throw pulumiError(CommandError, "error: update failed");
      }
    };
    const calls = engine.calls.length;
    const error = await service.offboard("acme", "production", { confirm: "acme" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect(error).toMatchObject({
      tenant: "acme",
      operation: "offboard",
      exitCode: 1,
      engineMessage: "error: update failed",
    });
    expect((error as Error).message).toBe(
      "offboard acme (production): the decommissioning update (tenant:decommission=2026-11-22T01:30:45Z) " +
        "failed; nothing was destroyed. The stack acme-production and its resources remain and the database " +
        "keeps its data (its deletion protection may already be off). Fix the cause below, then " +
        "offboard again to resume, or cancel " +
        '(docs/automation.md, "Offboarding and data")\n    error: update failed',
    );
    expect(errorText(error as OperationFailedError)).toMatch(
      /\n {4}error: update failed\nrun: tenant offboard acme --env production --confirm acme$/,
    );
    expect(engine.calls.slice(calls)).toEqual([
      "select acme-production",
      "select acme-production",
      "up acme-production",
    ]);
    expect(stack("acme-production")!.resources).toEqual(["service", "db"]);
    expect(stack("acme-production")!.config[CONFIG_KEYS.decommission].value).toBe("2026-11-22T01:30:45Z");

    // Later, fixed: the earlier stamp (and so the snapshot names) is kept; the update runs again.
    engine.behavior = () => undefined;
    now = new Date("2026-11-23T09:00:00Z");
    const outcome = await service.offboard("acme", "production", { confirm: "acme" });
    expect(engine.calls.slice(-3)).toEqual([
      "up acme-production",
      "destroy acme-production",
      "remove acme-production",
    ]);
    expect(outcome.decommission).toMatchObject({
      at: "2026-11-22T01:30:45Z",
      updated: true,
      databaseFinalSnapshot: "plat-prd-acme-db-final-202611220130",
    });
  });

  test("a failed destroy keeps the stack; offboarding again destroys without re-running the update", async () => {
    await service.onboard(spec("acme"), "production");
    engine.behavior = (op) => {
      if (op === "destroy") {
        throw pulumiError(CommandError, "error: deleting RDS DB Instance: InvalidDBInstanceState");
      }
    };
    const error = await service.offboard("acme", "production", { confirm: "acme" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationFailedError);
    expect((error as Error).message).toBe(
      "offboard acme (production): destroy failed; the stack acme-production is kept with what remains. " +
        "Data stores already deleted left their final snapshots (named after 2026-11-22T01:30:45Z); the " +
        "others still hold their data. Fix the cause below, then offboard again to resume" +
        "\n    error: deleting RDS DB Instance: InvalidDBInstanceState",
    );
    expect(errorText(error as OperationFailedError)).toMatch(
      /\nrun: tenant offboard acme --env production --confirm acme$/,
    );
    expect(engine.calls.slice(-2)).toEqual(["up acme-production", "destroy acme-production"]);
    expect(engine.calls).not.toContain("remove acme-production");
    // The stack is kept with its spec and the decommission stamp a resumed offboard reuses.
    expect(stack("acme-production")?.config[CONFIG_KEYS.spec]?.value).toBe(canonicalJson(spec("acme")));
    expect(stack("acme-production")?.config[CONFIG_KEYS.decommission]?.value).toBe("2026-11-22T01:30:45Z");

    // Resumed: an `up` now would re-create what the destroy already deleted, so it is skipped.
    engine.behavior = () => undefined;
    now = new Date("2026-11-23T09:00:00Z");
    const calls = engine.calls.length;
    const outcome = await service.offboard("acme", "production", { confirm: "acme" });
    expect(engine.calls.slice(calls)).toEqual([
      "select acme-production",
      "select acme-production",
      "destroy acme-production",
      "remove acme-production",
    ]);
    expect(outcome.decommission).toEqual({
      at: "2026-11-22T01:30:45Z",
      updated: false,
      databaseFinalSnapshot: "plat-prd-acme-db-final-202611220130",
      cacheFinalSnapshot: "plat-prd-acme-cache-final-202611220130",
      retainedBucket: "plat-prd-acme-data-123456789012",
    });
  });

  test("without its base stack, offboarding refuses before changing anything; a resumed destroy needs none", async () => {
    await service.onboard(spec("acme"), "production");
    const base = engine.baseStacks.get("organization/platform/production")!;
    engine.baseStacks.delete("organization/platform/production");
    // A new service (the CLI's next run): the base found at onboarding is looked up again.
    const later = () => new TenantService({ engine, program: () => async () => undefined, now: () => now });
    const calls = engine.calls.length;
    const error = await later()
      .offboard("acme", "production", { confirm: "acme" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ exitCode: 2, operation: "offboard" });
    expect(problemLines((error as InvalidInputError).problems)).toEqual([
      "base stack: organization/platform/production does not exist; " +
        "offboarding runs the tenant program once more (final snapshot names, retention), and it reads the base " +
        "outputs through a stack reference; nothing was changed. Restore the base stack first: " +
        "npm run base -- up --env production (or pulumi up --stack production in the repository root); " +
        "destroy a base stack only after its tenants are offboarded",
    ]);
    expect(engine.calls.slice(calls).filter((c) => !/^(select|outputs) /.test(c))).toEqual([]);
    expect(stack("acme-production")?.config[CONFIG_KEYS.decommission]).toBeUndefined();

    // Once the decommissioning update ran, a resumed offboarding only destroys: no base needed.
    engine.baseStacks.set("organization/platform/production", base);
    engine.behavior = (op) => {
      if (op === "destroy")
        throw pulumiError(CommandError, "error: deleting RDS DB Instance: InvalidDBInstanceState");
    };
    await expect(later().offboard("acme", "production", { confirm: "acme" })).rejects.toBeInstanceOf(
      OperationFailedError,
    );
    engine.baseStacks.delete("organization/platform/production");
    engine.behavior = () => undefined;
    await expect(later().offboard("acme", "production", { confirm: "acme" })).resolves.toMatchObject({
      decommission: { updated: false },
    });
    expect(engine.stacks.size).toBe(0);
  });

  test("a busy stack keeps its own error (retryable), and nothing is destroyed", async () => {
    await service.onboard(spec("acme"), "staging");
    engine.behavior = (op) => {
      if (op === "up") {
        throw pulumiError(ConcurrentUpdateError, "error: the stack is currently locked by 1 lock(s).");
      }
    };
    const error = await service.offboard("acme", "staging").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackBusyError);
    expect(engine.calls).not.toContain("destroy acme-staging");
    expect(engine.calls).not.toContain("remove acme-staging");
    expect(stack("acme-staging")?.config[CONFIG_KEYS.spec]?.value).toBe(canonicalJson(spec("acme")));
  });

  test("a stack that never held a spec is destroyed as it is, without a decommissioning update", async () => {
    await engine.createStack(TENANT_PROJECT, "acme-staging");
    const outcome = await service.offboard("acme", "staging");
    expect(engine.calls).toEqual([
      "create acme-staging",
      "select acme-staging",
      "destroy acme-staging",
      "remove acme-staging",
    ]);
    expect(outcome.decommission).toBeUndefined();
  });
});

describe("recovery", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const lock = {
    location: "/state/.pulumi/locks/organization/tenant/acme-staging/1.json",
    pid: 4242,
    hostname: "ci-1",
    timestamp: new Date(now - 5 * 60000),
  };

  test("a lock is stale when its owner is gone on this host, or when it is older than the threshold", () => {
    expect(lockStatus(lock, { now: () => now, hostname: "ci-1", isProcessAlive: () => false })).toMatchObject(
      {
        stale: true,
        reason: "owner pid 4242 on ci-1 is gone (lock taken 300s ago)",
      },
    );
    expect(lockStatus(lock, { now: () => now, hostname: "ci-1", isProcessAlive: () => true })).toMatchObject({
      stale: false,
      reason:
        "owner pid 4242 on ci-1 is still running (lock taken 300s ago); wait for it, or pass a lower --stale-after",
    });
    expect(
      lockStatus(lock, { now: () => now, hostname: "laptop", isProcessAlive: () => false }),
    ).toMatchObject({ stale: false });
    expect(lockStatus(lock, { now: () => now, hostname: "laptop", staleAfterMs: 60000 })).toMatchObject({
      stale: true,
      reason: "lock taken 300s ago, older than the 1-minute threshold (owner pid 4242 on ci-1)",
    });
  });

  test("pending operations are listed and removed from an exported deployment", () => {
    const state = {
      version: 3,
      deployment: {
        resources: [{ urn: "a" }],
        pending_operations: [
          { type: "creating", resource: { urn: "urn:x::service", id: "" } },
          { type: "updating", resource: { urn: "urn:x::db", id: "db-1" } },
        ],
      },
    };
    expect(pendingOperationsOf(state)).toEqual([
      { type: "creating", urn: "urn:x::service", id: undefined },
      { type: "updating", urn: "urn:x::db", id: "db-1" },
    ]);
    expect(withoutPendingOperations(state)).toEqual({
      version: 3,
      deployment: { resources: [{ urn: "a" }] },
    });
    expect(state.deployment.pending_operations).toHaveLength(2);
  });

  test("status reports a stack that needs repair; repair needs --yes, refuses live locks, then clears and refreshes", async () => {
    const engine = new FakeEngine();
    const service = new TenantService({ engine, program: () => async () => undefined });
    await service.onboard(spec("acme"), "staging");
    const state = engine.stacks.get(`${TENANT_PROJECT}/acme-staging`)!;
    state.locks.push(lock);
    state.deployment = {
      version: 3,
      deployment: {
        resources: [],
        pending_operations: [{ type: "creating", resource: { urn: "urn:x::service" } }],
      },
    };

    const status = await service.status("acme", "staging");
    expect(status).toMatchObject({
      needsRepair: true,
      pendingOperations: [{ type: "creating", urn: "urn:x::service" }],
    });
    expect(status.locks).toHaveLength(1);

    const live = { now: () => now, hostname: "ci-1", isProcessAlive: () => true };
    await expect(service.repair("acme", "staging", { yes: true, ...live })).rejects.toBeInstanceOf(
      NeedsRepairError,
    );
    const gone = { now: () => now, hostname: "ci-1", isProcessAlive: () => false };
    const unconfirmed = await service
      .repair("acme", "staging", { absent: ["urn:x::service"], ...gone })
      .catch((e: unknown) => e);
    expect(unconfirmed).toBeInstanceOf(ConfirmationRequiredError);
    expect((unconfirmed as Error).message).toContain(
      `remove lock ${lock.location} (owner pid 4242 on ci-1 is gone`,
    );
    expect((unconfirmed as Error).message).toContain(
      "drop pending operation creating urn:x::service (not in the cloud)",
    );
    expect(state.locks).toHaveLength(1);

    // The fake cloud cannot say whether the pending create exists: repair refuses to drop it blindly
    // and changes nothing (issue 10 item 5).
    const blind = await service.repair("acme", "staging", { yes: true, ...gone }).catch((e: unknown) => e);
    expect(blind).toBeInstanceOf(NeedsRepairError);
    expect((blind as Error).message).toContain("refusing to drop pending creates blindly");
    expect((blind as Error).message).toContain(
      "it exists with id <id>: tenant repair acme --env staging --yes --import 'urn:x::service=<id>'",
    );
    expect((blind as Error).message).toContain(
      "it does not exist: tenant repair acme --env staging --yes --absent 'urn:x::service'",
    );
    expect(state.locks).toHaveLength(1);

    const report = await service.repair("acme", "staging", {
      yes: true,
      absent: ["urn:x::service"],
      ...gone,
    });
    expect(report.actions).toEqual([
      `removed lock ${lock.location}: owner pid 4242 on ci-1 is gone (lock taken 300s ago)`,
      "dropped pending operation creating urn:x::service (not in the cloud)",
      "refreshed the stack against the cloud",
    ]);
    expect(state.locks).toEqual([]);
    expect(state.deployment.deployment).toEqual({ resources: [] });
    expect(engine.calls.slice(-2)).toEqual(["import acme-staging", "refresh acme-staging"]);
    expect((await service.status("acme", "staging")).needsRepair).toBe(false);
    expect((await service.repair("acme", "staging", { yes: true })).actions).toEqual(["nothing to repair"]);
  });

  test("repair says when the stack is consistent but its last update did not finish (a cancelled or failed update)", async () => {
    const engine = new FakeEngine();
    const service = new TenantService({ engine, program: () => async () => undefined });
    await service.onboard(spec("acme"), "staging");
    const done = await service.repair("acme", "staging", { yes: true });
    expect(done.lastUpdateResult).toBe("succeeded");
    expect(done.actions).toEqual(["nothing to repair"]);
    expect(unfinishedWork(done)).toBeUndefined();

    engine.behavior = (op) => {
      if (op === "up") throw new Error("cancelled");
    };
    await expect(service.update(spec("acme", { tier: "standard" }), "staging")).rejects.toThrow();
    engine.behavior = () => undefined;
    const report = await service.repair("acme", "staging", { yes: true });
    expect(report.lastUpdateResult).toBe("failed");
    expect(report.actions).toEqual([
      "nothing to repair",
      "the stack's last update failed: it is consistent again but not complete; run an update to finish it",
    ]);
    expect(unfinishedWork({ ...report, lastUpdateResult: undefined })).toBe(
      "the stack was never updated: run an update (or onboard again) to create its resources",
    );
  });

  test("a pending create that exists in the cloud is imported with its id, never dropped; leftover plugins block repair", async () => {
    const engine = new FakeEngine();
    const service = new TenantService({ engine, program: () => async () => undefined });
    await service.onboard(spec("acme"), "staging");
    const state = engine.stacks.get(`${TENANT_PROJECT}/acme-staging`)!;
    const resource = { urn: "urn:x::db", type: "aws:rds/instance:Instance", custom: true, inputs: { a: 1 } };
    state.deployment = {
      version: 3,
      deployment: {
        resources: [{ urn: "urn:x::stack" }],
        pending_operations: [{ type: "creating", resource }],
      },
    };
    engine.leftovers = [{ pid: 999, command: "node offline/double/main.ts 12345" }];
    const busy = await service.repair("acme", "staging", { yes: true }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(NeedsRepairError);
    expect((busy as Error).message).toContain("plugin processes of an interrupted run are still running");
    expect((busy as Error).message).toContain(
      "pid 999: node offline/double/main.ts 12345 (stop it: kill 999)",
    );

    engine.leftovers = [];
    engine.cloud.set("urn:x::db", "db-1");
    const unconfirmed = await service.repair("acme", "staging", {}).catch((e: unknown) => e);
    expect((unconfirmed as Error).message).toContain(
      "import pending create urn:x::db as db-1 (it exists in the cloud)",
    );
    const report = await service.repair("acme", "staging", { yes: true });
    expect(report.importedPendingCreates).toEqual([
      expect.objectContaining({ urn: "urn:x::db", id: "db-1" }),
    ]);
    expect(report.droppedPendingOperations).toEqual([]);
    expect(report.actions).toContain("imported pending create urn:x::db as db-1");
    expect(state.deployment.deployment).toEqual({
      resources: [{ urn: "urn:x::stack" }, { ...resource, id: "db-1", outputs: { a: 1 } }],
    });
  });

  test("a pending create the cloud says does not exist is dropped without asking the operator", async () => {
    const engine = new FakeEngine();
    engine.cloudKnowsAbsence = true;
    const service = new TenantService({ engine, program: () => async () => undefined });
    await service.onboard(spec("acme"), "staging");
    const state = engine.stacks.get(`${TENANT_PROJECT}/acme-staging`)!;
    const resource = { urn: "urn:x::svc", type: "aws:ecs/service:Service", custom: true, inputs: {} };
    state.deployment = {
      version: 3,
      deployment: {
        resources: [{ urn: "urn:x::stack" }],
        pending_operations: [{ type: "creating", resource }],
      },
    };
    const report = await service.repair("acme", "staging", { yes: true });
    expect(report.importedPendingCreates).toEqual([]);
    expect(report.droppedPendingOperations).toEqual([expect.objectContaining({ urn: "urn:x::svc" })]);
    expect(report.actions).toContain("dropped pending operation creating urn:x::svc (not in the cloud)");
    expect(state.deployment.deployment).toEqual({ resources: [{ urn: "urn:x::stack" }] });
  });
});

describe("spec diffing and change detection", () => {
  test("specDiff lists changed fields, nested ones by path, sorted", () => {
    const a = spec("acme");
    const b = spec("acme", { tier: "standard", sizing: { desiredCount: 3 }, imageTag: "1.0.1" });
    expect(specDiff(a, b)).toEqual([
      'imageTag: "1.0.0" → "1.0.1"',
      'sizing: (unset) → {"desiredCount":3}',
      'tier: "trial" → "standard"',
    ]);
    expect(
      specDiff(b, spec("acme", { tier: "standard", sizing: { desiredCount: 4 }, imageTag: "1.0.1" })),
    ).toEqual(["sizing.desiredCount: 3 → 4"]);
    expect(specDiff(a, JSON.parse(JSON.stringify(a)))).toEqual([]);
  });

  test("canonical JSON does not depend on key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  const summary = (
    result: "succeeded" | "failed",
    config: Record<string, string>,
    kind: "update" | "refresh" = "update",
  ) => ({
    kind,
    result,
    startTime: new Date(0),
    endTime: new Date(0),
    message: "",
    environment: {},
    version: 1,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v, secret: false }])),
  });

  test("the deployed spec comes from the last update in history, skipping refreshes", () => {
    const deployed = deployedState([
      summary("succeeded", {}, "refresh"),
      summary("succeeded", {
        [CONFIG_KEYS.spec]: canonicalJson(spec("acme")),
        [CONFIG_KEYS.baseStackName]: "organization/platform/staging",
      }),
    ]);
    expect(deployed.spec?.id).toBe("acme");
    expect(updateReasons(deployed, spec("acme"), "organization/platform/staging")).toEqual([]);
    expect(
      updateReasons(deployed, spec("acme", { tier: "standard" }), "organization/platform/staging"),
    ).toEqual(['tier: "trial" → "standard"']);
    expect(updateReasons(deployed, spec("acme"), "other/platform/staging")).toEqual([
      'baseStackName: "organization/platform/staging" → "other/platform/staging"',
    ]);
  });

  test("a failed last update, a missing or an invalid deployed spec all mean update", () => {
    expect(updateReasons(deployedState([]), spec("acme"), "b")).toEqual(["never deployed"]);
    const failed = deployedState([summary("failed", { [CONFIG_KEYS.spec]: canonicalJson(spec("acme")) })]);
    expect(updateReasons(failed, spec("acme"), "b")).toEqual(["last update failed"]);
    expect(updateReasons(deployedState([summary("succeeded", {})]), spec("acme"), "b")).toEqual([
      "its last update has no tenant:spec config",
    ]);
    const invalid = deployedState([summary("succeeded", { [CONFIG_KEYS.spec]: '{"id":"acme"}' })]);
    expect(invalid.problem).toMatch(
      /^its tenant:spec config is not a valid spec: displayName: is required .*; tier: is required/,
    );
  });
});

describe("the health gate: onboard and update succeed only on a steady, healthy deployment", () => {
  const serviceUrn =
    "urn:pulumi:acme-staging::tenant::platform:tenant:TenantService$aws:ecs/service:Service::acme";
  /** The engine's diagnostic for the ECS service, then the CLI's failure, as `up` reports them. */
  function failServiceWith(engine: FakeEngine, message: string, urn = serviceUrn) {
    engine.behavior = (op, _stack, opts) => {
      if (op !== "up") return;
      opts.onEvent?.({
        sequence: 1,
        timestamp: 0,
        diagnosticEvent: { urn, message, color: "never", severity: "error" },
      } as unknown as EngineEvent);
      throw pulumiError(CommandError, "error: update failed");
    };
  }

  test.each([
    [
      'cloud double: ECS service "acme": the deployment circuit breaker rolled the deployment back (tasks failed to start)',
      "circuit-breaker-rolled-back",
      /circuit breaker rolled the deployment back/,
    ],
    [
      "waiting for ECS Service (arn:aws:ecs:...:service/acme) to reach steady state: timeout while waiting for state",
      "tasks-never-healthy",
      /its tasks never became healthy/,
    ],
  ])(
    "a failed %s is an UnhealthyDeploymentError (exit 1) naming the reason",
    async (message, reason, words) => {
      const engine = new FakeEngine();
      const service = new TenantService({ engine, program: () => async () => undefined });
      failServiceWith(engine, message);
      const error = await service.onboard(spec("acme"), "staging").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnhealthyDeploymentError);
      expect(error).toMatchObject({
        kind: "unhealthy-deployment",
        exitCode: 1,
        reason,
        serviceUrn,
        engineMessage: message,
        next: { operation: "onboard", tenant: "acme", environment: "staging" },
      });
      expect((error as Error).message).toMatch(words);
      expect((error as Error).message).toMatch(/stays repairable: fix the cause, then run onboard again/);
      expect((error as UnhealthyDeploymentError).toJSON()).toMatchObject({ reason, serviceUrn });

      // The stack is kept, unlocked; once the deployment is healthy the same onboard converges.
      engine.behavior = () => undefined;
      await expect(service.onboard(spec("acme"), "staging")).resolves.toMatchObject({ resumed: true });
    },
  );

  test("update is gated the same way", async () => {
    const engine = new FakeEngine();
    const service = new TenantService({ engine, program: () => async () => undefined });
    await service.onboard(spec("acme"), "staging");
    failServiceWith(engine, "ECS Deployment Circuit Breaker was triggered");
    await expect(service.update(spec("acme"), "staging")).rejects.toMatchObject({
      kind: "unhealthy-deployment",
      reason: "circuit-breaker-rolled-back",
      next: { operation: "update" },
    });
  });

  test("any other failure of the service, or of another resource, stays a plain operation failure", async () => {
    const engine = new FakeEngine();
    const service = new TenantService({ engine, program: () => async () => undefined });
    failServiceWith(engine, "InvalidParameterException: subnet not found");
    await expect(service.onboard(spec("acme"), "staging")).rejects.toMatchObject({
      kind: "operation-failed",
    });
    failServiceWith(
      engine,
      "did not reach a steady state",
      "urn:pulumi:acme-staging::tenant::aws:rds/instance:Instance::acme-db",
    );
    await expect(service.onboard(spec("acme"), "staging")).rejects.toMatchObject({
      kind: "operation-failed",
    });
  });
});

describe("secret hygiene: the operation's secret values never reach an error or a diagnostic", () => {
  test("a failure whose engine output repeats a secret is redacted, in the message, the engine message and forwarded diagnostics", async () => {
    const engine = new FakeEngine();
    const service = new TenantService({ engine, program: () => async () => undefined });
    await service.onboard(spec("acme"), "staging", { secrets: { OLD_TOKEN: "old-s3cret-value" } });
    const forwarded: string[] = [];
    engine.behavior = (op, _stack, opts) => {
      if (op !== "up") return;
      opts.onEvent?.({
        sequence: 1,
        timestamp: 0,
        diagnosticEvent: { message: "bad value new-s3cret-value", color: "never", severity: "error" },
      } as unknown as EngineEvent);
      throw pulumiError(
        CommandError,
        'error: config set-all --secret tenant:secrets={"NEW_TOKEN":"new-s3cret-value","OLD_TOKEN":"old-s3cret-value"}',
      );
    };
    const error = await service
      .update(spec("acme"), "staging", {
        secrets: { NEW_TOKEN: "new-s3cret-value" },
        onEvent: (e) => e.diagnosticEvent && forwarded.push(e.diagnosticEvent.message),
      })
      .catch((e: unknown) => e as OperationFailedError);
    expect(error).toBeInstanceOf(OperationFailedError);
    const all = [
      JSON.stringify((error as OperationFailedError).toJSON()),
      (error as Error).message,
      ...forwarded,
    ];
    expect(all.join("\n")).not.toMatch(/s3cret-value/);
    expect(forwarded).toEqual(["bad value [secret]"]);
    expect((error as OperationFailedError).engineMessage).toBe("bad value [secret]");

    // With no diagnostic the CLI's stderr is the message: redacted, old and new values alike.
    engine.behavior = (op) => {
      if (op === "up")
        throw pulumiError(CommandError, 'error: tenant:secrets={"OLD_TOKEN":"old-s3cret-value"}');
    };
    const again = await service
      .update(spec("acme"), "staging", { secrets: { NEW_TOKEN: "new-s3cret-value" } })
      .catch((e: unknown) => e as OperationFailedError);
    expect((again as OperationFailedError).engineMessage).toBe(
      'error: tenant:secrets={"OLD_TOKEN":"[secret]"}',
    );
  });
});

test("a policy refusal carries the policy's message, not only the engine's 'update failed'", async () => {
  const engine = new FakeEngine();
  const service = new TenantService({ engine, program: () => async () => undefined });
  engine.behavior = (op, _stack, opts) => {
    if (op !== "up") return;
    opts.onEvent?.({
      sequence: 1,
      timestamp: 0,
      policyEvent: {
        resourceUrn: "urn:pulumi:acme-staging::tenant::aws:s3/bucketV2:BucketV2::acme-data",
        message: "bucket has no KMS encryption; set SSE-KMS with the tenant key",
        color: "never",
        policyName: "platform-s3-sse-kms",
        policyPackName: "platform",
        policyPackVersion: "0.1.0",
        policyPackVersionTag: "0.1.0",
        enforcementLevel: "mandatory",
      },
    } as unknown as EngineEvent);
    throw pulumiError(CommandError, "error: update failed");
  };
  const error = await service
    .onboard(spec("acme"), "staging")
    .catch((e: unknown) => e as OperationFailedError);
  expect(error).toBeInstanceOf(OperationFailedError);
  expect((error as OperationFailedError).engineMessage).toBe(
    "policy platform-s3-sse-kms (aws:s3/bucketV2:BucketV2 acme-data): bucket has no KMS encryption; set SSE-KMS with the tenant key",
  );
});
