/**
 * What LocalEngine leaves out to save CLI processes (docs/decisions/0008-engine-overhead.md), on the
 * real CLI and a file backend: config values the stack's file already holds are not written again,
 * while a changed value, a value edited behind the engine's back and every secret still are; a stack
 * is selected from its checkpoint without `pulumi stack select` (by its name or the file backend's
 * qualified name), and a removed one is still not found; outputs can be read without secrets;
 * `up` still returns every output with its secret flag, and what it takes from the run's events (plain
 * outputs, the summary's changes) equals what the backend holds.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackAlreadyExistsError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { TENANT_CONFIG_KEYS as CONFIG_KEYS } from "../../tenants/contract";
import { TENANT_PROJECT } from "../service";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";

jest.setTimeout(600000);

let h: DoubleHarness;

beforeAll(async () => {
  h = await createDoubleHarness("engine");
}, 600000);

afterAll(() => h?.cleanup());

const noProgram = async () => undefined;
const configFile = (stack: string) => path.join(h.settings.workDir, TENANT_PROJECT, `Pulumi.${stack}.yaml`);
const config = async (stack: string) =>
  (await h.engine.selectStack(TENANT_PROJECT, stack, noProgram)).getAllConfig();

describe("config writes", () => {
  const stack = "cfg-staging";

  beforeAll(async () => {
    await h.service.onboard(testSpec("cfg"), "staging");
  }, 600000);

  test("an update with the same spec and no secrets writes nothing to the stack's config", async () => {
    const before = fs.statSync(configFile(stack)).mtimeMs;
    const text = fs.readFileSync(configFile(stack), "utf8");
    const outcome = await h.service.update(testSpec("cfg"), "staging");
    expect(Object.keys(outcome.changes)).toEqual(["same"]);
    expect(fs.readFileSync(configFile(stack), "utf8")).toBe(text);
    expect(fs.statSync(configFile(stack)).mtimeMs).toBe(before);
  });

  test("a changed spec is written and deployed", async () => {
    const outcome = await h.service.update(testSpec("cfg", { imageTag: "2.0.0" }), "staging");
    expect(JSON.parse((await config(stack))[CONFIG_KEYS.spec].value)).toMatchObject({ imageTag: "2.0.0" });
    expect(outcome.changes.update).toBeGreaterThan(0);
  });

  test("a secret is written even when the plain config is unchanged, and a changed secret replaces it", async () => {
    await h.service.update(testSpec("cfg", { imageTag: "2.0.0" }), "staging", {
      secrets: { API_TOKEN: "first" },
    });
    expect((await config(stack))[CONFIG_KEYS.secrets]).toEqual({
      value: JSON.stringify({ API_TOKEN: "first" }),
      secret: true,
    });
    await h.service.update(testSpec("cfg", { imageTag: "2.0.0" }), "staging", {
      secrets: { API_TOKEN: "second" },
    });
    expect((await config(stack))[CONFIG_KEYS.secrets]).toEqual({
      value: JSON.stringify({ API_TOKEN: "second" }),
      secret: true,
    });
    expect(fs.readFileSync(configFile(stack), "utf8")).not.toContain("second");
  });

  test("a value changed in the file behind the engine's back is written again", async () => {
    const file = configFile(stack);
    fs.writeFileSync(
      file,
      fs.readFileSync(file, "utf8").replace(/tenant:baseStackName: .*/, "tenant:baseStackName: elsewhere"),
    );
    expect((await config(stack))[CONFIG_KEYS.baseStackName].value).toBe("elsewhere");
    await h.service.update(testSpec("cfg", { imageTag: "2.0.0" }), "staging");
    expect((await config(stack))[CONFIG_KEYS.baseStackName].value).toBe(h.service.baseStackName("staging"));
  });
});

