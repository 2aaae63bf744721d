/**
 * Nothing can install the cloud double where a real `pulumi` would pick it up: a real engine with
 * the user's PULUMI_HOME cannot load it, and the plugin refuses to start anywhere but the marked
 * PULUMI_HOME it was written into (even copied onto PATH).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CloudStore } from "./store";
import { doublePluginVersions, installDouble } from "./isolation";

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "double-isolation-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("a real pulumi with the user's PULUMI_HOME cannot load the double, even with the double installed elsewhere", async () => {
  const doubleDir = path.join(dir, "double");
  installDouble(path.join(doubleDir, "pulumi-home"), doubleDir, path.join(dir, "user-home"));
  const userHome = path.join(dir, "user-home");
  fs.mkdirSync(path.join(dir, "state"), { recursive: true });
  // In a child process: the refused registration rejects promises of the program, which jest would
  // report as a failure of this test rather than of the run.
  const probe = `
    const aws = require("@pulumi/aws");
    const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
    process.on("unhandledRejection", () => undefined);
    (async () => {
      const stack = await LocalWorkspace.createOrSelectStack(
        { projectName: "probe", stackName: "dev", program: async () => { new aws.s3.Bucket("probe", {}); } },
        { pulumiCommand: await PulumiCommand.get({ root: process.env.PULUMI_ROOT, skipVersionCheck: true }) },
      );
      await stack.setConfig("aws:region", { value: "us-east-1" });
      try { await stack.up(); console.log("UP SUCCEEDED"); } catch (e) { console.log(String(e.message)); }
    })();`;
  const result = spawnSync(process.execPath, ["-e", probe], {
    cwd: path.resolve(__dirname, "..", ".."),
    encoding: "utf8",
    timeout: 150000,
    env: {
      PATH: process.env.PATH,
      PULUMI_ROOT: process.env.PULUMI_ROOT,
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "x",
      PULUMI_HOME: userHome,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    },
  });
  expect(result.stdout).not.toContain("UP SUCCEEDED");
  expect(result.stdout).toMatch(/no resource plugin 'pulumi-resource-aws' found/);
  expect(new CloudStore(doubleDir).list()).toEqual([]);
  expect(fs.existsSync(path.join(userHome, "plugins", `resource-aws-v${doublePluginVersions().aws}`))).toBe(
    false,
  );
}, 180000);

it("the plugin refuses to start outside its marked PULUMI_HOME, even copied onto PATH", () => {
  const doubleDir = path.join(dir, "double2");
  const setup = installDouble(path.join(doubleDir, "pulumi-home"), doubleDir, path.join(dir, "user-home"));
  const launcher = path.join(
    setup.pulumiHome,
    "plugins",
    `resource-aws-v${doublePluginVersions().aws}`,
    "pulumi-resource-aws",
  );
  const onPath = path.join(dir, "bin");
  fs.mkdirSync(onPath, { recursive: true });
  fs.copyFileSync(launcher, path.join(onPath, "pulumi-resource-aws"));
  fs.chmodSync(path.join(onPath, "pulumi-resource-aws"), 0o755);
  const run = (file: string, home: string | undefined) =>
    spawnSync(file, [], {
      encoding: "utf8",
      timeout: 60000,
      env: { PATH: process.env.PATH, ...(home ? { PULUMI_HOME: home } : {}) },
    });
  const userHome = run(launcher, path.join(dir, "user-home"));
  expect(userHome.status).toBe(1);
  expect(userHome.stderr).toMatch(
    /cloud double: refusing to start: PULUMI_HOME .*user-home is not the double's/,
  );
  expect(run(launcher, undefined).stderr).toMatch(/refusing to start: PULUMI_HOME is not set/);
  const copied = run(path.join(onPath, "pulumi-resource-aws"), setup.pulumiHome);
  expect(copied.status).toBe(1);
  expect(copied.stderr).toMatch(/refusing to start: it was started from .*bin\/pulumi-resource-aws, outside/);
}, 120000);

it("refuses to install into the user's PULUMI_HOME", () => {
  const home = path.join(dir, "user-home-2");
  expect(() => installDouble(home, path.join(dir, "d3"), home)).toThrow(
    /refusing to install into .*user-home-2, the user's PULUMI_HOME/,
  );
});
