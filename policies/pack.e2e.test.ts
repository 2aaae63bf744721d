/**
 * The pack under the real Pulumi CLI: `pulumi preview --policy-pack policies` on an inline program
 * (the Automation API, as the e2e project runs everything), so loading the pack, its config schema,
 * `getConfig` and stack policies are exercised by the engine itself, not by our harness.
 *
 * This machine has no AWS provider plugin, so the program declares only a component: the resource
 * policies (all on AWS types) are not applicable; the stack policies run on the stack's resources.
 * The engine starts the pack through its launcher, `policies/run-policy-pack`: Pulumi 3.276 runs a
 * pack given as a directory only through the Node language host, which a CLI built from Go modules
 * lacks, and starts a pack given as an executable directly (docs/decisions/0002).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

const PACK = path.join(__dirname, "run-policy-pack");

let stack: Stack;
let scratch: string;

beforeAll(async () => {
  const root = process.env.PULUMI_ROOT;
  if (!root) {
    throw new Error(
      "PULUMI_ROOT is not set: run through the e2e project (npx jest --selectProjects e2e), whose globalSetup provides the CLI",
    );
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "policy-e2e-"));
  fs.mkdirSync(path.join(scratch, "state"));
  const pulumiCommand = await PulumiCommand.get({ root, skipVersionCheck: true });
  const program = async () => {
    class Probe extends pulumi.ComponentResource {
      constructor(name: string) {
        super("platform:test:Probe", name, {}, {});
        this.registerOutputs({});
      }
    }
    new Probe("probe");
    return {};
  };
  stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "platform", stackName: "staging", program },
    {
      pulumiCommand,
      envVars: {
        PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
        PULUMI_HOME: path.join(scratch, "home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PATH: `${path.join(root, "bin")}${path.delimiter}${process.env.PATH}`,
      },
    },
  );
}, 120000);

afterAll(() => {
  if (scratch) {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

function configFile(config: object): string {
  const file = path.join(scratch, `config-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

describe("pulumi preview --policy-pack policies", () => {
  it("loads the pack and passes a compliant stack", async () => {
    const result = await stack.preview({ policyPacks: [PACK] });
    expect(result.stdout).toMatch(/Policies:\s+✅ platform@v0\.1\.0 \(local: .*policies\/run-policy-pack\)/);
  }, 180000);

  it("hands --policy-pack-config to the policies, which reject lowering a mandatory level", async () => {
    const config = configFile({ "platform-waivers-expired": { levels: { staging: "advisory" } } });
    await expect(stack.preview({ policyPacks: [PACK], policyPackConfigs: [config] })).rejects.toThrow(
      /policy config for platform-waivers-expired is invalid:\s+- levels.staging: "advisory" is not allowed; waivers policies are always mandatory/,
    );
  }, 180000);
});
