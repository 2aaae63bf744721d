/**
 * Releases and rollouts on the real engine (file backend, real locks and history) with the real
 * programs on the cloud double, one base for the whole file:
 *
 * - the release program builds app/ on the double's docker-build (its digest is the hash of the
 *   build context) and pushes it to the base stack's repository; that digest is the image rolled out;
 * - 9 tenants in 3 waves whose canary never becomes healthy on the new image (the double's knobs
 *   key health by tenant and image): the CLI exits 9, the canary is back on its old image, later
 *   waves untouched;
 * - an alarm in ALARM during the soak fails its tenant (the probe reads the double through the same
 *   AWS calls it makes on AWS);
 * - the dry run changes nothing (the backend, the double's cloud, the registry); a run killed with
 *   SIGKILL mid-wave and resumed by `fleet rollout resume` does not redo finished tenants.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildDigest } from "../../offline/buildContext";
import { MOCK_ECR_PASSWORD } from "../../offline/cloud";
import { taskDefinitionImage } from "../../offline/double/ecs";
import { writeKnobs } from "../../offline/double/knobs";
import { CloudStore } from "../../offline/double/store";
import { APP_DIR, RELEASE_PLATFORM, releaseProgram } from "../../release/program";
import { loadRegistry, writeSpec } from "../../tenants/registry";
import type { TenantSpec } from "../../tenants/spec";
import { formatDryRun, formatRolloutReport } from "../cli/renderRollout";
import type { EngineStack } from "../engine/types";
import { runFleet } from "../fleet";
import { REPO_ROOT } from "../settings";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";
import {
  cloudProbe,
  dryRunReport,
  FileRolloutStore,
  parseWavePlan,
  planFor,
  registryWriter,
  RolloutDeps,
  RolloutReport,
  rolloutReport,
  serviceTarget,
  startRollout,
} from ".";

const OLD = "1.0.0";
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
/** How long the double lets a deployment that never gets healthy try (ms). */
const STEADY_TIMEOUT_MS = 1500;

let h: DoubleHarness;
let cloud: CloudStore;
let specs: TenantSpec[];
let registryDir: string;
let release: EngineStack;
/** The digest the release built: the image every rollout of this file moves to. */
let NEW: string;
let appVersion: string;
const timings: string[] = [];

/** Logs how long `what` took, with the load average, for the report. */
async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } finally {
    timings.push(
      `${what}: ${((Date.now() - started) / 1000).toFixed(1)} s (load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")})`,
    );
  }
}

beforeAll(async () => {
  h = await timed("base staging up", () => createDoubleHarness("rollout"));
  cloud = new CloudStore(h.doubleDir);
  writeKnobs(h.doubleDir, { steadyStateTimeoutMs: STEADY_TIMEOUT_MS });
  appVersion = JSON.parse(fs.readFileSync(path.join(APP_DIR, "package.json"), "utf8")).version;
  release = await h.engine.createStack("release", "staging", async () => ({ ...releaseProgram() }));
  const up = await timed("release up", () => release.up());
  NEW = String(up.outputs.digest.value);
  registryDir = path.join(h.dir, "registry");
  specs = Object.entries(TIERS).map(([id, tier]) => testSpec(id, { tier, imageTag: OLD }));
  for (const s of specs) {
    writeSpec(s, registryDir);
  }
  const onboard = await timed("9 tenants onboarded (concurrency 3)", () =>
    runFleet(h.service, "reconcile", specs, "staging", { concurrency: 3 }),
  );
  expect(onboard.totals.failed).toBe(0);
}, 900000);

afterAll(() => {
  process.stdout.write(`\ntimings on the double:\n  ${timings.join("\n  ")}\n`);
  h?.cleanup();
});

