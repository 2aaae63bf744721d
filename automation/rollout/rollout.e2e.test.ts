/**
 * Rollouts on the real engine (file backend, real locks and history) with the test program, whose
 * stand-in cloud plays the ECS health gate (an image listed unhealthy in the cloud's health.json
 * never becomes steady, so its update fails) and the tenants' alarms (automation/rollout/probes.ts).
 * 9 tenants in 3 waves with an unhealthy canary; the dry run changes nothing; a run killed with
 * SIGKILL mid-wave and resumed by `fleet rollout resume` does not redo finished tenants.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadRegistry, writeSpec } from "../../tenants/registry";
import type { TenantSpec } from "../../tenants/spec";
import { formatDryRun, formatRolloutReport } from "../cli/renderRollout";
import {
  cloudFileProbe,
  dryRunReport,
  FileRolloutStore,
  parseWavePlan,
  planFor,
  registryWriter,
  RolloutDeps,
  rolloutReport,
  serviceTarget,
  startRollout,
  writeCloudHealth,
} from ".";
import { TENANT_CONFIG_KEYS as CONFIG_KEYS } from "../../tenants/contract";
import { REPO_ROOT } from "../settings";
import { createHarness, Harness, testSpec } from "../testing/harness";

const OLD = "1.0.0";
const NEW = "2.0.0";
const TIERS: Record<string, string> = {
  alpha: "standard",
  bravo: "trial",
  charlie: "trial",
  delta: "trial",
  echo: "trial",
  foxtrot: "standard",
  golf: "standard",
  hotel: "enterprise",
  india: "enterprise",
};
const PLAN = "canary=alpha soak=2s; tier=trial concurrency=2 soak=1s; rest concurrency=4 soak=1s";

let h: Harness;
let specs: TenantSpec[];
let registryDir: string;

beforeAll(async () => {
  h = await createHarness("rollout");
  registryDir = path.join(h.dir, "registry");
  specs = Object.entries(TIERS).map(([id, tier]) => testSpec(id, { tier, imageTag: OLD }));
  for (const s of specs) {
    writeSpec(s, registryDir);
  }
  await Promise.all(specs.map((s) => h.service.onboard(s, "staging")));
}, 600000);

afterAll(() => h?.cleanup());

function deps(log: string[] = []): RolloutDeps {
  return {
    target: serviceTarget(h.service, cloudFileProbe(h.cloudDir)),
    store: new FileRolloutStore(path.join(h.dir, "rollouts")),
    registry: registryWriter(registryDir, h.dir),
    pollMs: 500,
    log: (line) => log.push(line),
  };
}

/** Each tenant's image, from its stack's last successful update in the backend. */
async function deployedImages(): Promise<Record<string, string>> {
  const inventory = await h.service.inventory("staging");
  return Object.fromEntries(inventory.map((i) => [i.info.tenant, i.deployed.spec?.imageTag ?? "?"]));
}

async function backendSnapshot(): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const s of specs) {
    const stack = await h.engine.selectStack("tenant", `${s.id}-staging`, async () => undefined);
    out[s.id] = {
      history: (await stack.history()).length,
      spec: (await stack.getAllConfig())[CONFIG_KEYS.spec]?.value,
      resources: (await stack.exportStack()).deployment?.resources?.length,
    };
  }
  return JSON.stringify(out);
}

const registryText = () =>
  fs
    .readdirSync(registryDir)
    .sort()
    .map((f) => fs.readFileSync(path.join(registryDir, f), "utf8"))
    .join("\n");

