/**
 * The `tenant` and `fleet` CLIs as subprocesses on the real tenant program, the real engine and the
 * cloud double, over one real base stack for the whole file: bad input, onboard with progress,
 * list, fleet reconcile with its JSON report, a run killed in the middle of a create (the double's
 * latency knob keeps the ECS service's create in progress) then repaired and completed, and
 * offboard.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { writeKnobs } from "../../offline/double/knobs";
import { CloudStore } from "../../offline/double/store";
import { writeSpec } from "../../tenants/registry";
import { tenantPhysicalNames } from "../../tenants/program";
import { REPO_ROOT } from "../settings";
import { TENANT_PROJECT } from "../service";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";

const ECS_SERVICE = "aws:ecs/service:Service";
let h: DoubleHarness;
let registry: string;

beforeAll(async () => {
  h = await createDoubleHarness("cli");
  registry = path.join(h.dir, "registry");
  fs.mkdirSync(registry);
}, 600000);

afterAll(() => h?.cleanup());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(cli: "tenant" | "fleet", args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(REPO_ROOT, "automation", "cli", `${cli}.ts`),
      ...args,
    ],
    { cwd: REPO_ROOT, env: { ...h.cliEnv, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
}

function run(cli: "tenant" | "fleet", args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = start(cli, args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** Every descendant of a process (Linux /proc), listed before a kill while parent links still exist. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0;) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone with its process group.
  }
}

const acmeFlags = [
  "--tier",
  "standard",
  "--owner",
  "team-acme@example.com",
  "--cost-center",
  "cc-2001",
  "--data-classification",
  "confidential",
  "--image-tag",
  "1.2.3",
];

describe("tenant and fleet CLIs", () => {
  test("bad input names each flag and what is allowed, exits 2, and creates nothing", async () => {
    const r = await run("tenant", [
      "onboard",
      "Acme_1",
      "--tier",
      "gold",
      "--env",
      "dev",
      "--data-classification",
      "secret",
      "--registry",
      registry,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--env: "dev" is not one of staging, production');
    expect(r.stderr).toContain('--tier (tier): "gold" is not one of trial, standard, enterprise');
    expect(r.stderr).toContain(
      '--data-classification (dataClassification): "secret" is not one of public, internal, confidential, restricted',
    );
    expect(r.stderr).toContain("--owner (owner): is required");
    expect(r.stderr).toContain("--image-tag (imageTag): is required");
    expect(r.stderr).toMatch(/<tenant> \(id\): tenant id "Acme_1" must be a lowercase DNS label/);
    expect(fs.readdirSync(registry)).toEqual([]);
    expect(await h.engine.listStacks(TENANT_PROJECT)).toEqual([]);
  });

  test("onboard writes the spec to the registry and provisions it, with per-resource progress", async () => {
    const r = await run("tenant", [
      "onboard",
      "acme",
      ...acmeFlags,
      "--env",
      "staging",
      "--secret",
      "API_KEY=k-123",
      "--registry",
      registry,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^Cloud: the cloud double/);
    expect(r.stdout).toMatch(/\[acme-staging\] \+ creating aws:ecs\/service:Service \S+/);
    expect(r.stdout).toMatch(/\[acme-staging\] ✓ created aws:rds\/instance:Instance \S+/);
    const creates = Number(/onboard acme-staging: (\d+) create in \d+\.\ds/.exec(r.stdout)?.[1]);
    expect(creates).toBeGreaterThan(20);
    // A progress line for every resource the summary counts (the stack and components included);
    // the summary leaves out what the engine creates for itself (providers are not counted).
    expect(r.stdout.match(/\[acme-staging\] ✓ created /g)?.length).toBeGreaterThanOrEqual(creates);
    expect(r.stdout).toContain(`url: https://acme.${(await h.base.outputs("staging")).outputs!.domain}`);
    expect(fs.readFileSync(path.join(registry, "acme.yaml"), "utf8")).toContain("tier: standard");
  }, 300000);

  test("list --json gives every tenant stack with tier and last update", async () => {
    const r = await run("tenant", ["list", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, exitCode: 0 });
    const stack = await h.engine.selectStack(TENANT_PROJECT, "acme-staging", async () => undefined);
    expect(doc.result).toEqual([
      expect.objectContaining({
        tenant: "acme",
        environment: "staging",
        tier: "standard",
        lastResult: "succeeded",
        resourceCount: (await stack.exportStack()).deployment.resources.length,
      }),
    ]);
  });

  test("fleet reconcile onboards what is new, leaves the rest, and writes the JSON report", async () => {
    writeSpec(testSpec("beta"), registry);
    const reportFile = path.join(h.dir, "reports", "reconcile.json");
    const r = await run("fleet", [
      "reconcile",
      "--env",
      "staging",
      "--concurrency",
      "2",
      "--registry",
      registry,
      "--report",
      reportFile,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/acme\s+acme-staging\s+none\s+unchanged/);
    expect(r.stdout).toMatch(/beta\s+beta-staging\s+onboard\s+succeeded\s+1/);
    expect(r.stdout).toMatch(/reconcile staging: 1 succeeded, 1 unchanged in/);
    const report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
    expect(report).toMatchObject({
      operation: "reconcile",
      environment: "staging",
      concurrency: 2,
      exitCode: 0,
    });
    expect(report.results.map((x: { tenant: string; status: string }) => [x.tenant, x.status])).toEqual([
      ["acme", "unchanged"],
      ["beta", "succeeded"],
    ]);
  }, 300000);

  test("a run killed during a create leaves a lock and a pending operation; repair clears them and the run completes", async () => {
    writeSpec(testSpec("slowco"), registry);
    writeKnobs(h.doubleDir, { latencyMs: { [ECS_SERVICE]: 60000 } });
    const child = start("tenant", ["onboard", "slowco", "--env", "staging", "--registry", registry]);
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes(`+ creating ${ECS_SERVICE}`)) {
          resolve();
        }
      });
      child.on("close", () => reject(new Error(`the CLI ended before the slow resource started:\n${out}`)));
    });
    await new Promise((r) => setTimeout(r, 1500));
    // Everything the run started, as a crashed machine or an OOM kill would: node and the CLI (one
    // process group) and the provider plugins (the CLI starts each in a group of its own).
    const processes = descendants(child.pid!);
    process.kill(-child.pid!, "SIGKILL");
    processes.forEach((pid) => killQuietly(pid));
    await new Promise((r) => child.once("close", r));
    // The double answers as AWS would: no lookup by URN, so repair must ask the operator.
    writeKnobs(h.doubleDir, { lookupByUrn: false });

    const status = await run("tenant", ["status", "slowco", "--env", "staging", "--json"]);
    expect(status.code).toBe(8);
    const doc = JSON.parse(status.stdout).result;
    expect(doc.needsRepair).toBe(true);
    expect(doc.locks).toHaveLength(1);
    expect(doc.locks[0]).toMatchObject({
      stale: true,
      reason: expect.stringMatching(/^owner pid \d+ on .* is gone/),
    });
    expect(doc.pendingOperations).toEqual([
      {
        type: "creating",
        urn: expect.stringMatching(/^urn:pulumi:slowco-staging::tenant::\S+\$aws:ecs\/service:Service::/),
        resourceType: ECS_SERVICE,
      },
    ]);
    const urn: string = doc.pendingOperations[0].urn;
    // Killed before the double finished the create: the service is not in its cloud.
    expect(new CloudStore(h.doubleDir).list(ECS_SERVICE).filter((r) => r.urn === urn)).toEqual([]);

    const blocked = await run("tenant", ["update", "slowco", "--env", "staging", "--registry", registry]);
    expect(blocked.code).toBe(6);
    expect(blocked.stderr).toMatch(/another update is in progress on this stack.*repair it/);
    expect(blocked.stderr).toContain("run: tenant status slowco --env staging");

    // The cloud cannot be asked whether the service exists: repair never drops the pending create
    // blindly (issue 10 item 5); it names both answers.
    const refused = await run("tenant", ["repair", "slowco", "--env", "staging", "--yes"]);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain("refusing to drop pending creates blindly");
    expect(refused.stderr).toContain(
      `it does not exist: tenant repair slowco --env staging --yes --absent '${urn}'`,
    );

    const unconfirmed = await run("tenant", ["repair", "slowco", "--env", "staging", "--absent", urn]);
    expect(unconfirmed.code).toBe(7);
    expect(unconfirmed.stderr).toContain("repair needs confirmation; it would:");
    expect(unconfirmed.stderr).toContain(`drop pending operation creating ${urn} (not in the cloud)`);

    const repaired = await run("tenant", ["repair", "slowco", "--env", "staging", "--yes", "--absent", urn]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/removed lock .*\.json: owner pid \d+ on .* is gone/);
    expect(repaired.stdout).toContain(`dropped pending operation creating ${urn}`);
    expect(repaired.stdout).toContain("refreshed the stack against the cloud");
    writeKnobs(h.doubleDir, {});

    const resumed = await run("tenant", [
      "onboard",
      "slowco",
      "--env",
      "staging",
      "--registry",
      registry,
      "--json",
    ]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).result).toMatchObject({ resumed: true, outputs: { tenant: "slowco" } });
    // One service: the resumed run created the one the killed run never finished.
    expect(
      new CloudStore(h.doubleDir)
        .list(ECS_SERVICE)
        .filter((r) => r.urn.startsWith("urn:pulumi:slowco-staging::")),
    ).toHaveLength(1);
    const healthy = await run("tenant", ["status", "slowco", "--env", "staging"]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain("healthy");
  }, 600000);

  test("offboard destroys the stack and takes the environment out of the registry", async () => {
    const r = await run("tenant", ["offboard", "acme", "--env", "staging", "--registry", registry]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[acme-staging\] - deleting aws:ecs\/service:Service \S+/);
    expect(r.stdout).toContain("removed acme.yaml from the registry");
    // The decommissioning update ran first: the summary names the final snapshot from its time.
    const at = /decommissioned at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\n/.exec(r.stdout)?.[1] ?? "";
    const identifier = tenantPhysicalNames("acme", "staging", "123456789012").database;
    expect(r.stdout).toContain(
      `database final snapshot: ${identifier}-final-${at.slice(0, 16).replace(/[-T:]/g, "")} (RDS)`,
    );
    expect(fs.existsSync(path.join(registry, "acme.yaml"))).toBe(false);
    const list = await run("tenant", ["list", "--json"]);
    expect(JSON.parse(list.stdout).result.map((s: { tenant: string }) => s.tenant)).toEqual([
      "beta",
      "slowco",
    ]);
  }, 300000);
});