describe("selecting a stack", () => {
  test("an existing stack is selected from its checkpoint, a removed one is not found", async () => {
    const created = await h.engine.createStack("enginetest", "sel", noProgram);
    await created.up();
    const stack = await h.engine.selectStack("enginetest", "sel", noProgram);
    expect(await stack.history(1)).toHaveLength(1);
    await h.engine.removeStack("enginetest", "sel");
    await expect(h.engine.selectStack("enginetest", "sel", noProgram)).rejects.toBeInstanceOf(
      StackNotFoundError,
    );
    // A tenant stack too (the checkpoint path is per project).
    expect(
      await (await h.engine.selectStack(TENANT_PROJECT, "cfg-staging", noProgram)).history(1),
    ).toHaveLength(1);
  });

  test("the file backend's qualified name, organization/<project>/<stack>, selects the same stack", async () => {
    const created = await h.engine.createStack("enginetest", "qual", noProgram);
    await created.up();
    const stack = await h.engine.selectStack("enginetest", "organization/enginetest/qual", noProgram);
    expect(stack.name).toBe("organization/enginetest/qual");
    expect(await stack.history(1)).toHaveLength(1);
    await h.engine.removeStack("enginetest", "qual");
    await expect(
      h.engine.selectStack("enginetest", "organization/enginetest/qual", noProgram),
    ).rejects.toBeInstanceOf(StackNotFoundError);
    // The base stack, as tenant programs name it.
    const base = await h.engine.selectStack("platform", h.service.baseStackName("staging"), noProgram);
    expect(Object.keys(await base.outputs({ showSecrets: false })).length).toBeGreaterThan(0);
  });

  test("a stack that never existed is not found", async () => {
    await expect(h.engine.selectStack(TENANT_PROJECT, "nobody-staging", noProgram)).rejects.toBeInstanceOf(
      StackNotFoundError,
    );
  });
});

describe("outputs", () => {
  test("up and outputs() return every output with its value and secret flag", async () => {
    const program = async () => ({ plain: "visible", hidden: pulumi.secret("s3cret") });
    const stack = await h.engine.createStack("enginetest", "outputs", program);
    const expected = {
      plain: { value: "visible", secret: false },
      hidden: { value: "s3cret", secret: true },
    };
    expect((await stack.up()).outputs).toEqual(expected);
    expect(await (await h.engine.selectStack("enginetest", "outputs", program)).outputs()).toEqual(expected);
  });

  test("outputs({ showSecrets: false }) masks a secret's value and keeps its flag", async () => {
    const stack = await h.engine.selectStack("enginetest", "outputs", noProgram);
    expect(await stack.outputs({ showSecrets: false })).toEqual({
      plain: { value: "visible", secret: false },
      hidden: { value: "[secret]", secret: true },
    });
  });
});

describe("what up takes from the run's events", () => {
  test("a tenant's outputs and changes equal what outputs() and the history read back", async () => {
    const outcome = await h.service.update(testSpec("cfg", { imageTag: "3.0.0" }), "staging");
    expect(outcome.changes.update).toBeGreaterThan(0);
    const stack = await h.engine.selectStack(TENANT_PROJECT, "cfg-staging", noProgram);
    const [last] = await stack.history(1);
    expect(outcome.changes).toEqual(last.resourceChanges);
    const readBack = Object.fromEntries(Object.entries(await stack.outputs()).map(([k, v]) => [k, v.value]));
    expect(Object.keys(readBack).length).toBeGreaterThan(0);
    expect(outcome.outputs).toEqual(readBack);
  });
});

describe("the base stack's passphrase salt", () => {
  const salt = (project: string, stack: string) =>
    (
      parseYaml(fs.readFileSync(path.join(h.settings.workDir, project, `Pulumi.${stack}.yaml`), "utf8")) as {
        encryptionsalt?: string;
      }
    ).encryptionsalt;

  test("an onboarded tenant has the base stack's salt, and its secrets still round-trip", async () => {
    expect(salt(TENANT_PROJECT, "cfg-staging")).toMatch(/^v1:/);
    expect(salt(TENANT_PROJECT, "cfg-staging")).toBe(salt("platform", "staging"));
    // The config-writes tests above wrote and read back secrets of this stack.
    expect((await config("cfg-staging"))[CONFIG_KEYS.secrets]?.secret).toBe(true);
  });

  test("creating a stack that exists leaves no config file behind, so selecting it restores the backend's", async () => {
    const file = configFile("cfg-staging");
    const kept = fs.readFileSync(file, "utf8");
    fs.rmSync(file);
    try {
      await expect(
        h.engine.createStack(TENANT_PROJECT, "cfg-staging", noProgram, {
          secretsLike: { project: "platform", stackName: "staging" },
        }),
      ).rejects.toBeInstanceOf(StackAlreadyExistsError);
      expect(fs.existsSync(file)).toBe(false);
      const restored = await config("cfg-staging");
      expect(restored[CONFIG_KEYS.secrets]?.value).toBe(JSON.stringify({ API_TOKEN: "second" }));
    } finally {
      fs.writeFileSync(file, kept);
    }
  });

  test("a stack created without a salt to share gets one of its own", async () => {
    await h.engine.createStack("enginetest", "own-salt", noProgram);
    expect(salt("enginetest", "own-salt")).toMatch(/^v1:/);
    expect(salt("enginetest", "own-salt")).not.toBe(salt("platform", "staging"));
  });
});
