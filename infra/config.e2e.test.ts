/**
 * The base project's config on the real Pulumi engine: the CLI accepts Pulumi.yaml's declarations,
 * merges them with Pulumi.<env>.yaml exactly as DEFAULT_BASE_CONFIG says, and loadBaseConfig reads
 * the result (arrays JSON-encoded, integers as strings) into the same BaseConfig the offline plan
 * uses. No cloud: the program declares no resource, only exports the parsed config.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, LocalWorkspaceOptions, PulumiCommand } from "@pulumi/pulumi/automation";
import { ENVIRONMENTS } from "../common";
import { loadBaseConfig, parseBaseConfig } from "./config";
import { BASE_PROJECT, DEFAULT_BASE_CONFIG } from "../offline/base";

const ROOT = path.resolve(__dirname, "..");
let dir: string;
let options: LocalWorkspaceOptions;

/**
 * The inline program: the parsed config as an output. A config error is logged as a Pulumi error
 * (which fails the run) rather than thrown: a throw would reach jest's own unhandled-rejection
 * handler in this process before the Automation API's, and fail the test instead of the run.
 */
const program = async () => {
  try {
    return { config: JSON.stringify(loadBaseConfig()) };
  } catch (error) {
    await pulumi.log.error((error as Error).message);
    return {};
  }
};

beforeAll(async () => {
  if (!process.env.PULUMI_ROOT) {
    throw new Error(
      "PULUMI_ROOT is not set: run the e2e tests through jest's e2e project (automation/testing/globalSetup.js)",
    );
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-base-config-"));
  const workDir = path.join(dir, "project");
  // The project as an operator has it: Pulumi.yaml (whose `main` must exist) and the stack files.
  fs.mkdirSync(path.join(workDir, "infra"), { recursive: true });
  for (const file of ["Pulumi.yaml", ...ENVIRONMENTS.map((e) => `Pulumi.${e}.yaml`)]) {
    fs.copyFileSync(path.join(ROOT, file), path.join(workDir, file));
  }
  for (const d of ["state", "home"]) {
    fs.mkdirSync(path.join(dir, d));
  }
  options = {
    workDir,
    pulumiCommand: await PulumiCommand.get({ root: process.env.PULUMI_ROOT }),
    envVars: {
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_HOME: path.join(dir, "home"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    },
  };
});

afterAll(() => {
  if (dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe.each(ENVIRONMENTS)("base stack config on the Pulumi CLI (%s)", (environment) => {
  it("merges Pulumi.yaml and the stack file into DEFAULT_BASE_CONFIG, and loadBaseConfig parses it", async () => {
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: environment, projectName: BASE_PROJECT, program },
      options,
    );
    const merged = Object.fromEntries(
      Object.entries(await stack.getAllConfig()).map(([k, v]) => [k, v.value]),
    );
    expect(merged).toEqual(DEFAULT_BASE_CONFIG[environment]);
    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(JSON.parse(up.outputs.config.value)).toEqual(
      JSON.parse(JSON.stringify(parseBaseConfig(environment, DEFAULT_BASE_CONFIG[environment]))),
    );
  });
});

describe("base stack config errors on the Pulumi CLI", () => {
  it("fails the run naming every bad key and its value", async () => {
    const stack = await LocalWorkspace.selectStack(
      { stackName: "staging", projectName: BASE_PROJECT, program },
      options,
    );
    await stack.setConfig("platform:vpcCidr", { value: "10.0.0.0/8" });
    await stack.setConfig("platform:domian", { value: "x.example.com" });
    const failure = await stack.preview().then(
      () => "",
      (error: Error) => error.message,
    );
    expect(failure).toContain('platform:vpcCidr = "10.0.0.0/8" is a /8; allowed /16 to /21');
    expect(failure).toContain("platform:domian is not a known setting (a typo?)");
  });

  it("refuses a stack named after no environment", async () => {
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "dev", projectName: BASE_PROJECT, program },
      options,
    );
    const failure = await stack.preview().then(
      () => "",
      (error: Error) => error.message,
    );
    expect(failure).toContain(
      'stack "dev": a base stack is named after its environment; allowed staging, production',
    );
  });
});
