/**
 * Rollouts over the tenant service on the library's FakeEngine (automation/tests/fakeEngine.ts):
 * waves, the health gate, the soak, halts and rollbacks, durable state, pause/abort/resume, the
 * registry diff and the dry run. The same paths on the real engine: automation/e2e/rollout.e2e.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { EXIT_CODES } from "../errors";
import {
  failureLine,
  controlRollout,
  dryRunReport,
  parseWavePlan,
  planFor,
  resumeRollout,
  RolloutRefusedError,
  rolloutReport,
  RolloutState,
  startRollout,
  WavePlan,
} from ".";
import { createWorld, spec, withUpdateHooks, World } from "./testing/world";

const NEW = "2.0.0";

function plan(text: string): WavePlan {
  return parseWavePlan(text).value!;
}

/** 9 tenants: a standard canary, four trials, four others. */
const NINE = [
  spec("alpha", "standard"),
  spec("bravo", "trial"),
  spec("charlie", "trial"),
  spec("delta", "trial"),
  spec("echo", "trial"),
  spec("foxtrot", "standard"),
  spec("golf", "standard"),
  spec("hotel", "enterprise"),
  spec("india", "enterprise"),
];
const THREE_WAVES = "canary=alpha soak=2m; tier=trial concurrency=2 soak=1m; rest concurrency=4 soak=1m";

let world: World;
beforeEach(async () => {
  world = await createWorld(NINE);
});
afterEach(() => world.cleanup());

const specs = () => NINE;
const ups = () => world.engine.calls.filter((c) => c.startsWith("up ")).length;

describe("a rollout in three waves", () => {
  it("updates every tenant wave by wave, soaks each, and changes the registry for all of them", async () => {
    const state = await startRollout(world.deps(), plan(THREE_WAVES), specs(), "staging", NEW);
    const report = rolloutReport(state);
    expect(report.status).toBe("succeeded");
    expect(report.exitCode).toBe(EXIT_CODES.ok);
    expect(report.waves.map((w) => [w.number, w.status, w.tenants, w.succeeded])).toEqual([
      [1, "succeeded", 1, 1],
      [2, "succeeded", 4, 4],
      [3, "succeeded", 4, 4],
    ]);
    expect(Object.values(world.images())).toEqual(Array(9).fill(NEW));
    expect(Object.values(world.registryImages())).toEqual(Array(9).fill(NEW));
    expect(report.registry).toEqual(NINE.map((s) => `registry/${s.id}.yaml`));
    // The canary's soak (2 minutes) on the fake clock; each tenant reads its alarms every second.
    expect(world.clock).toBeGreaterThanOrEqual(120_000 + 60_000 + 60_000);
    // Waves in order: no trial started before the canary finished.
    const order = world.log.filter((l) => / → 2\.0\.0$/.test(l)).map((l) => l.slice(1, l.indexOf("]")));
    expect(order[0]).toBe("alpha");
    expect(order.slice(1, 5).sort()).toEqual(["bravo", "charlie", "delta", "echo"]);
  });

  it("halts when the canary never becomes healthy: canary rolled back, later waves untouched", async () => {
    world.unhealthy.set("alpha", new Set([NEW]));
    const before = ups();
    const state = await startRollout(world.deps(), plan(THREE_WAVES), specs(), "staging", NEW);
    const report = rolloutReport(state);
    expect(report.status).toBe("halted");
    expect(report.exitCode).toBe(EXIT_CODES.rolloutHalted);
    expect(report.stop).toBe(
      "wave 1 had 1 failed tenant(s), over its budget of 0; failed tenants were rolled back, later waves not started",
    );
    expect(report.waves.map((w) => w.status)).toEqual(["halted", "pending", "pending"]);
    const alpha = report.tenants.find((t) => t.tenant === "alpha")!;
    expect(alpha).toMatchObject({ status: "rolled-back", image: "1.0.0", fromImage: "1.0.0" });
    expect(alpha.detail).toMatch(/did not reach a steady state/);
    expect(report.tenants.filter((t) => t.status === "pending")).toHaveLength(8);
    // Two ups only: the canary's failed update and its rollback.
    expect(ups() - before).toBe(2);
    expect(Object.values(world.images())).toEqual(Array(9).fill("1.0.0"));
    expect(Object.values(world.registryImages())).toEqual(Array(9).fill("1.0.0"));
    expect(report.registry).toEqual([]);
    expect(report.hints.map((h) => h.command)).toEqual([
      `npm run fleet -- rollout status --env staging --id ${state.id}`,
    ]);
  });

  it("rolls back a tenant whose alarm fires during the soak, and carries on within the budget", async () => {
    world.alarms.set("charlie", { name: "charlie-staging-5xx", after: 0 });
    const state = await startRollout(
      world.deps(),
      plan("canary=alpha soak=0; tier=trial concurrency=2 soak=30s budget=1; rest soak=0"),
      specs(),
      "staging",
      NEW,
    );
    expect(state.status).toBe("succeeded");
    expect(state.tenants.charlie).toMatchObject({
      status: "rolled-back",
      error: "alarm in ALARM during the soak: charlie-staging-5xx",
    });
    expect(world.images().charlie).toBe("1.0.0");
    expect(world.registryImages()).toMatchObject({ charlie: "1.0.0", bravo: NEW, india: NEW });
    expect(rolloutReport(state).waves[1]).toMatchObject({ succeeded: 3, failed: 1, budget: "1" });
  });

  it("halts in a later wave over a percentage budget: earlier waves keep the image and reach the registry", async () => {
    world.unhealthy.set("golf", new Set([NEW]));
    world.unhealthy.set("hotel", new Set([NEW]));
    const state = await startRollout(
      world.deps(),
      plan("canary=alpha soak=0; tier=trial concurrency=4 soak=0; rest concurrency=1 soak=0 budget=25%"),
      specs(),
      "staging",
      NEW,
    );
    expect(state.status).toBe("halted");
    expect(state.stop?.wave).toBe(3);
    expect(world.registryImages()).toMatchObject({
      alpha: NEW,
      bravo: NEW,
      echo: NEW,
      golf: "1.0.0",
      hotel: "1.0.0",
    });
    // Concurrency 1: the wave stopped after the second failure; whoever came after keeps the image.
    const rest = state.waves[2].tenants.map((t) => state.tenants[t].status);
    expect(rest).toEqual(["succeeded", "rolled-back", "rolled-back", "pending"]);
    expect(world.images().india).toBe("1.0.0");
  });

  it("reports a rollback that failed too, with the exit code of a failure and what to look at", async () => {
    world.unhealthy.set("alpha", new Set([NEW, "1.0.0"]));
    const state = await startRollout(
      world.deps(),
      plan("canary=alpha soak=0; rest"),
      specs(),
      "staging",
      NEW,
    );
    const report = rolloutReport(state);
    expect(state.tenants.alpha.status).toBe("rollback-failed");
    expect(report.exitCode).toBe(EXIT_CODES.failed);
    expect(report.hints.map((h) => h.command)).toContain("npm run tenant -- status alpha --env staging");
  });
});

