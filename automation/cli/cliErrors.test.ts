/**
 * Unit tests of the user-facing error paths of the `tenant` and `fleet` CLIs that only the
 * commander programs reach: each runs a CLI's `main(argv, io)` in-process, and asserts the exact message on
 * stderr (and the --json document), exit code 2, and that nothing reached the engine or the
 * registry. No Pulumi CLI needed: settings point at a placeholder CLI and temporary directories.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../common";
import { derivedListenerPriority } from "../../tenants/routing";
import { onboardArgs } from "../testing/cliArgs";
import { cliContext } from "./context";
import { requireRegistrySpec } from "./flags";
import { main as fleetMain } from "./fleet";
import { CliIO } from "./io";
import { main as tenantMain } from "./tenant";
import { LocalEngine } from "../engine/localEngine";
import { EXIT_CODES } from "../errors";

/** What one CLI run printed and the code it exited with. */
interface CliRun {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-errors-"));
/** A registry holding only acme: every other tenant is unregistered. */
const registry = path.join(tmp, "registry");
/** The state the CLI would use if it ever got that far; must stay empty. */
const backend = path.join(tmp, "backend");
const workDir = path.join(tmp, "workspaces");
const pulumiRoot = path.join(tmp, "pulumi");
for (const dir of [registry, backend, workDir, path.join(pulumiRoot, "bin")]) {
  fs.mkdirSync(dir, { recursive: true });
}
fs.writeFileSync(path.join(pulumiRoot, "bin", "pulumi"), "");
fs.copyFileSync(
  path.join(__dirname, "..", "..", "tenants", "registry", "acme.yaml"),
  path.join(registry, "acme.yaml"),
);

/** Settings the CLI resolves from the environment: placeholder CLI, temporary file backend. */
const ENV: Readonly<Record<string, string | undefined>> = {
  PULUMI_ROOT: pulumiRoot,
  PULUMI_BACKEND_URL: `file://${backend}`,
  PULUMI_CONFIG_PASSPHRASE: "test-only",
  PLATFORM_WORKDIR: workDir,
  PLATFORM_POLICY_PACKS: "none",
  PLATFORM_TENANT_PROGRAM: undefined,
  PLATFORM_SECRETS_PROVIDER: undefined,
};
const savedEnv: Record<string, string | undefined> = {};

/** A CLI's `main`. */
type Cli = (argv: readonly string[], io: CliIO) => Promise<number>;

const tenantCli: Cli = tenantMain;
const fleetCli: Cli = fleetMain;
const engineCalls: string[] = [];

beforeAll(async () => {
  for (const [key, value] of Object.entries(ENV)) {
    savedEnv[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  // Nothing in this file may get as far as the engine.
  for (const method of ["createStack", "selectStack", "removeStack", "listStacks"] as const) {
    jest.spyOn(LocalEngine.prototype, method).mockImplementation(() => {
      engineCalls.push(method);
      throw new Error(`engine reached: ${method}`);
    });
  }
});

afterAll(() => {
  jest.restoreAllMocks();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => {
  expect(engineCalls).toEqual([]);
  expect(fs.readdirSync(registry)).toEqual(["acme.yaml"]);
  expect(fs.readdirSync(backend)).toEqual([]);
  expect(fs.readdirSync(workDir)).toEqual([]);
});

/** Runs `args` as the user would type them, capturing output and the exit code. */
async function run(cli: Cli, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: CliRun = { code: undefined, stdout: "", stderr: "" };
  const io: CliIO = {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
  };
  // Nothing may exit the process below the entry files.
  const exit = jest.spyOn(process, "exit").mockImplementation((() => {
    throw new Error("process.exit called below the entry file");
  }) as typeof process.exit);
  Object.assign(process.env, env);
  try {
    out.code = await cli(args, io);
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
    exit.mockRestore();
  }
  return out;
}

/** The stderr line of a usage error with these problems. */
const usage = (...problems: string[]) => `error: invalid input:\n  - ${problems.join("\n  - ")}\n`;

/** The --json document of a usage error with these problems. */
const usageDoc = (...problems: string[]) => ({
  ok: false,
  error: {
    kind: "invalid-input",
    exitCode: EXIT_CODES.invalidInput,
    message: `invalid input:\n  - ${problems.join("\n  - ")}`,
    problems,
  },
});

describe("tenant update / preview of a tenant with no registry spec", () => {
  const problem = `<tenant>: "globex" has no spec in ${registry}; onboard it first (tenant onboard globex ...)`;

  test.each(["update", "preview"])("%s: names the registry and the fix, exit 2", async (op) => {
    expect(await run(tenantCli, [op, "globex", "--env", "staging", "--registry", registry])).toEqual({
      code: EXIT_CODES.invalidInput,
      stdout: "",
      stderr: usage(problem),
    });
  });

  test("under --json the same problem is a JSON document on stdout", async () => {
    const r = await run(tenantCli, [
      "update",
      "globex",
      "--env",
      "staging",
      "--registry",
      registry,
      "--json",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(usage(problem));
    expect(JSON.parse(r.stdout)).toEqual(usageDoc(problem));
  });

  test("requireRegistrySpec: a missing file and an empty registry give the same message", () => {
    const empty = fs.mkdtempSync(path.join(tmp, "empty-"));
    expect(() => requireRegistrySpec(empty, "initech")).toThrow(
      new UsageError([
        {
          path: "<tenant>",
          message: `"initech" has no spec in ${empty}; onboard it first (tenant onboard initech ...)`,
        },
      ]),
    );
    fs.rmSync(empty, { recursive: true });
    expect(requireRegistrySpec(registry, "acme").id).toBe("acme");
  });
});

describe("--program / PLATFORM_TENANT_PROGRAM", () => {
  const problem = (value: string) => `--program (PLATFORM_TENANT_PROGRAM): "${value}" is not one of real`;

  test("an unknown --program is a usage error, exit 2", async () => {
    expect(await run(tenantCli, ["list", "--program", "fake"])).toEqual({
      code: 2,
      stdout: "",
      stderr: usage(problem("fake")),
    });
  });

  test("the retired stand-in program is refused by name, as --program and as PLATFORM_TENANT_PROGRAM", async () => {
    expect(await run(tenantCli, ["list", "--program", "test"])).toEqual({
      code: 2,
      stdout: "",
      stderr: usage(problem("test")),
    });
    expect(await run(tenantCli, ["list"], { PLATFORM_TENANT_PROGRAM: "test" })).toEqual({
      code: 2,
      stdout: "",
      stderr: usage(problem("test")),
    });
  });

  test("PLATFORM_TENANT_PROGRAM is checked the same way, also by fleet commands", async () => {
    expect(await run(tenantCli, ["list"], { PLATFORM_TENANT_PROGRAM: "Test" })).toEqual({
      code: 2,
      stdout: "",
      stderr: usage(problem("Test")),
    });
    const r = await run(fleetCli, ["preview", "--env", "staging", "--registry", registry, "--json"], {
      PLATFORM_TENANT_PROGRAM: "mock",
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual(usageDoc(problem("mock")));
  });

  test("cliContext rejects it before resolving settings", () => {
    // A bad secrets provider would be a SettingsError; the program is checked first.
    expect(() =>
      cliContext({ program: "", secretsProvider: "rot13://x" }, { stdout: () => {}, stderr: () => {} }),
    ).toThrow(`invalid input:\n  - ${problem("")}`);
  });
});

describe("whole-number flags", () => {
  test("fleet --concurrency and --retries: every problem at once with the allowed range, exit 2", async () => {
    for (const op of ["reconcile", "preview", "drift"]) {
      expect(
        await run(fleetCli, [
          op,
          "--env",
          "qa",
          "--concurrency",
          "0",
          "--retries",
          "2.5",
          "--registry",
          registry,
        ]),
      ).toEqual({
        code: 2,
        stdout: "",
        stderr: usage(
          '--env: "qa" is not one of staging, production',
          '--concurrency: "0" is not a whole number from 1 to 64',
          '--retries: "2.5" is not a whole number from 1 to 10',
        ),
      });
    }
    expect(
      await run(fleetCli, ["reconcile", "--env", "staging", "--concurrency", "65", "--retries", "ten"]),
    ).toMatchObject({
      code: 2,
      stderr: usage(
        '--concurrency: "65" is not a whole number from 1 to 64',
        '--retries: "ten" is not a whole number from 1 to 10',
      ),
    });
    expect(await run(fleetCli, ["drift", "--env", "staging", "--retries", "11"])).toMatchObject({
      code: 2,
      stderr: usage('--retries: "11" is not a whole number from 1 to 10'),
    });
  });

  test("tenant repair --stale-after, exit 2", async () => {
    for (const value of ["-1", "1.5", "100001", "an hour"]) {
      expect(await run(tenantCli, ["repair", "acme", "--env", "staging", "--stale-after", value])).toEqual({
        code: 2,
        stdout: "",
        stderr: usage(`--stale-after: ${JSON.stringify(value)} is not a whole number from 0 to 100000`),
      });
    }
    const r = await run(tenantCli, ["repair", "acme", "--env", "staging", "--stale-after", "x", "--json"]);
    expect(JSON.parse(r.stdout)).toEqual(
      usageDoc('--stale-after: "x" is not a whole number from 0 to 100000'),
    );
  });
});

describe("tenant test-base is gone with the stand-in program", () => {
  test("it is an unknown command, exit 2", async () => {
    const r = await run(tenantCli, ["test-base", "--env", "staging"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'test-base'");
  });
});

describe("main(argv, io) returns the exit code; nothing exits the process", () => {
  test("--help is 0 with the usage on stdout; an unknown option or command is 2 on stderr", async () => {
    const help = await run(tenantCli, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: tenant");
    const unknownOption = await run(fleetCli, ["drift", "--env", "staging", "--bogus"]);
    expect(unknownOption.code).toBe(EXIT_CODES.invalidInput);
    expect(unknownOption.stderr).toContain("error: unknown option '--bogus'");
    const unknownCommand = await run(tenantCli, ["onbaord", "acme"]);
    expect(unknownCommand.code).toBe(EXIT_CODES.invalidInput);
    expect(unknownCommand.stderr).toContain("error: unknown command 'onbaord'");
  });
});

describe("tenant onboard checks the whole registry with the new spec (issue 10, item 1)", () => {
  const onboardFlags = onboardArgs("trial", "staging", registry);
  const acmeFile = path.join(registry, "acme.yaml");
  const ACME_PRIORITY = derivedListenerPriority("acme");

  test.each([
    [
      "a subdomain another tenant uses",
      ["initech", "--subdomain", "acme"],
      `--subdomain (subdomain): tenant initech would be served at acme.<domain>, which tenant acme already uses (its id, ${acmeFile}); give initech a subdomain no other tenant uses`,
    ],
    [
      "an explicit listener rule priority another tenant has",
      ["initech", "--listener-rule-priority", String(ACME_PRIORITY)],
      `--listener-rule-priority (listenerRulePriority): ${ACME_PRIORITY} (set in the spec) is already tenant acme's listener rule priority ` +
        `on ingress shard 0 (${acmeFile}; ALB rule priorities are unique per listener); give initech a free listenerRulePriority, e.g. ${ACME_PRIORITY + 1}`,
    ],
    [
      "an ingress shard that does not exist in the spec's range",
      ["initech", "--ingress-shard", "100"],
      "--ingress-shard (ingressShard): 100 is outside 0 to 99 (shards are numbered from 0; platform:ingressShards is at most 100)",
    ],
  ])(
    "%s: exit 2 naming both tenants and the fix; nothing written or created",
    async (_name, args, problem) => {
      expect(await run(tenantCli, ["onboard", ...args, ...onboardFlags])).toEqual({
        code: 2,
        stdout: "",
        stderr: usage(problem),
      });
    },
  );

  test("a malformed --listener-rule-priority names the flag and the range", async () => {
    const r = await run(tenantCli, [
      "onboard",
      "initech",
      "--listener-rule-priority",
      "12a",
      ...onboardFlags,
    ]);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: usage('--listener-rule-priority (listenerRulePriority): "12a" is not a whole number'),
    });
  });

  test("an empty --secret value is reported as an empty value, not a bad name (issue 10, item 9)", async () => {
    expect(await run(tenantCli, ["onboard", "initech", "--secret", "API_TOKEN=", ...onboardFlags])).toEqual({
      code: 2,
      stdout: "",
      stderr: usage("--secret.API_TOKEN: the value is empty; expected API_TOKEN=<a non-empty value>"),
    });
  });
});
