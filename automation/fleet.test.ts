/**
 * Unit tests of fleet scheduling without the CLI: the concurrency bound, retries with exponential
 * backoff and jitter on concurrent updates, failure isolation, planning against the deployed spec,
 * and the report (with the typed next step; the table is automation/cli/render.test.ts).
 */
import * as os from "os";
import { CommandError, ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { parseTenantSpec } from "../tenants/spec";
import { isRetryable } from "./errors";
import { formatFleetTable, nextStepLine } from "./cli/render";
import { planFleet, runFleet } from "./fleet";
import { backoffDelay, DEFAULT_RETRY, runBounded } from "./scheduler";
import { TenantService } from "./service";
import { FakeEngine, pulumiError } from "./testing/fakeEngine";

const spec = (id: string, overrides: Record<string, unknown> = {}) =>
  parseTenantSpec({
    id,
    displayName: id,
    tier: "trial",
    environments: ["staging"],
    owner: "team@example.com",
    costCenter: "cc-1",
    dataClassification: "internal",
    imageTag: "1.0.0",
    ...overrides,
  });

const tick = () => new Promise((r) => setImmediate(r));

describe("runBounded", () => {
  test("never runs more than `concurrency` tasks at once, and runs that many when it can", async () => {
    let inFlight = 0;
    let peak = 0;
    const outcomes = await runBounded(
      Array.from({ length: 10 }, (_, i) => i),
      async (i) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5 + (i % 3)));
        inFlight--;
        return i * 2;
      },
      { concurrency: 3, isRetryable: () => false },
    );
    expect(peak).toBe(3);
    expect(outcomes.map((o) => (o.ok ? o.value : -1))).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  test("retries retryable errors with growing delays, then succeeds", async () => {
    const delays: number[] = [];
    let calls = 0;
    const [outcome] = await runBounded(
      ["acme"],
      async () => {
        if (++calls < 4)
          throw pulumiError(ConcurrentUpdateError, "the stack is currently locked by 1 lock(s)");
        return "done";
      },
      { concurrency: 1, isRetryable, sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
    );
    expect(outcome).toMatchObject({ ok: true, value: "done", attempts: 4 });
    expect(delays).toEqual([1500, 3000, 6000]);
  });

  test("gives up after maxAttempts and reports the last error", async () => {
    const [outcome] = await runBounded(
      ["acme"],
      async () => {
        throw pulumiError(ConcurrentUpdateError, "locked");
      },
      {
        concurrency: 1,
        isRetryable,
        retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
        sleep: async () => undefined,
      },
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 3 });
    expect(!outcome.ok && outcome.error).toBeInstanceOf(ConcurrentUpdateError);
  });

  test("does not retry other errors; one failure does not stop the others", async () => {
    const outcomes = await runBounded(
      ["a", "b", "c"],
      async (x) => {
        if (x === "b") throw pulumiError(CommandError, "error: update failed");
        await tick();
        return x;
      },
      { concurrency: 2, isRetryable, sleep: async () => undefined },
    );
    expect(outcomes.map((o) => [o.item, o.ok, o.attempts])).toEqual([
      ["a", true, 1],
      ["b", false, 1],
      ["c", true, 1],
    ]);
  });

  test("rejects a concurrency that is not a whole number of at least 1", async () => {
    await expect(runBounded([1], async () => 1, { concurrency: 0, isRetryable })).rejects.toThrow(
      "concurrency: 0 is not a whole number of at least 1",
    );
  });
});

describe("backoffDelay", () => {
  test("doubles each retry, capped, with equal jitter between half and the full delay", () => {
    const policy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([
      500, 1000, 2000, 2500, 2500,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 1))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(DEFAULT_RETRY).toEqual({ maxAttempts: 4, baseDelayMs: 2000, maxDelayMs: 30000 });
  });
});