describe("durable state", () => {
  function saved(id: string): RolloutState {
    return JSON.parse(fs.readFileSync(path.join(world.store.dir, `${id}.json`), "utf8"));
  }

  it("writes the state after every step of every tenant", async () => {
    const statuses: string[] = [];
    const deps = world.deps();
    const store = deps.store;
    const spy = {
      ...store,
      save: (s: RolloutState) => (store.save(s), statuses.push(s.tenants.alpha.status)),
    };
    Object.setPrototypeOf(spy, Object.getPrototypeOf(store));
    await startRollout(
      { ...deps, store: spy },
      plan("canary=alpha soak=1s; rest soak=0"),
      specs(),
      "staging",
      NEW,
    );
    expect([...new Set(statuses)]).toEqual(["pending", "updating", "soaking", "succeeded"]);
  });

  it("resumes after a crash mid-wave without redoing the tenants that finished", async () => {
    // The first run dies while delta is being updated: its update never returns (the promise is
    // left pending, as a killed process leaves its work).
    const crashed = withUpdateHooks(world.deps(), {
      before: (s) => (s.id === "delta" ? new Promise<void>(() => undefined) : Promise.resolve()),
    });
    void startRollout(
      crashed,
      plan(THREE_WAVES.replace("concurrency=2", "concurrency=1")),
      specs(),
      "staging",
      NEW,
    );
    await until(() => world.store.list()[0]?.tenants.delta.status === "updating");
    const id = world.store.list()[0].id;
    const atCrash = saved(id);
    expect(
      Object.values(atCrash.tenants)
        .map((t) => t.status)
        .sort(),
    ).toEqual([
      "pending",
      "pending",
      "pending",
      "pending",
      "pending",
      "succeeded",
      "succeeded",
      "succeeded",
      "updating",
    ]);

    // The crashed wave's time so far is in the saved state, not only in the dead run's memory.
    const crashedWave = atCrash.waves.findIndex((w) => w.tenants.includes("delta"));
    expect(atCrash.waves[crashedWave].durationMs).toEqual(expect.any(Number));
    const upsBefore = world.engine.calls.filter((c) => c.startsWith("up ")).map((c) => c.slice(3));
    const recovered: string[] = [];
    const resumed = world.deps();
    const state = await resumeRollout(
      { ...resumed, target: { ...resumed.target, recover: async (t) => void recovered.push(t) } },
      id,
    );
    expect(state.status).toBe("succeeded");
    expect(recovered).toEqual(["delta"]);
    const upsAfter = world.engine.calls
      .filter((c) => c.startsWith("up "))
      .map((c) => c.slice(3))
      .slice(upsBefore.length);
    // alpha, bravo and charlie finished before the crash: not run again.
    expect(upsAfter.sort()).toEqual(
      ["delta", "echo", "foxtrot", "golf", "hotel", "india"].map((t) => `${t}-staging`),
    );
    expect(state.waves[crashedWave].durationMs).toBeGreaterThanOrEqual(
      atCrash.waves[crashedWave].durationMs!,
    );
    expect(state.tenants.delta.attempts).toBe(2);
    expect(state.tenants.alpha.attempts).toBe(1);
    expect(Object.values(world.registryImages())).toEqual(Array(9).fill(NEW));
  });

  it("refuses to resume a rollout whose runner is alive, a finished one, and an unknown id", async () => {
    const state = await startRollout(world.deps(), plan("rest soak=0"), specs(), "staging", NEW);
    await expect(resumeRollout(world.deps(), state.id)).rejects.toThrow(
      `id: rollout ${state.id} is succeeded; only a paused or interrupted one resumes`,
    );
    await expect(resumeRollout(world.deps(), "staging-20260101T000000Z")).rejects.toThrow(
      'id: no rollout "staging-20260101T000000Z"',
    );
    const running = { ...state, status: "running" as const, runner: { pid: 1, host: "h", startedAt: "" } };
    world.store.save(running);
    await expect(resumeRollout(world.deps({ isAlive: () => true }), state.id)).rejects.toThrow(
      `is running in process 1 on h; pause it or wait`,
    );
  });

  it("refuses a second rollout of an environment while one is paused or running", async () => {
    const first = await startRollout(world.deps(), plan("rest soak=0"), specs(), "staging", NEW);
    world.store.save({ ...first, status: "paused" });
    const error = await startRollout(world.deps(), plan("rest soak=0"), specs(), "staging", "2.0.1").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RolloutRefusedError);
    expect((error as Error).message).toContain(`env: rollout ${first.id} of staging is paused; resume it`);
  });
});