describe("rollout on the real engine", () => {
  test("the dry run prints the waves with each tenant's image and changes nothing", async () => {
    const before = { backend: await backendSnapshot(), registry: registryText() };
    const { plan } = await planFor(deps().target, parseWavePlan(PLAN).value!, specs, "staging", NEW);
    const text = formatDryRun(dryRunReport(plan));
    process.stdout.write(`\n${text}\n`);
    expect(text).toContain(
      "wave 1 (canary=alpha soak=2s): 1 tenant(s), concurrency 1, soak 2s, budget 0 of 1",
    );
    expect(text).toMatch(/wave 2 \(tier=trial .*\): 4 tenant\(s\)/);
    expect(text).toMatch(/ {2}bravo +trial +1\.0\.0 +update/);
    expect(await backendSnapshot()).toBe(before.backend);
    expect(registryText()).toBe(before.registry);
  }, 120000);

  test("9 tenants in 3 waves: the canary never becomes healthy, the rollout halts and rolls it back", async () => {
    writeCloudHealth(h.cloudDir, { alpha: { unhealthyImages: [NEW] } });
    const before = await backendSnapshot();
    const log: string[] = [];
    const state = await startRollout(deps(log), parseWavePlan(PLAN).value!, specs, "staging", NEW);
    const report = rolloutReport(state);
    process.stdout.write(`\n${formatRolloutReport(report)}\n`);
    expect(report.status).toBe("halted");
    expect(report.exitCode).toBe(9);
    expect(report.waves.map((w) => w.status)).toEqual(["halted", "pending", "pending"]);
    expect(state.tenants.alpha.status).toBe("rolled-back");
    expect(state.tenants.alpha.error).toMatch(/did not reach a steady state/);
    const images = await deployedImages();
    expect(Object.values(images)).toEqual(Array(9).fill(OLD));
    // The later waves were not touched: same history, same config, same resources.
    const after = JSON.parse(await backendSnapshot());
    const was = JSON.parse(before);
    for (const t of Object.keys(TIERS).filter((t) => t !== "alpha")) {
      expect(after[t]).toEqual(was[t]);
    }
    expect(after.alpha.history).toBe(was.alpha.history + 2);
    expect(loadRegistry(registryDir).map((s) => s.imageTag)).toEqual(Array(9).fill(OLD));
  }, 600000);

  test("with a healthy canary every wave runs; the registry changes for all nine, one diff", async () => {
    writeCloudHealth(h.cloudDir, {});
    const state = await startRollout(deps(), parseWavePlan(PLAN).value!, specs, "staging", NEW);
    const report = rolloutReport(state);
    process.stdout.write(`\n${formatRolloutReport(report)}\n`);
    expect(report.status).toBe("succeeded");
    expect(Object.values(await deployedImages())).toEqual(Array(9).fill(NEW));
    expect(loadRegistry(registryDir).map((s) => s.imageTag)).toEqual(Array(9).fill(NEW));
    expect(report.registry).toHaveLength(9);
  }, 600000);

  test("kill -9 mid-wave, then rollout resume: finishes without re-running the finished tenants", async () => {
    const stateDir = path.join(h.dir, "cli-rollouts");
    const env = {
      ...h.cliEnv,
      PLATFORM_ROLLOUT_DIR: stateDir,
      // Each service update takes 4 s: time to kill the run while a wave is in flight.
      PLATFORM_TEST_DELAY_MS: "4000",
    };
    const args = (...a: string[]) => [
      "-r",
      "ts-node/register/transpile-only",
      path.join(REPO_ROOT, "automation", "cli", "fleet.ts"),
      "rollout",
      ...a,
      "--env",
      "staging",
      "--registry",
      registryDir,
      "--poll",
      "1s",
    ];
    const child = spawn(
      process.execPath,
      args("--image", "3.0.0", "--waves", "canary=alpha soak=0; rest concurrency=2 soak=0"),
      { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    const store = new FileRolloutStore(stateDir);
    const statuses = () => Object.values(store.list()[0]?.tenants ?? {}).map((t) => t.status);
    // Wait until the canary and two tenants of wave 2 finished and two more are being updated.
    const deadline = Date.now() + 240000;
    while (!(statuses().filter((s) => s === "succeeded").length >= 3 && statuses().includes("updating"))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`the rollout did not reach wave 2 in time: ${statuses().join(", ")}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    // The machine dies: the CLI and the Pulumi processes it started, all at once.
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((r) => child.on("close", r));
    const crashed = store.list()[0];
    const finished = Object.values(crashed.tenants)
      .filter((t) => t.status === "succeeded")
      .map((t) => t.tenant);
    const inFlight = Object.values(crashed.tenants)
      .filter((t) => t.status === "updating")
      .map((t) => t.tenant);
    expect(crashed.status).toBe("running");
    expect(inFlight.length).toBeGreaterThan(0);
    const historyOf = async (t: string) =>
      (await (await h.engine.selectStack("tenant", `${t}-staging`, async () => undefined)).history()).length;
    const before = Object.fromEntries(await Promise.all(finished.map(async (t) => [t, await historyOf(t)])));

    const resumed = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const c = spawn(process.execPath, args("resume"), {
        cwd: REPO_ROOT,
        env: { ...env, PLATFORM_TEST_DELAY_MS: "0" },
      });
      let stdout = "";
      c.stdout.on("data", (d) => (stdout += d));
      c.stderr.on("data", (d) => (stdout += d));
      c.on("close", (code) => resolve({ code, stdout }));
    });
    process.stdout.write(`\n${resumed.stdout}\n`);
    expect(resumed.code).toBe(0);
    for (const t of inFlight) {
      expect(resumed.stdout).toContain(
        `[${t}] was updating when the rollout stopped; recovering its stack and running it again`,
      );
    }
    const done = store.load(crashed.id)!;
    expect(done.status).toBe("succeeded");
    for (const t of finished) {
      expect(done.tenants[t].attempts).toBe(1);
      // Not run again: no new update in its stack's history.
      expect(await historyOf(t)).toBe(before[t]);
    }
    for (const t of inFlight) {
      expect(done.tenants[t].attempts).toBe(2);
    }
    expect(Object.values(await deployedImages())).toEqual(Array(9).fill("3.0.0"));
    expect(loadRegistry(registryDir).map((s) => s.imageTag)).toEqual(Array(9).fill("3.0.0"));
  }, 600000);
});