function deps(log: string[] = []): RolloutDeps {
  return {
    target: serviceTarget(h.service, cloudProbe(h.settings, h.service, h.base)),
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

/** The image the tenant's ECS service runs in the double's cloud. */
function runningImage(tenant: string): string | undefined {
  const service = cloud
    .list("aws:ecs/service:Service")
    .find((r) => r.urn.startsWith(`urn:pulumi:${tenant}-staging::`));
  return service && taskDefinitionImage(cloud, service.properties.taskDefinition);
}

/**
 * Per tenant, read from disk (a Pulumi call per tenant would cost seconds each): its checkpoint in
 * the file backend, its update history, its stack config file, and its records in the double.
 */
function snapshot(): Record<string, string> {
  const backend = path.join(h.stateDir, ".pulumi");
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(none)");
  const out: Record<string, string> = {};
  for (const s of specs) {
    const stack = `${s.id}-staging`;
    const history = path.join(backend, "history", "tenant", stack);
    out[s.id] = JSON.stringify({
      checkpoint: read(path.join(backend, "stacks", "tenant", `${stack}.json`)),
      history: fs.existsSync(history)
        ? fs.readdirSync(history).filter((f) => f.endsWith(".history.json")).length
        : 0,
      config: read(path.join(h.settings.workDir, "tenant", `Pulumi.${stack}.yaml`)),
      records: cloud
        .list()
        .filter((r) => r.urn.startsWith(`urn:pulumi:${stack}::`))
        .map((r) => `${r.type} ${r.id} ${r.updatedAt}`)
        .sort(),
    });
  }
  return out;
}

const registryText = () =>
  fs
    .readdirSync(registryDir)
    .sort()
    .map((f) => fs.readFileSync(path.join(registryDir, f), "utf8"))
    .join("\n");

/** `npm run fleet -- rollout ...` on the file's backend and double. */
function fleetArgs(...args: string[]): string[] {
  return [
    "-r",
    "ts-node/register/transpile-only",
    path.join(REPO_ROOT, "automation", "cli", "fleet.ts"),
    "rollout",
    ...args,
    "--env",
    "staging",
    "--registry",
    registryDir,
    "--poll",
    "1s",
  ];
}

function runFleetCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, args, { cwd: REPO_ROOT, env });
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.stderr.on("data", (d) => (out += d));
    c.on("close", (code) => resolve({ code, out }));
  });
}

describe("the release on the double", () => {
  it("builds app/ for linux/amd64 with a digest from its build context and pushes it to the base's repository", async () => {
    const base = (await h.base.outputs("staging")).outputs!;
    const repo = String(base.ecrRepositoryUrl);
    const digest = buildDigest({
      context: APP_DIR,
      platforms: [RELEASE_PLATFORM],
      buildArgs: { APP_VERSION: appVersion },
    });
    expect(NEW).toBe(digest);
    const outputs = await release.outputs();
    expect(outputs.ref.value).toBe(`${repo}:${appVersion}@${digest}`);
    expect(outputs.repositoryUrl.value).toBe(repo);
    const [image] = cloud.list("docker-build:index:Image");
    expect(image.urn).toMatch(/^urn:pulumi:staging::release::docker-build:index:Image::app$/);
    expect(image.properties).toMatchObject({
      platforms: ["linux/amd64"],
      push: true,
      tags: [`${repo}:${appVersion}`],
      digest,
    });
    // The ECR token's password reached the double only as a secret: its record holds a digest.
    expect(JSON.stringify(image)).not.toContain(MOCK_ECR_PASSWORD);
    expect(JSON.stringify(image.properties.registries)).toContain("secretSha256");
  }, 120000);

  it("an unchanged context changes nothing; a changed one builds a new digest", async () => {
    expect(Object.keys((await release.preview()).changeSummary)).toEqual(["same"]);
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "release-ctx-"));
    try {
      fs.cpSync(APP_DIR, context, { recursive: true });
      fs.appendFileSync(path.join(context, "src", "server.js"), "\n// changed\n");
      await release.setAllConfig({ "release:context": { value: context } });
      const up = await release.up();
      expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
      expect(up.outputs.digest.value).toBe(
        buildDigest({ context, platforms: [RELEASE_PLATFORM], buildArgs: { APP_VERSION: appVersion } }),
      );
      expect(up.outputs.digest.value).not.toBe(NEW);
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
  }, 240000);
});

