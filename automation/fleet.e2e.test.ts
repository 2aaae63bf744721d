/**
 * Fleet operations on the real tenant program, the real engine and the cloud double, over one real
 * base stack for the whole file: several tenants at once, one failing among healthy ones (the
 * double's `fail.tenants` knob), change detection against the deployed spec, orphans and --prune,
 * drift made in the double's cloud, and a conflicting operation on the same stack that the fleet
 * retries (the double's latency and `holdUntilFile` knobs keep the first update in progress).
 */
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { writeKnobs } from "../offline/double/knobs";
import { parseUrn } from "../offline/double/provider";
import { CloudStore } from "../offline/double/store";
import { StackBusyError } from "./errors";
import { formatFleetTable } from "./cli/render";
import { FleetReport, runFleet } from "./fleet";
import { TENANT_PROJECT } from "./service";
import { createDoubleHarness, DoubleHarness, testSpec } from "./testing/harness";

const RDS = "aws:rds/instance:Instance";
const ECS_SERVICE = "aws:ecs/service:Service";
let h: DoubleHarness;
let store: CloudStore;

beforeAll(async () => {
  h = await createDoubleHarness("fleet");
  store = new CloudStore(h.doubleDir);
  writeKnobs(h.doubleDir, { fail: { tenants: ["broken"] } });
}, 600000);

afterAll(() => h?.cleanup());

/** The double's records of a stack's resources. */
function recordsOf(stack: string, type?: string) {
  return store.list(type).filter((r) => r.urn.startsWith(`urn:pulumi:${stack}::`));
}

const byTenant = (report: FleetReport) => Object.fromEntries(report.results.map((r) => [r.tenant, r]));
const quickRetry = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 4000 };

