/**
 * The `tenant` and `fleet` CLIs as subprocesses on the real engine (test program): bad input,
 * onboard with progress, list, fleet reconcile with its JSON report, a run killed in the middle of
 * an update then repaired and completed, and offboard.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { writeSpec } from "../../tenants/registry";
import { REPO_ROOT } from "../settings";
import { TENANT_PROJECT } from "../service";
import { createHarness, Harness, testSpec } from "../testing/harness";

let h: Harness;
let registry: string;

beforeAll(async () => {
  h = await createHarness("cli");
  registry = path.join(h.dir, "registry");
  fs.mkdirSync(registry);
});

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
    expect(r.stdout).toContain("[acme-staging] + creating pulumi-nodejs:dynamic:Resource acme-service");
    expect(r.stdout).toContain("[acme-staging] ✓ created pulumi-nodejs:dynamic:Resource acme-db");
    expect(r.stdout).toMatch(/onboard acme-staging: 3 create in \d+\.\ds/);
    expect(r.stdout).toContain("endpoint: https://acme.staging.saas.example.com");
    expect(fs.readFileSync(path.join(registry, "acme.yaml"), "utf8")).toContain("tier: standard");
  });

  test("list --json gives every tenant stack with tier and last update", async () => {
    const r = await run("tenant", ["list", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, exitCode: 0 });
    expect(doc.result).toEqual([
      expect.objectContaining({
        tenant: "acme",
        environment: "staging",
        tier: "standard",
        lastResult: "succeeded",
        resourceCount: 6,
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
  });

  test("a run killed during an update leaves a lock and a pending operation; repair clears them and the run completes", async () => {
    writeSpec(testSpec("slowco"), registry);
    const child = start("tenant", ["onboard", "slowco", "--env", "staging", "--registry", registry], {
      PLATFORM_TEST_DELAY_MS: "60000",
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("+ creating pulumi-nodejs:dynamic:Resource slowco-service")) {
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
        urn: "urn:pulumi:slowco-staging::tenant::pulumi-nodejs:dynamic:Resource::slowco-service",
        resourceType: "pulumi-nodejs:dynamic:Resource",
      },
    ]);

    const blocked = await run("tenant", ["update", "slowco", "--env", "staging", "--registry", registry]);
    expect(blocked.code).toBe(6);
    expect(blocked.stderr).toMatch(/another update is in progress on this stack.*repair it/);
    expect(blocked.stderr).toContain("run: tenant status slowco --env staging");

    // The stand-in's resource cannot be looked up in a cloud, so repair never drops its pending
    // create blindly (issue 10 item 5): it refuses and names both answers the operator can give.
    const refused = await run("tenant", ["repair", "slowco", "--env", "staging", "--yes"]);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain("refusing to drop pending creates blindly");
    expect(refused.stderr).toContain(
      "it does not exist: tenant repair slowco --env staging --yes --absent 'urn:pulumi:slowco-staging::tenant::pulumi-nodejs:dynamic:Resource::slowco-service'",
    );

    // Every process of the run was killed before the create, so the resource does not exist.
    const unconfirmed = await run("tenant", [
      "repair",
      "slowco",
      "--env",
      "staging",
      "--absent",
      "urn:pulumi:slowco-staging::tenant::pulumi-nodejs:dynamic:Resource::slowco-service",
    ]);
    expect(unconfirmed.code).toBe(7);
    expect(unconfirmed.stderr).toContain("repair needs confirmation; it would:");
    expect(unconfirmed.stderr).toContain(
      "drop pending operation creating urn:pulumi:slowco-staging::tenant::pulumi-nodejs:dynamic:Resource::slowco-service (not in the cloud)",
    );

    const repaired = await run("tenant", [
      "repair",
      "slowco",
      "--env",
      "staging",
      "--yes",
      "--absent",
      "urn:pulumi:slowco-staging::tenant::pulumi-nodejs:dynamic:Resource::slowco-service",
    ]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/removed lock .*\.json: owner pid \d+ on .* is gone/);
    expect(repaired.stdout).toContain(
      "dropped pending operation creating urn:pulumi:slowco-staging::tenant::pulumi-nodejs:dynamic:Resource::slowco-service",
    );
    expect(repaired.stdout).toContain("refreshed the stack against the cloud");

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
    const healthy = await run("tenant", ["status", "slowco", "--env", "staging"]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain("healthy");
  });

  test("offboard destroys the stack and takes the environment out of the registry", async () => {
    const r = await run("tenant", ["offboard", "acme", "--env", "staging", "--registry", registry]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[acme-staging] - deleting pulumi-nodejs:dynamic:Resource acme-service");
    expect(r.stdout).toContain("removed acme.yaml from the registry");
    // The decommissioning update ran first: the summary names the final snapshot from its time.
    const at = /decommissioned at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\n/.exec(r.stdout)?.[1] ?? "";
    expect(r.stdout).toContain(
      `database final snapshot: test-acme-db-final-${at.slice(0, 16).replace(/[-T:]/g, "")} (RDS)`,
    );
    expect(fs.existsSync(path.join(registry, "acme.yaml"))).toBe(false);
    const list = await run("tenant", ["list", "--json"]);
    expect(JSON.parse(list.stdout).result.map((s: { tenant: string }) => s.tenant)).toEqual([
      "beta",
      "slowco",
    ]);
  });
});
