/**
 * Onboarding and offboarding through the `tenant` CLI as a user runs it, on the real programs, the
 * real engine and the cloud double (issue 10, items 1 to 4): the registry-wide checks before
 * anything is written or created, onboarding with no base stack, a second onboarding of the same
 * tenant while the first holds the stack, and offboarding with a registry that has problems.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { writeKnobs } from "../../offline/double/knobs";
import { loadRegistry, writeSpec } from "../../tenants/registry";
import { derivedListenerPriority } from "../../tenants/routing";
import { TENANT_PROJECT } from "../service";
import { REPO_ROOT } from "../settings";
import { onboardArgs } from "../testing/cliArgs";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";

let h: DoubleHarness;
let registry: string;

beforeAll(async () => {
  h = await createDoubleHarness("onboarding", ["staging"]);
  registry = path.join(h.dir, "registry");
  fs.mkdirSync(registry);
}, 600000);

afterAll(() => h?.cleanup());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `tenant` CLI subprocess: what it printed so far, and its end. */
interface Started {
  readonly output: Run;
  readonly done: Promise<Run>;
}

/** The `tenant` CLI as a subprocess on the harness's backend and double. */
function start(args: string[], env: NodeJS.ProcessEnv = h.cliEnv): Started {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(REPO_ROOT, "automation", "cli", "tenant.ts"),
      ...args,
    ],
    { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const output: Run = { code: null, stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => (output.stdout += d));
  child.stderr!.on("data", (d) => (output.stderr += d));
  const done = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ ...output, code })));
  return { output, done };
}

const tenant = (args: string[], env?: NodeJS.ProcessEnv) => start(args, env).done;

