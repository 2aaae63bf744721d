/**
 * Faults on the real programs on the real engine, against the cloud double, over one base stack for
 * the whole file: the health gate (a deployment that never gets healthy, one the circuit breaker
 * rolls back), and secret hygiene (a secret appears nowhere but encrypted in the state).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UnhealthyDeploymentError } from "./errors";
import { writeKnobs } from "../offline/double/knobs";
import { CloudStore } from "../offline/double/store";
import { REPO_ROOT } from "./settings";
import { createDoubleHarness, DoubleHarness, testSpec } from "./testing/harness";

let h: DoubleHarness;
let store: CloudStore;

beforeAll(async () => {
  h = await createDoubleHarness("faults");
  store = new CloudStore(h.doubleDir);
}, 600000);

afterAll(() => h?.cleanup());

describe("the health gate", () => {
  it("a tenant whose tasks never get healthy fails onboard with the reason, stays repairable, and converges once healthy", async () => {
    writeKnobs(h.doubleDir, { health: { sickco: "never-healthy" }, steadyStateTimeoutMs: 500 });
    const error = await h.service.onboard(testSpec("sickco"), "staging").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnhealthyDeploymentError);
    expect(error).toMatchObject({
      reason: "tasks-never-healthy",
      exitCode: 1,
      next: { operation: "onboard" },
    });
    expect((error as Error).message).toMatch(
      /did not reach a steady, healthy deployment: its tasks never became healthy/,
    );
    expect((error as UnhealthyDeploymentError).engineMessage).toMatch(/0 of 1 tasks became healthy/);
    expect((error as UnhealthyDeploymentError).serviceUrn).toMatch(/aws:ecs\/service:Service::/);

    // Repairable as it is: no lock, no pending operation, the service in the state (one copy).
    const status = await h.service.status("sickco", "staging");
    expect(status).toMatchObject({
      needsRepair: false,
      locks: [],
      pendingOperations: [],
      lastResult: "failed",
    });
    const services = () =>
      store.list("aws:ecs/service:Service").filter((r) => r.urn.startsWith("urn:pulumi:sickco-staging::"));
    expect(services()).toHaveLength(1);

    writeKnobs(h.doubleDir, {});
    const resumed = await h.service.onboard(testSpec("sickco"), "staging");
    expect(resumed).toMatchObject({ resumed: true });
    expect(services()).toHaveLength(1);
    expect((await h.service.status("sickco", "staging")).lastResult).toBe("succeeded");
  }, 600000);

  it("an update the circuit breaker rolls back fails with that reason; the next healthy update succeeds", async () => {
    writeKnobs(h.doubleDir, { health: { sickco: "rollback" } });
    const error = await h.service
      .update(testSpec("sickco", { imageTag: "2.0.0" }), "staging")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnhealthyDeploymentError);
    expect(error).toMatchObject({ reason: "circuit-breaker-rolled-back", next: { operation: "update" } });
    expect((error as Error).message).toMatch(/the deployment circuit breaker rolled the deployment back/);
    writeKnobs(h.doubleDir, {});
    const ok = await h.service.update(testSpec("sickco", { imageTag: "2.0.0" }), "staging");
    expect(ok.changes.update).toBeGreaterThan(0);
    expect(fs.existsSync(h.doubleDir)).toBe(true);
  }, 600000);
});

describe("migrations and the bootstrap step before the app rolls (docs/decisions/0003)", () => {
  const serviceOf = (tenant: string) =>
    store.list("aws:ecs/service:Service").filter((r) => r.urn.startsWith(`urn:pulumi:${tenant}-staging::`));
  const taskDefinitionOf = (tenant: string) => {
    const services = serviceOf(tenant);
    expect(services).toHaveLength(1);
    return services[0].properties.taskDefinition as string;
  };

  it("a failed migration fails the update, the service stays on the previous task definition, and a fixed one rolls", async () => {
    await h.service.onboard(testSpec("migco"), "staging");
    const before = taskDefinitionOf("migco");

    const error = await h.service
      .update(testSpec("migco", { imageTag: "2.0.0", migrateCommand: ["false"] }), "staging")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnhealthyDeploymentError);
    expect(error).toMatchObject({ reason: "circuit-breaker-rolled-back", next: { operation: "update" } });
    const engineMessage = (error as UnhealthyDeploymentError).engineMessage;
    expect(engineMessage).toContain(`rolled the deployment back to ${before}`);
    expect(engineMessage).toMatch(/container "migrate" of \S+ exited 1, so "app" never started/);
    expect(engineMessage).toContain("stream migco/migrate/<task id>");
    // The cloud serves the previous release; the stack is unlocked and repairable as it is.
    expect(taskDefinitionOf("migco")).toBe(before);
    expect(await h.service.status("migco", "staging")).toMatchObject({
      needsRepair: false,
      locks: [],
      pendingOperations: [],
      lastResult: "failed",
    });

    const fixed = await h.service.update(
      testSpec("migco", { imageTag: "2.0.0", migrateCommand: ["migrate", "up"] }),
      "staging",
    );
    expect(fixed.changes.update).toBeGreaterThan(0);
    const after = taskDefinitionOf("migco");
    expect(after).not.toBe(before);
    const definitions = store.get("aws:ecs/taskDefinition:TaskDefinition", after)?.properties
      .containerDefinitions;
    expect(
      JSON.parse(String(definitions)).find((c: { name: string }) => c.name === "migrate").command,
    ).toEqual(["migrate", "up"]);
    expect((await h.service.status("migco", "staging")).lastResult).toBe("succeeded");
  }, 600000);

  it("a failed bootstrap fails onboard with the reason; the tenant stays repairable and converges once it passes", async () => {
    writeKnobs(h.doubleDir, { exitCodes: { "bootco/db-bootstrap": 1 } });
    const error = await h.service.onboard(testSpec("bootco"), "staging").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnhealthyDeploymentError);
    expect(error).toMatchObject({ reason: "circuit-breaker-rolled-back", next: { operation: "onboard" } });
    expect((error as UnhealthyDeploymentError).engineMessage).toMatch(
      /stopped the first deployment, no task is running \(container "db-bootstrap" of \S+ exited 1, so "app" never started/,
    );
    expect(await h.service.status("bootco", "staging")).toMatchObject({ needsRepair: false, locks: [] });
    expect(serviceOf("bootco")).toHaveLength(1);

    writeKnobs(h.doubleDir, {});
    expect(await h.service.onboard(testSpec("bootco"), "staging")).toMatchObject({ resumed: true });
    expect(serviceOf("bootco")).toHaveLength(1);
    expect((await h.service.status("bootco", "staging")).lastResult).toBe("succeeded");
  }, 600000);
});

/** The onboarding flags of a trial tenant (the spec the CLI writes to the registry). */
const flags = [
  "--tier",
  "trial",
  "--owner",
  "team@example.com",
  "--cost-center",
  "cc-1",
  "--data-classification",
  "internal",
  "--image-tag",
  "1.0.0",
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every process whose arguments held `watch` while the command ran (polled /proc). */
  leakedArgs: string[];
}