describe("pause, resume, abort", () => {
  it("pauses between tenants, then resumes where it stopped", async () => {
    let requested = false;
    const deps = withUpdateHooks(world.deps(), {
      after: (s) => {
        if (s.id === "bravo" && !requested) {
          requested = true;
          controlRollout(world.store, world.store.list()[0].id, "pause");
        }
      },
    });
    const paused = await startRollout(
      deps,
      plan("canary=alpha soak=0; tier=trial concurrency=1 soak=0; rest soak=0"),
      specs(),
      "staging",
      NEW,
    );
    const report = rolloutReport(paused);
    expect(report.status).toBe("paused");
    expect(report.exitCode).toBe(EXIT_CODES.rolloutIncomplete);
    expect(
      Object.entries(world.images())
        .filter(([, i]) => i === NEW)
        .map(([t]) => t),
    ).toEqual(["alpha", "bravo"]);
    // Paused: the registry already says what runs the image.
    expect(paused.registry).toEqual(["registry/alpha.yaml", "registry/bravo.yaml"]);
    expect(report.hints.map((h) => h.command)).toContain(
      `npm run fleet -- rollout resume --env staging --id ${paused.id}`,
    );
    const done = await resumeRollout(world.deps(), paused.id);
    expect(done.status).toBe("succeeded");
    expect(done.tenants.bravo.attempts).toBe(1);
    expect(Object.values(world.images())).toEqual(Array(9).fill(NEW));
  });

  it("aborts a running rollout between tenants, and a paused one at once", async () => {
    const deps = withUpdateHooks(world.deps(), {
      after: (s) => s.id === "alpha" && void controlRollout(world.store, world.store.list()[0].id, "abort"),
    });
    const aborted = await startRollout(
      deps,
      plan("canary=alpha soak=0; rest soak=0"),
      specs(),
      "staging",
      NEW,
    );
    expect(aborted.status).toBe("aborted");
    expect(aborted.stop?.reason).toBe("aborted by an operator in wave 2");
    expect(world.registryImages()).toMatchObject({ alpha: NEW, bravo: "1.0.0" });
    expect(() => controlRollout(world.store, aborted.id, "pause")).toThrow(
      `rollout ${aborted.id} is aborted; it cannot be paused`,
    );
    await expect(resumeRollout(world.deps(), aborted.id)).rejects.toThrow("is aborted");

    world.store.save({ ...aborted, id: "staging-20261201T090000Z-9", status: "paused" });
    expect(controlRollout(world.store, "staging-20261201T090000Z-9", "abort").status).toBe("aborted");
  });
});