describe("fleet reconcile, drift and conflicts", () => {
  let specs = [testSpec("alpha"), testSpec("bravo"), testSpec("charlie"), testSpec("broken")];

  test("reconcile onboards tenants concurrently; one failure does not stop the others", async () => {
    const spans = new Map<string, { first: number; last: number }>();
    const log: string[] = [];
    const report = await runFleet(h.service, "reconcile", specs, "staging", {
      concurrency: 4,
      log: (l) => log.push(l),
      onEvent: (stack: string, _e: EngineEvent) => {
        const now = Date.now();
        const span = spans.get(stack) ?? { first: now, last: now };
        spans.set(stack, { first: span.first, last: now });
      },
    });
    expect(report.totals).toMatchObject({ succeeded: 3, failed: 1 });
    expect(report.exitCode).toBe(1);
    const r = byTenant(report);
    expect(r.alpha).toMatchObject({
      action: "onboard",
      status: "succeeded",
      attempts: 1,
      reasons: ["new tenant"],
    });
    expect(r.broken).toMatchObject({ action: "onboard", status: "failed", attempts: 1 });
    expect(r.broken.error).toMatchObject({
      kind: "operation-failed",
      tenant: "broken",
      operation: "onboard",
      exitCode: 1,
    });
    expect(String(r.broken.error?.engineMessage)).toMatch(
      /cloud double: simulated failure creating \S+ "[^"]+" of tenant broken \(knobs.json\)/,
    );
    for (const t of ["alpha", "bravo", "charlie"]) {
      expect(await h.service.outputs(t, "staging")).toMatchObject({ tenant: t, tier: "trial" });
    }
    // They really ran at the same time: every healthy stack's events overlap another's.
    const intervals = [...spans.values()];
    const overlapping = intervals.filter((a) =>
      intervals.some((b) => b !== a && a.first < b.last && b.first < a.last),
    );
    expect(overlapping.length).toBeGreaterThanOrEqual(3);
    expect(log[0]).toBe("reconcile staging: 4 stack(s), 4 to run, concurrency 4");
    const table = formatFleetTable(report);
    expect(table).toMatch(/^TENANT\s+STACK\s+ACTION\s+STATUS/);
    expect(table).toMatch(/broken\s+broken-staging\s+onboard\s+failed\s+1\s+\S+\s+.*simulated failure/);
    expect(table).toMatch(/reconcile staging: 3 succeeded, 1 failed in/);
  }, 900000);

  test("reconcile again: unchanged tenants are left alone, a changed spec and the failed tenant are updated", async () => {
    writeKnobs(h.doubleDir, {});
    specs = specs.map((s) => (s.id === "bravo" ? testSpec("bravo", { tier: "standard" }) : s));
    const report = await runFleet(h.service, "reconcile", specs, "staging", { concurrency: 2 });
    const r = byTenant(report);
    expect(r.alpha).toMatchObject({ action: "none", status: "unchanged", attempts: 0 });
    expect(r.charlie).toMatchObject({ action: "none", status: "unchanged" });
    expect(r.bravo).toMatchObject({
      action: "update",
      status: "succeeded",
      reasons: ['tier: "trial" → "standard"'],
    });
    expect(r.broken).toMatchObject({
      action: "update",
      status: "succeeded",
      reasons: ["last update failed"],
    });
    expect(report.exitCode).toBe(0);
    expect(await h.service.outputs("bravo", "staging")).toMatchObject({ tier: "standard" });
    expect(recordsOf("bravo-staging", "aws:elasticache/replicationGroup:ReplicationGroup")).toHaveLength(1);
  }, 900000);

  test("a stack with no spec is reported, and destroyed only with --prune", async () => {
    const withoutCharlie = specs.filter((s) => s.id !== "charlie");
    const kept = await runFleet(h.service, "reconcile", withoutCharlie, "staging", { concurrency: 2 });
    expect(byTenant(kept).charlie).toMatchObject({
      action: "orphan",
      status: "skipped",
      reasons: ["no spec for staging in the registry", "left in place; reconcile with prune destroys it"],
    });
    expect((await h.service.list("staging")).map((s) => s.tenant)).toContain("charlie");

    const pruned = await runFleet(h.service, "reconcile", withoutCharlie, "staging", {
      concurrency: 2,
      prune: true,
    });
    expect(byTenant(pruned).charlie).toMatchObject({ action: "prune", status: "succeeded" });
    expect((await h.service.list("staging")).map((s) => s.tenant)).toEqual(["alpha", "bravo", "broken"]);
    expect(recordsOf("charlie-staging")).toEqual([]);
    specs = withoutCharlie;
  }, 600000);

  test("fleet drift reports the drifted tenant and exits 3", async () => {
    const [db] = recordsOf("alpha-staging", RDS);
    const file = store.recordPath(db.type, db.id);
    const record = JSON.parse(fs.readFileSync(file, "utf8"));
    record.properties.allocatedStorage = 999;
    fs.writeFileSync(file, JSON.stringify(record));
    const report = await runFleet(h.service, "drift", specs, "staging", { concurrency: 3 });
    const r = byTenant(report);
    expect(r.alpha).toMatchObject({
      status: "drifted",
      reasons: [`update ${RDS} ${parseUrn(db.urn).name} [allocatedStorage]`],
    });
    expect(r.bravo.status).toBe("in-sync");
    expect(r.broken.status).toBe("in-sync");
    expect(report.exitCode).toBe(3);
  }, 600000);

  test("fleet preview shows what an update would change, and changes nothing", async () => {
    const changed = specs.map((s) => (s.id === "alpha" ? testSpec("alpha", { imageTag: "1.0.1" }) : s));
    const report = await runFleet(h.service, "preview", changed, "staging", { concurrency: 3 });
    const r = byTenant(report);
    expect(r.alpha).toMatchObject({ action: "preview", status: "succeeded" });
    expect(r.alpha.changes?.update).toBeGreaterThanOrEqual(1);
    expect(r.bravo.changes?.update ?? 0).toBe(0);
    expect(await h.service.outputs("alpha", "staging")).toMatchObject({ tier: "trial" });
    const [task] = recordsOf("alpha-staging", "aws:ecs/taskDefinition:TaskDefinition");
    expect(JSON.stringify(task.properties.containerDefinitions)).toContain(":1.0.0");
  }, 600000);

  test("a conflicting operation on the same stack is ConcurrentUpdate (exit 6); the fleet retries it to success", async () => {
    // The first update holds the stack's lock until the fleet has been refused once: the double
    // delays the ECS service's update until the release file exists.
    const release = path.join(h.dir, "release-alpha");
    writeKnobs(h.doubleDir, { latencyMs: { [ECS_SERVICE]: 90000 }, holdUntilFile: release });
    let held = false;
    const slow = h.service.update(testSpec("alpha", { imageTag: "1.0.1" }), "staging", {
      onEvent: (e) => {
        if (
          e.resourcePreEvent?.metadata.type === ECS_SERVICE &&
          e.resourcePreEvent.metadata.op === "update"
        ) {
          held = true;
        }
      },
    });
    // Wait for the lock AND for the engine to be in the held update.
    await waitFor(
      async () => held && (await h.engine.listLocks(TENANT_PROJECT, "alpha-staging")).length > 0,
      240000,
    );

    const direct = await h.service
      .update(testSpec("alpha", { imageTag: "1.0.1" }), "staging")
      .catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(StackBusyError);
    expect(direct).toMatchObject({
      tenant: "alpha",
      environment: "staging",
      operation: "update",
      exitCode: 6,
    });
    expect((direct as StackBusyError).engineMessage).toMatch(/the stack is currently locked by 1 lock/);

    const retries: number[] = [];
    const fleet = runFleet(
      h.service,
      "reconcile",
      specs.map((s) => (s.id === "alpha" ? testSpec("alpha", { imageTag: "1.0.2" }) : s)),
      "staging",
      {
        concurrency: 2,
        retry: quickRetry,
        log: (l) => {
          const m = /\[alpha-staging\] stack busy \(attempt (\d+)\)/.exec(l);
          if (m) {
            retries.push(Number(m[1]));
            fs.writeFileSync(release, "");
          }
        },
      },
    );
    const [first, report] = await Promise.all([slow, fleet]);
    expect(first.changes.update).toBeGreaterThanOrEqual(1);
    const alpha = byTenant(report).alpha;
    expect(alpha).toMatchObject({ action: "update", status: "succeeded" });
    expect(alpha.attempts).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toBe(1);
    expect(report.exitCode).toBe(0);
    expect((await h.service.status("alpha", "staging")).spec?.imageTag).toBe("1.0.2");
    writeKnobs(h.doubleDir, {});
  }, 900000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