/** Runs the tenant CLI, polling every process's arguments for `watch` while it runs. */
function tenantCli(args: string[], env: NodeJS.ProcessEnv, watch: string[]): Promise<Run> {
  const child = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(REPO_ROOT, "automation", "cli", "tenant.ts"),
      ...args,
    ],
    { cwd: REPO_ROOT, env: { ...h.cliEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  const leakedArgs = new Set<string>();
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const poll = setInterval(() => {
    for (const pid of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        if (watch.some((w) => cmdline.includes(w))) {
          leakedArgs.add(`${pid}: ${cmdline}`);
        }
      } catch {
        // The process ended while we looked.
      }
    }
  }, 20);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, leakedArgs: [...leakedArgs] });
    }),
  );
}

/** Files under `dir` whose bytes contain any of `values`. */
function filesHolding(dir: string, values: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else if (entry.isFile()) {
        const text = fs.readFileSync(p, "latin1");
        if (values.some((v) => text.includes(v))) {
          found.push(p);
        }
      }
    }
  };
  walk(dir);
  return found;
}

describe("secret hygiene", () => {
  const first = "first-Secret-9f3a7c";
  const second = "second-Secret-41bd0e";
  const registry = () => path.join(h.dir, "registry");

  it("after an onboard with --secret the value is nowhere: state, the double's cloud, output (text and --json), process arguments", async () => {
    fs.mkdirSync(registry(), { recursive: true });
    const onboard = await tenantCli(
      [
        "onboard",
        "vaulty",
        "--env",
        "staging",
        ...flags,
        "--secret",
        "API_TOKEN",
        "--registry",
        registry(),
        "--json",
      ],
      { API_TOKEN: first },
      [first],
    );
    expect({ code: onboard.code, stderr: onboard.stderr.slice(-2000) }).toMatchObject({ code: 0 });
    expect(JSON.parse(onboard.stdout)).toMatchObject({ ok: true, result: { tenant: "vaulty" } });
    // The secret reached the stack (encrypted) and the program.
    const stack = await h.engine.selectStack("tenant", "vaulty-staging", async () => undefined);
    expect(JSON.parse((await stack.getAllConfig())["tenant:secrets"].value)).toEqual({ API_TOKEN: first });

    const text = await tenantCli(
      ["update", "vaulty", "--env", "staging", "--secret", "SMTP_PASSWORD", "--registry", registry()],
      { SMTP_PASSWORD: second },
      [first, second],
    );
    expect(text.code).toBe(0);

    // A forced failure: a wrong passphrase, with both secrets in the stack and a new one given.
    const failures: Run[] = [];
    for (const json of [["--json"], []]) {
      failures.push(
        await tenantCli(
          [
            "update",
            "vaulty",
            "--env",
            "staging",
            "--secret",
            "SMTP_PASSWORD",
            "--registry",
            registry(),
            ...json,
          ],
          { SMTP_PASSWORD: second, PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" },
          [first, second],
        ),
      );
    }
    for (const failed of failures) {
      expect(failed.code).toBe(1);
      expect(failed.stdout + failed.stderr).toMatch(/passphrase/i);
    }

    for (const r of [onboard, text, ...failures]) {
      expect(r.leakedArgs).toEqual([]);
      expect(`${r.stdout}\n${r.stderr}`).not.toContain(first);
      expect(`${r.stdout}\n${r.stderr}`).not.toContain(second);
    }
    // The backend (state, history, locks), the workspaces (Pulumi.<stack>.yaml), the double's cloud
    // and its PULUMI_HOME (plugin logs): ciphertext and digests only.
    expect(filesHolding(h.dir, [first, second])).toEqual([]);
  }, 600000);
});

describe("a kill of the CLI's process group during a create (issue 10 item 5)", () => {
  it("leaves the provider running until its create is done; repair names it meanwhile, then imports the create it finished: no second copy, and status is healthy after", async () => {
    const registry = path.join(h.dir, "registry-kill");
    fs.mkdirSync(registry, { recursive: true });
    const RDS = "aws:rds/instance:Instance";
    writeKnobs(h.doubleDir, { latencyMs: { [RDS]: 15000 } });
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        path.join(REPO_ROOT, "automation", "cli", "tenant.ts"),
        "onboard",
        "killco",
        "--env",
        "staging",
        ...flags,
        "--registry",
        registry,
      ],
      { cwd: REPO_ROOT, env: h.cliEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes(`+ creating ${RDS}`)) resolve();
      });
      child.on("close", () => reject(new Error(`the CLI ended before the database create started:\n${out}`)));
    });
    await new Promise((r) => setTimeout(r, 1000));
    // As an OOM kill or a closed terminal would: the whole process group (node and pulumi).
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((r) => child.once("close", r));

    // The provider plugin runs in a process group of its own: it survived, and still creates.
    const leftovers = await h.engine.leftoverPlugins();
    expect(leftovers.length).toBeGreaterThan(0);
    const status = await h.service.status("killco", "staging");
    expect(status.needsRepair).toBe(true);
    expect(status.pendingOperations.map((p) => [p.type, p.resourceType])).toContainEqual(["creating", RDS]);

    const busy = await h.service.repair("killco", "staging", { yes: true }).catch((e: unknown) => e);
    expect((busy as Error).message).toMatch(/plugin processes of an interrupted run are still running/);
    // The plugins with nothing in flight (random, docker-build) may have exited already; the one
    // creating the database is still there, and named.
    const named = leftovers.filter((p) => (busy as Error).message.includes(`pid ${p.pid}: `));
    expect(named.length).toBeGreaterThan(0);
    // The orphan finishes the create after its engine is gone: the database exists in the cloud.
    const databases = () => store.list(RDS).filter((r) => r.urn.startsWith("urn:pulumi:killco-staging::"));
    const deadline = Date.now() + 60000;
    while (databases().length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(databases()).toHaveLength(1);
    // Its create done, the orphan exits on its own (offline/double/engineWatch.ts), as a provider on
    // Pulumi's Go SDK does once its engine is gone: nothing is left for the operator to stop.
    const gone = Date.now() + 30000;
    while ((await h.engine.leftoverPlugins()).length > 0 && Date.now() < gone) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await h.engine.leftoverPlugins()).toEqual([]);
    writeKnobs(h.doubleDir, {});

    const report = await h.service.repair("killco", "staging", { yes: true });
    expect(report.importedPendingCreates.map((p) => [p.resourceType, p.id])).toContainEqual([
      RDS,
      databases()[0].id,
    ]);
    expect(report.droppedPendingOperations.filter((p) => p.type === "creating")).toEqual([]);

    const resumed = await h.service.onboard(testSpec("killco"), "staging");
    expect(resumed.resumed).toBe(true);
    expect(databases()).toHaveLength(1);
    const after = await h.service.status("killco", "staging");
    expect(after).toMatchObject({ needsRepair: false, lastResult: "succeeded" });
    expect(await h.engine.leftoverPlugins()).toEqual([]);
  }, 600000);
});