describe("dry run and planning", () => {
  it("prints the waves with each tenant's current image and changes nothing", async () => {
    await startRollout(world.deps(), plan("canary=alpha soak=0"), specs(), "staging", "1.5.0");
    const stateBefore = JSON.stringify([...world.engine.stacks.entries()]);
    const registryBefore = fs
      .readdirSync(world.registryDir)
      .map((f) => fs.readFileSync(path.join(world.registryDir, f), "utf8"));
    const rolloutsBefore = fs.readdirSync(world.store.dir);

    const { plan: planned } = await planFor(
      world.deps().target,
      plan("canary=alpha; tier=trial budget=25%; percent=50"),
      specs(),
      "staging",
      NEW,
    );
    const dry = dryRunReport(planned);
    expect(dry.waves.map((w) => [w.text, w.budget, w.tenants.map((t) => `${t.tenant}@${t.image}`)])).toEqual([
      ["canary=alpha", "0 of 1", ["alpha@1.5.0"]],
      [
        "tier=trial budget=25%",
        "25% (1 of 4)",
        ["bravo@1.0.0", "charlie@1.0.0", "delta@1.0.0", "echo@1.0.0"],
      ],
      ["percent=50", "0 of 2", expect.any(Array)],
    ]);
    expect(dry.notInPlan).toHaveLength(2);

    expect(JSON.stringify([...world.engine.stacks.entries()])).toBe(stateBefore);
    expect(
      fs.readdirSync(world.registryDir).map((f) => fs.readFileSync(path.join(world.registryDir, f), "utf8")),
    ).toEqual(registryBefore);
    expect(fs.readdirSync(world.store.dir)).toEqual(rolloutsBefore);
  });

  it("refuses a canary that is not a tenant of the environment, and a plan that takes nobody", async () => {
    await expect(
      planFor(world.deps().target, plan("canary=zulu; rest"), specs(), "staging", NEW),
    ).rejects.toThrow('wave 1.canary: "zulu" is not a tenant of staging in the registry');
    await expect(planFor(world.deps().target, plan("rest"), specs(), "staging", "1.0.0")).rejects.toThrow(
      "waves: takes no tenant that needs 1.0.0 (each runs it already, has no stack yet, or is in no wave)",
    );
  });

  it("skips tenants with no stack yet, and leaves those already on the image unchanged", async () => {
    const extra = [...NINE, spec("juliet", "trial")];
    await startRollout(world.deps(), plan("canary=alpha soak=0"), specs(), "staging", NEW);
    const state = await startRollout(
      world.deps(),
      plan("tier=standard soak=0; rest soak=0"),
      extra,
      "staging",
      NEW,
    );
    expect(state.tenants.alpha.status).toBe("unchanged");
    expect(state.tenants.juliet).toMatchObject({
      status: "skipped",
      reason: "no stack yet; fleet reconcile onboards it",
    });
    expect(state.status).toBe("succeeded");
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error("timed out");
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("failure details", () => {
  it("take the engine's reason, without its wrapping", () => {
    const engine = Object.assign(new Error("update failed"), {
      engineMessage:
        'error: 1 error occurred:\n\t* cloud double: ECS service "plat-stg-acme" did not reach a steady state within 1500 ms: 0 of 2 tasks became healthy\n',
    });
    expect(failureLine(engine)).toBe(
      'cloud double: ECS service "plat-stg-acme" did not reach a steady state within 1500 ms: 0 of 2 tasks became healthy',
    );
    expect(failureLine(new Error("alarm in ALARM during the soak: acme-5xx"))).toBe(
      "alarm in ALARM during the soak: acme-5xx",
    );
    expect(failureLine("x".repeat(400))).toHaveLength(300);
  });
});