/** Resolves once `predicate` holds for what the run printed so far. */
async function until(run: Started, predicate: (r: Run) => boolean, timeoutMs = 240000): Promise<void> {
  const started = Date.now();
  while (!predicate(run.output)) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting; stdout:\n${run.output.stdout}\nstderr:\n${run.output.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Onboard flags up to `--registry`, whose directory each test adds. */
const flags = (tier: string, env = "staging") => onboardArgs(tier, env, "").slice(0, -1);

async function tenantStacks(): Promise<string[]> {
  return (await h.engine.listStacks(TENANT_PROJECT)).map((s) => s.name).sort();
}

describe("onboarding checks the whole registry before it writes or creates anything (item 1)", () => {
  const dir = () => path.join(h.dir, "registry-collisions");
  beforeAll(() => {
    fs.mkdirSync(dir());
    writeSpec(testSpec("acme"), dir());
    writeSpec(testSpec("globex", { subdomain: "portal" }), dir());
  });

  test.each([
    [
      "a subdomain another tenant uses",
      ["initech", "--subdomain", "acme"],
      /--subdomain \(subdomain\): tenant initech would be served at acme\.<domain>, which tenant acme already uses \(its id, .*acme\.yaml\); give initech a subdomain no other tenant uses/,
    ],
    [
      "an id equal to another tenant's subdomain",
      ["portal"],
      /<tenant> \(id\): tenant portal would be served at portal\.<domain>, which tenant globex already uses \(its subdomain, .*globex\.yaml\)/,
    ],
    [
      "an explicit listener priority another tenant has on its shard",
      ["initech", "--listener-rule-priority", String(derivedListenerPriority("acme"))],
      new RegExp(
        `--listener-rule-priority \\(listenerRulePriority\\): ${derivedListenerPriority("acme")} \\(set in the spec\\) ` +
          `is already tenant acme's listener rule priority on ingress shard 0 \\(.*acme\\.yaml; ALB rule priorities are unique per listener\\); ` +
          `give initech a free listenerRulePriority, e\\.g\\. ${derivedListenerPriority("acme") + 1}`,
      ),
    ],
  ])(
    "%s: exit 2, both tenants named, nothing written or created",
    async (_name, [id, ...extra], message) => {
      const r = await tenant(["onboard", id, ...extra, ...flags("trial"), dir()]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
      expect(fs.readdirSync(dir()).sort()).toEqual(["acme.yaml", "globex.yaml"]);
      expect(await tenantStacks()).toEqual([]);
    },
    120000,
  );

  test("a derived priority another tenant has is no refusal: placement takes a free one (docs/decisions/0007)", async () => {
    // Up to the base check only (no base in this backend's production): the registry check passed.
    const r = await tenant(["onboard", "tdzfaa", ...flags("trial", "production"), dir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("base stack: organization/platform/production does not exist");
    expect(r.stderr).not.toMatch(/listenerRulePriority/);
    expect(fs.readdirSync(dir()).sort()).toEqual(["acme.yaml", "globex.yaml"]);
  }, 120000);

  test("the fix it names works: a free --listener-rule-priority is accepted by the check", async () => {
    // Up to the base check only (no base in this backend's production): the registry check passed.
    const r = await tenant([
      "onboard",
      "tdzfaa",
      ...flags("trial", "production"),
      dir(),
      "--listener-rule-priority",
      String(derivedListenerPriority("acme") + 1),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "base stack: organization/platform/production does not exist; tenant stacks of production read it through a stack reference; " +
        "deploy it first: npm run base -- up --env production",
    );
    expect(r.stderr).not.toMatch(/listenerRulePriority/);
  }, 120000);
});

describe("onboarding without a base stack (item 4)", () => {
  test("names the base stack and how to create it; no tenant stack, no registry file", async () => {
    const dir = path.join(h.dir, "registry-nobase");
    const r = await tenant(["onboard", "nobase", ...flags("trial", "production"), dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "base stack: organization/platform/production does not exist; tenant stacks of production read it through a stack reference; " +
        "deploy it first: npm run base -- up --env production (or pulumi up --stack production in the repository root)",
    );
    expect(await tenantStacks()).toEqual([]);
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  }, 120000);
});

describe("the registry changes only once the operation it records has succeeded (items 2 and 3)", () => {
  const release = () => path.join(h.dir, "release-onboard");

  test("a second onboarding that finds the stack busy (exit 6) leaves the registry alone; the first one records its spec", async () => {
    writeKnobs(h.doubleDir, {
      latencyMs: { "aws:ecs/service:Service": 15000 },
      holdUntilFile: release(),
    });
    const first = start(["onboard", "raceco", ...flags("trial"), registry]);
    const other = start(["onboard", "keepco", ...flags("trial"), registry]);
    // The first run holds the stack once its resources are being created.
    await until(first, (r) => /\[raceco-staging\] \+ creating/.test(r.stdout));
    const second = await tenant(["onboard", "raceco", ...flags("standard"), registry]);
    expect(second.code).toBe(6);
    expect(second.stderr).toContain("another update is in progress");
    expect(second.stdout).toContain(
      "raceco.yaml was not changed (the registry records a tenant once its onboarding succeeds)",
    );
    expect(fs.existsSync(path.join(registry, "raceco.yaml"))).toBe(false);

    fs.writeFileSync(release(), "");
    const [a, b] = await Promise.all([first.done, other.done]);
    expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: "" });
    expect(b.code).toBe(0);
    expect(a.stdout).toMatch(/wrote .*raceco\.yaml/);
    expect(loadRegistry(registry).map((s) => [s.id, s.tier])).toEqual([
      ["keepco", "trial"],
      ["raceco", "trial"],
    ]);
    writeKnobs(h.doubleDir, {});
  }, 600000);

  test("onboarding a deployed tenant with another spec (exit 4) leaves the registry alone", async () => {
    const before = fs.readFileSync(path.join(registry, "raceco.yaml"), "utf8");
    const r = await tenant(["onboard", "raceco", ...flags("standard"), registry]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('tier: "trial" → "standard"');
    expect(fs.readFileSync(path.join(registry, "raceco.yaml"), "utf8")).toBe(before);
  }, 300000);

  test("offboarding with another tenant's file invalid exits 0 and takes the tenant out of the registry", async () => {
    fs.writeFileSync(path.join(registry, "broken.yaml"), "id: [unclosed\n");
    const r = await tenant(["offboard", "raceco", "--env", "staging", "--registry", registry]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toContain("removed raceco.yaml from the registry");
    expect(fs.readdirSync(registry).sort()).toEqual(["broken.yaml", "keepco.yaml"]);
    expect(await tenantStacks()).toEqual(["keepco-staging"]);
  }, 600000);

  test("offboarding refuses a tenant file it could not edit afterwards, before anything runs (exit 2)", async () => {
    const keepco = path.join(registry, "keepco.yaml");
    const valid = fs.readFileSync(keepco, "utf8");
    fs.writeFileSync(keepco, `${valid}colour: blue\n`);
    const r = await tenant(["offboard", "keepco", "--env", "staging", "--registry", registry]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("keepco.yaml: colour: unknown field");
    expect(r.stderr).toContain(
      "fix it first, or offboard with --keep-spec and edit the file yourself afterwards (nothing was done)",
    );
    expect(await tenantStacks()).toEqual(["keepco-staging"]);
    fs.writeFileSync(keepco, valid);
  }, 300000);

  test("a registry file that cannot be edited after the destroy is its own result: exit 11, saying what is left", async () => {
    const keepco = path.join(registry, "keepco.yaml");
    const held = path.join(h.dir, "release-offboard");
    // The decommissioning update changes the database (deletion protection): hold it there.
    writeKnobs(h.doubleDir, { latencyMs: { "aws:rds/instance:Instance": 15000 }, holdUntilFile: held });
    const run = start(["offboard", "keepco", "--env", "staging", "--registry", registry]);
    await until(run, (r) => /\[keepco-staging\] ~ updating/.test(r.stdout));
    fs.writeFileSync(keepco, "id: [unclosed\n");
    fs.writeFileSync(held, "");
    const r = await run.done;
    writeKnobs(h.doubleDir, {});
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(
      /offboarded keepco-staging \(destroyed and removed\), but .*keepco\.yaml could not be updated:\n {2}keepco\.yaml: not valid YAML/,
    );
    expect(r.stderr).toContain(
      "It still lists staging: take staging out of its environments (delete the file if no environment is left), " +
        "or the next fleet reconcile --env staging onboards keepco again.",
    );
    expect(r.stdout).toMatch(/^offboard keepco-staging: \d+ delete/m);
    expect(await tenantStacks()).toEqual([]);
  }, 600000);
});