describe("fleet operations over the fake engine", () => {
  let engine: FakeEngine;
  let service: TenantService;
  beforeEach(() => {
    engine = new FakeEngine();
    service = new TenantService({ engine, program: () => async () => undefined });
  });

  test("reconcile plans onboard for new tenants, update only for changed ones, and reports orphans", async () => {
    await service.onboard(spec("same"), "staging");
    await service.onboard(spec("changed"), "staging");
    await service.onboard(spec("orphan"), "staging");
    const plan = await planFleet(
      service,
      "reconcile",
      [
        spec("same"),
        spec("changed", { tier: "standard" }),
        spec("fresh"),
        spec("prod-only", { environments: ["production"] }),
      ],
      "staging",
    );
    expect(plan.map((p) => [p.tenant, p.action, p.reasons])).toEqual([
      ["same", "none", []],
      ["changed", "update", ['tier: "trial" → "standard"']],
      ["fresh", "onboard", ["new tenant"]],
      [
        "orphan",
        "orphan",
        ["no spec for staging in the registry", "left in place; reconcile with prune destroys it"],
      ],
    ]);
    const prune = await planFleet(service, "reconcile", [], "staging", { prune: true });
    expect(prune.map((p) => p.action)).toEqual(["prune", "prune", "prune"]);
  });

  test("a fleet run isolates failures, retries conflicts, and exits 1 when any tenant failed", async () => {
    let conflicts = 1;
    engine.behavior = (op, stack) => {
      if (op !== "up") return;
      if (stack === "broken-staging") throw pulumiError(CommandError, "error: provider said no");
      if (stack === "busy-staging" && conflicts-- > 0)
        throw pulumiError(ConcurrentUpdateError, "error: the stack is currently locked by 1 lock(s)");
    };
    const log: string[] = [];
    const report = await runFleet(
      service,
      "reconcile",
      [spec("okay"), spec("broken"), spec("busy")],
      "staging",
      {
        concurrency: 2,
        sleep: async () => undefined,
        random: () => 0,
        log: (l) => log.push(l),
      },
    );
    expect(report.results.map((r) => [r.tenant, r.action, r.status, r.attempts])).toEqual([
      ["okay", "onboard", "succeeded", 1],
      ["broken", "onboard", "failed", 1],
      ["busy", "onboard", "succeeded", 2],
    ]);
    expect(report.results[1].error).toMatchObject({
      kind: "operation-failed",
      tenant: "broken",
      operation: "onboard",
      engineMessage: "error: provider said no",
    });
    expect(report.totals).toEqual({
      succeeded: 2,
      unchanged: 0,
      failed: 1,
      drifted: 0,
      "in-sync": 0,
      skipped: 0,
    });
    expect(report.exitCode).toBe(1);
    expect(log).toContain("[busy-staging] stack busy (attempt 1); retrying in 1.0s");
    expect(log).toContain("[broken-staging] ✗ onboard broken (staging): failed");
  });

  test("a stack still locked after the retries is reported with what left the lock and how to repair it", async () => {
    await service.onboard(spec("stuck"), "staging");
    engine.stacks.get("tenant/stuck-staging")!.locks.push({
      location: "/state/.pulumi/locks/organization/tenant/stuck-staging/1.json",
      pid: 2 ** 22 + 7,
      hostname: os.hostname(),
      timestamp: new Date(),
    });
    const report = await runFleet(service, "reconcile", [spec("stuck", { tier: "standard" })], "staging", {
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: async () => undefined,
    });
    const [stuck] = report.results;
    expect(stuck).toMatchObject({
      status: "failed",
      attempts: 2,
      error: expect.objectContaining({ kind: "concurrent-update", exitCode: 6 }),
    });
    expect(stuck.reasons).toEqual([
      'tier: "trial" → "standard"',
      expect.stringMatching(/^lock stale: owner pid 4194311 on .* is gone \(lock taken \d+s ago\)$/),
    ]);
    expect(stuck.next).toEqual({
      operation: "repair",
      tenant: "stuck",
      environment: "staging",
      yes: true,
      runbook: "docs/runbooks/interrupted-update.md",
    });
    expect(nextStepLine(stuck.next!)).toBe(
      "run: tenant repair stuck --env staging --yes (docs/runbooks/interrupted-update.md)",
    );
    expect(formatFleetTable(report)).toContain(
      "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`. — run: tenant repair stuck --env staging --yes",
    );
  });

  test("prune destroys orphans, in production too (the flag is the consent)", async () => {
    await service.onboard(spec("gone", { environments: ["production"] }), "production");
    const report = await runFleet(service, "reconcile", [], "production", { prune: true });
    expect(report.results).toEqual([
      expect.objectContaining({ tenant: "gone", action: "prune", status: "succeeded" }),
    ]);
    expect(engine.stacks.size).toBe(0);
  });

  test("drift covers every tenant stack, orphans included; preview skips tenants with no stack", async () => {
    await service.onboard(spec("alpha"), "staging");
    await service.onboard(spec("orphan"), "staging");
    const drift = await runFleet(service, "drift", [spec("alpha")], "staging");
    expect(drift.results.map((r) => [r.tenant, r.action, r.status])).toEqual([
      ["alpha", "drift", "in-sync"],
      ["orphan", "drift", "in-sync"],
    ]);
    expect(drift.exitCode).toBe(0);
    const preview = await runFleet(service, "preview", [spec("alpha"), spec("new")], "staging");
    expect(preview.results.map((r) => [r.tenant, r.action, r.status, r.changes])).toEqual([
      ["alpha", "preview", "succeeded", { update: 1 }],
      ["new", "none", "skipped", undefined],
      ["orphan", "orphan", "skipped", undefined],
    ]);
  });

  test("drift of only some tenants (the tiers due) leaves the others, orphans included, out", async () => {
    await service.onboard(spec("alpha"), "staging");
    await service.onboard(spec("bravo"), "staging");
    await service.onboard(spec("orphan"), "staging");
    const drift = await runFleet(service, "drift", [spec("alpha"), spec("bravo")], "staging", {
      only: new Set(["bravo"]),
    });
    expect(drift.results.map((r) => [r.tenant, r.status])).toEqual([["bravo", "in-sync"]]);
    expect(engine.calls.filter((c) => c.startsWith("previewRefresh"))).toEqual([
      "previewRefresh bravo-staging",
    ]);
  });

  test("bad arguments are refused with every problem", async () => {
    await expect(runFleet(service, "reconcile", [], "qa", { concurrency: 0 })).rejects.toThrow(
      /env: "qa" is not one of staging, production\n {2}- concurrency: 0 is not a whole number from 1 to 64/,
    );
  });
});