describe("rollouts of the release", () => {
  test("the dry run prints the waves with each tenant's image and changes nothing; a bad plan exits 2", async () => {
    const before = { stacks: snapshot(), registry: registryText() };
    const d = deps();
    const { plan } = await planFor(d.target, parseWavePlan(PLAN).value!, specs, "staging", NEW);
    const text = formatDryRun(dryRunReport(plan));
    process.stdout.write(`\n${text}\n`);
    expect(text).toContain(
      "wave 1 (canary=alpha soak=2s): 1 tenant(s), concurrency 1, soak 2s, budget 0 of 1",
    );
    expect(text).toMatch(/wave 2 \(tier=trial .*\): 4 tenant\(s\)/);
    expect(text).toMatch(/ {2}bravo +trial +1\.0\.0 +update/);
    // A plan that names a tenant the registry does not have is refused against the real inventory:
    // exit 2, the wave, the field and the value, before anything runs.
    const cliState = path.join(h.dir, "refused-rollouts");
    const refused = await timed("refused plan (CLI)", () =>
      runFleetCli(fleetArgs("--image", NEW, "--waves", "canary=alpha,zulu soak=1m; rest"), {
        ...h.cliEnv,
        PLATFORM_ROLLOUT_DIR: cliState,
      }),
    );
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('wave 1.canary: "zulu" is not a tenant of staging in the registry');
    expect(new FileRolloutStore(cliState).list()).toEqual([]);
    expect(snapshot()).toEqual(before.stacks);
    expect(registryText()).toBe(before.registry);
    expect(d.store.list()).toEqual([]);
  }, 300000);

  test("9 tenants in 3 waves: the canary never becomes healthy, the CLI halts (exit 9) and rolls it back", async () => {
    writeKnobs(h.doubleDir, {
      steadyStateTimeoutMs: STEADY_TIMEOUT_MS,
      health: { [`alpha@${NEW}`]: "never-healthy" },
    });
    const before = snapshot();
    const reportFile = path.join(h.dir, "halted.json");
    const run = await timed("halted rollout (CLI)", () =>
      runFleetCli(fleetArgs("--image", NEW, "--waves", PLAN, "--report", reportFile), {
        ...h.cliEnv,
        PLATFORM_ROLLOUT_DIR: path.join(h.dir, "cli-rollouts"),
      }),
    );
    process.stdout.write(`\n${run.out}\n`);
    expect(run.code).toBe(9);
    expect(run.out).toMatch(/halted \(wave 1 had 1 failed tenant\(s\), over its budget of 0/);
    const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as RolloutReport;
    expect(report).toMatchObject({ status: "halted", exitCode: 9 });
    expect(report.waves.map((w) => w.status)).toEqual(["halted", "pending", "pending"]);
    const alpha = report.tenants.find((t) => t.tenant === "alpha")!;
    expect(alpha).toMatchObject({ status: "rolled-back", image: OLD });
    expect(alpha.detail).toMatch(
      /^cloud double: ECS service "[^"]+" did not reach a steady state within 1500 ms: 0 of \d+ tasks became healthy/,
    );
    // The canary is back on its old image: in its stack, and in the double's ECS service.
    expect(Object.values(await deployedImages())).toEqual(Array(9).fill(OLD));
    expect(runningImage("alpha")).toMatch(/:1\.0\.0$/);
    const probe = cloudProbe(h.settings, h.service, h.base);
    expect(await probe.health("alpha", "staging")).toMatchObject({ healthy: true });
    // The later waves were not touched: same history, config, resources, records in the cloud.
    const after = snapshot();
    for (const t of Object.keys(TIERS).filter((t) => t !== "alpha")) {
      expect(after[t]).toBe(before[t]);
    }
    expect(JSON.parse(after.alpha).history).toBe(JSON.parse(before.alpha).history + 2);
    expect(loadRegistry(registryDir).map((s) => s.imageTag)).toEqual(Array(9).fill(OLD));
  }, 600000);

  test("an alarm in ALARM during the soak fails its tenant, which is rolled back; on its old image the alarm is OK", async () => {
    writeKnobs(h.doubleDir, {
      steadyStateTimeoutMs: STEADY_TIMEOUT_MS,
      alarms: { [`bravo@${NEW}`]: ["5xx-rate"] },
    });
    const log: string[] = [];
    const state = await timed("alarm rollout (library)", () =>
      startRollout(deps(log), parseWavePlan("canary=bravo soak=10s").value!, specs, "staging", NEW),
    );
    process.stdout.write(`\n${formatRolloutReport(rolloutReport(state))}\n`);
    expect(state.status).toBe("halted");
    expect(state.tenants.bravo.status).toBe("rolled-back");
    const alarm = cloud
      .list("aws:cloudwatch/metricAlarm:MetricAlarm")
      .find((r) => r.urn.startsWith("urn:pulumi:bravo-staging::") && r.urn.endsWith("-5xx-rate"))!;
    expect(state.tenants.bravo.error).toBe(`alarm in ALARM during the soak: ${alarm.properties.name}`);
    expect(runningImage("bravo")).toMatch(/:1\.0\.0$/);
    expect(await cloudProbe(h.settings, h.service, h.base).alarms("bravo", "staging")).toEqual([]);
    expect(loadRegistry(registryDir).map((s) => s.imageTag)).toEqual(Array(9).fill(OLD));
  }, 600000);

  test("kill -9 mid-wave, then rollout resume: finishes without re-running the finished tenants", async () => {
    writeKnobs(h.doubleDir, { steadyStateTimeoutMs: STEADY_TIMEOUT_MS });
    const stateDir = path.join(h.dir, "cli-rollouts");
    const env = { ...h.cliEnv, PLATFORM_ROLLOUT_DIR: stateDir };
    const started = Date.now();
    const child = spawn(
      process.execPath,
      // The canary and the four trials (the others are in no wave: fewer updates, same proof).
      fleetArgs("--image", NEW, "--waves", "canary=alpha soak=0; tier=trial concurrency=2 soak=0"),
      { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    const store = new FileRolloutStore(stateDir);
    const current = () => store.list().find((s) => s.status === "running");
    const statuses = () => Object.values(current()?.tenants ?? {}).map((t) => t.status);
    // Wait until the canary and two tenants of wave 2 finished and more are being updated.
    const deadline = Date.now() + 400000;
    while (!(statuses().filter((s) => s === "succeeded").length >= 3 && statuses().includes("updating"))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`the rollout did not reach wave 2 in time: ${statuses().join(", ")}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    // The machine dies: the CLI and the Pulumi processes it started, all at once, and the double's
    // plugin processes, which run in process groups of their own (by their pids, all ours).
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((r) => child.on("close", r));
    for (const p of await h.engine.leftoverPlugins()) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // Ended meanwhile.
      }
    }
    timings.push(`rollout until kill -9: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const crashed = current()!;
    const finished = Object.values(crashed.tenants)
      .filter((t) => t.status === "succeeded")
      .map((t) => t.tenant);
    const inFlight = Object.values(crashed.tenants)
      .filter((t) => t.status === "updating")
      .map((t) => t.tenant);
    expect(inFlight.length).toBeGreaterThan(0);
    const historyOf = async (t: string) =>
      (await (await h.engine.selectStack("tenant", `${t}-staging`, async () => undefined)).history()).length;
    const before = Object.fromEntries(await Promise.all(finished.map(async (t) => [t, await historyOf(t)])));

    const resumed = await timed("rollout resume (CLI)", () => runFleetCli(fleetArgs("resume"), env));
    process.stdout.write(`\n${resumed.out}\n`);
    expect(resumed.code).toBe(0);
    for (const t of inFlight) {
      expect(resumed.out).toContain(
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
    const rolled = ["alpha", "bravo", "charlie", "delta", "echo"];
    const images = await deployedImages();
    const registry = Object.fromEntries(loadRegistry(registryDir).map((s) => [s.id, s.imageTag]));
    for (const t of Object.keys(TIERS)) {
      const image = rolled.includes(t) ? NEW : OLD;
      expect({ t, deployed: images[t], registry: registry[t] }).toEqual({
        t,
        deployed: image,
        registry: image,
      });
      expect(runningImage(t)?.endsWith(rolled.includes(t) ? `@${NEW}` : `:${OLD}`)).toBe(true);
    }
    expect(done.registry).toHaveLength(5);
    for (const w of rolloutReport(done).waves) {
      timings.push(`wave ${w.number} (${w.text}): ${(w.durationMs / 1000).toFixed(1)} s`);
    }
  }, 900000);
});
