/**
 * orphanedPlugins over a fake /proc: the plugin processes of this backend whose `pulumi` is gone,
 * in the shapes the engine starts them (the double's launcher, the policy pack's serve-pack.js); and
 * writePlainConfig, the config write that saves a `pulumi config set-all` process; and what the
 * double's cloud says of a pending create (locateResource).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { writeKnobs } from "../../offline/double/knobs";
import { CloudStore } from "../../offline/double/store";
import type { AutomationSettings } from "../settings";
import { LocalEngine, orphanedPlugins, writePlainConfig } from "./localEngine";

const BACKEND = "file:///tmp/state";

let proc: string;
function processEntry(pid: number, ppid: number, cmdline: string[], backend = BACKEND): void {
  const dir = path.join(proc, String(pid));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "cmdline"), `${cmdline.join("\0")}\0`);
  fs.writeFileSync(path.join(dir, "environ"), `PATH=/bin\0PULUMI_BACKEND_URL=${backend}\0`);
  fs.writeFileSync(path.join(dir, "stat"), `${pid} (${path.basename(cmdline[0])}) S ${ppid} ${pid} ${pid} 0`);
}

beforeEach(() => {
  proc = fs.mkdtempSync(path.join(os.tmpdir(), "fake-proc-"));
});
afterEach(() => fs.rmSync(proc, { recursive: true, force: true }));

test("finds the double and the policy pack once their pulumi is gone, not while it runs", () => {
  const double = ["node", "-r", "/repo/offline/double/fastload.js", "/repo/offline/double/main.ts"];
  const pack = ["node", "serve-pack.js", "127.0.0.1:4000", "dist/policies"];
  processEntry(100, 1, ["/opt/pulumi/bin/pulumi", "up"]);
  processEntry(101, 100, double); // its engine runs
  processEntry(201, 1, double); // orphaned
  processEntry(202, 999, pack); // parent gone
  processEntry(203, 1, pack, "file:///elsewhere"); // another backend's
  processEntry(204, 1, ["node", "server.js"]); // not a plugin
  expect(
    orphanedPlugins(BACKEND, proc)
      .map((p) => p.pid)
      .sort(),
  ).toEqual([201, 202]);
  expect(orphanedPlugins(BACKEND, proc).find((p) => p.pid === 202)?.command).toBe(pack.join(" "));
});

test("an unreadable /proc gives nothing", () => {
  expect(orphanedPlugins(BACKEND, path.join(proc, "missing"))).toEqual([]);
});

describe("writePlainConfig", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "plain-config-"));
    file = path.join(dir, "Pulumi.t-staging.yaml");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("sets each value as a string under config and keeps the salt, secure values and other keys", () => {
    fs.writeFileSync(
      file,
      "encryptionsalt: v1:abc:v1:def:ghi\nconfig:\n  tenant:secrets:\n    secure: v1:xyz\n  tenant:tier: trial\n",
    );
    const spec = JSON.stringify({ id: "t", imageTag: "1.0.0" });
    expect(writePlainConfig(file, { "tenant:spec": spec, "tenant:tier": "pro", "tenant:count": "12" })).toBe(
      true,
    );
    expect(parseYaml(fs.readFileSync(file, "utf8"))).toEqual({
      encryptionsalt: "v1:abc:v1:def:ghi",
      config: {
        "tenant:secrets": { secure: "v1:xyz" },
        "tenant:tier": "pro",
        "tenant:spec": spec,
        "tenant:count": "12",
      },
    });
    expect(fs.readdirSync(dir)).toEqual(["Pulumi.t-staging.yaml"]);
  });

  test("values the CLI's YAML 1.1 parser would take for a timestamp, a boolean or a number stay strings", () => {
    fs.writeFileSync(file, "config: {}\n");
    const values = {
      "tenant:decommission": "2026-12-01T15:21:22Z",
      "tenant:flag": "yes",
      "tenant:off": "off",
      "tenant:n": "0x1F",
      "tenant:none": "~",
      "tenant:multi": "a\nb: c",
    };
    expect(writePlainConfig(file, values)).toBe(true);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain('tenant:decommission: "2026-12-01T15:21:22Z"');
    expect(parseYaml(text, { version: "1.1" })).toEqual({ config: values });
  });

  test("a file with no config section gets one", () => {
    fs.writeFileSync(file, "encryptionsalt: v1:abc:v1:def:ghi\n");
    expect(writePlainConfig(file, { "tenant:tier": "trial" })).toBe(true);
    expect(parseYaml(fs.readFileSync(file, "utf8"))).toEqual({
      encryptionsalt: "v1:abc:v1:def:ghi",
      config: { "tenant:tier": "trial" },
    });
  });

  test("leaves to the CLI what it cannot write as the CLI would, writing nothing", () => {
    expect(writePlainConfig(file, { "tenant:tier": "trial" })).toBe(false); // no file
    fs.writeFileSync(file, "config: [not, a, map]\n");
    expect(writePlainConfig(file, { "tenant:tier": "trial" })).toBe(false);
    fs.writeFileSync(file, "config: {\n");
    expect(writePlainConfig(file, { "tenant:tier": "trial" })).toBe(false);
    fs.writeFileSync(file, "config: {}\n");
    for (const key of ["tier", "tenant:a.b[0]", "tenant:tier:x", "tenant: tier"]) {
      expect(writePlainConfig(file, { [key]: "v" })).toBe(false);
    }
    expect(fs.readFileSync(file, "utf8")).toBe("config: {}\n");
  });
});

describe("locateResource on the cloud double", () => {
  const TD = "aws:ecs/taskDefinition:TaskDefinition";
  const URN =
    "urn:pulumi:acme-staging::tenant::platform:tenant:TenantService$aws:ecs/taskDefinition:TaskDefinition::task";
  let dir: string;
  const engineOn = (doubleDir: string) =>
    new LocalEngine({
      cloud: "double",
      doubleDir,
      backendUrl: `file://${doubleDir}/state`,
      localDefaultBackend: true,
      secretsProvider: "passphrase",
      pulumiRoot: doubleDir,
      pulumiVersion: "3.276.0",
      workDir: doubleDir,
      env: {},
      policyPacks: [],
    } as unknown as AutomationSettings);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "locate-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("finds a pending create by URN, not the resource it replaces, and says when there is none", async () => {
    const engine = engineOn(dir);
    const store = new CloudStore(dir);
    expect(await engine.locateResource(URN, TD)).toBeNull();
    store.put({ type: TD, id: "acme-task:1", urn: URN, properties: {} });
    // The replaced revision is in the state: the new one, not created yet, does not exist.
    expect(await engine.locateResource(URN, TD, new Set(["acme-task:1"]))).toBeNull();
    expect(await engine.locateResource(URN, TD)).toBe("acme-task:1");
    store.put({ type: TD, id: "acme-task:2", urn: URN, properties: {} });
    expect(await engine.locateResource(URN, TD, new Set(["acme-task:1"]))).toBe("acme-task:2");
    // As AWS answers (no lookup by URN): it cannot tell.
    writeKnobs(dir, { lookupByUrn: false });
    expect(await engine.locateResource(URN, TD, new Set(["acme-task:1"]))).toBeUndefined();
  });
});
