/**
 * The registry as onboarding and offboarding use it (issue 10): the registry-wide checks of a new
 * spec, the bounds of the loader (size, parse work, number of problems, length of a value shown),
 * files that look like specs but are not named `<id>.yaml`, offboarding's edit of the tenant's own
 * file, and recording an onboarding only once it has succeeded.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { problemLines, processAlive } from "../common";
import {
  loadRegistry,
  MAX_PROBLEMS_PER_FILE,
  MAX_SPEC_BYTES,
  readTenantFile,
  recordOnboarded,
  RegistryError,
  registryProblemsWith,
  removeEnvironment,
  specToYaml,
  tenantLockPath,
  writeSpec,
} from "./registry";
import { derivedListenerPriority } from "./routing";
import { parseTenantSpec, TenantSpec } from "./spec";

const VALID = Object.freeze({
  id: "acme",
  displayName: "Acme Corporation",
  tier: "standard",
  environments: ["staging"],
  owner: "team@acme.example.com",
  costCenter: "CC-4100",
  dataClassification: "confidential",
  imageTag: "1.4.2",
});

const spec = (overrides: Record<string, unknown> = {}): TenantSpec =>
  parseTenantSpec({ ...VALID, ...overrides });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (file: string, content: string | TenantSpec) =>
  fs.writeFileSync(path.join(dir, file), typeof content === "string" ? content : specToYaml(content));

/** The problems loadRegistry throws, as lines. */
function loadProblems(): string[] {
  try {
    loadRegistry(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return problemLines((error as RegistryError).problems);
  }
  throw new Error("expected a RegistryError");
}

describe("a new spec checked with the whole registry (issue 10, item 1)", () => {
  beforeEach(() => {
    writeSpec(spec({ id: "acme" }), dir);
    writeSpec(spec({ id: "globex", subdomain: "portal" }), dir);
  });

  it("accepts a spec that shares nothing, and the tenant's own file is replaced, not compared", () => {
    expect(registryProblemsWith(spec({ id: "initech" }), dir)).toEqual([]);
    expect(registryProblemsWith(spec({ id: "acme", tier: "enterprise" }), dir)).toEqual([]);
  });

  it("refuses a subdomain another tenant uses as its id, naming both tenants and the fix", () => {
    expect(problemLines(registryProblemsWith(spec({ id: "initech", subdomain: "acme" }), dir))).toEqual([
      `subdomain: tenant initech would be served at acme.<domain>, which tenant acme already uses (its id, ${path.join(dir, "acme.yaml")}); give initech a subdomain no other tenant uses`,
    ]);
  });

  it("refuses a subdomain another tenant uses as its subdomain", () => {
    expect(problemLines(registryProblemsWith(spec({ id: "initech", subdomain: "portal" }), dir))).toEqual([
      expect.stringMatching(
        /^subdomain: tenant initech would be served at portal\.<domain>, which tenant globex already uses \(its subdomain, /,
      ),
    ]);
  });

  it("refuses an id equal to another tenant's subdomain", () => {
    expect(problemLines(registryProblemsWith(spec({ id: "portal" }), dir))).toEqual([
      expect.stringMatching(
        /^id: tenant portal would be served at portal\.<domain>, which tenant globex already uses \(its subdomain, /,
      ),
    ]);
  });

  it("refuses an id whose derived listener priority is another tenant's (tdzfaa and acme), with a free value", () => {
    expect(derivedListenerPriority("tdzfaa")).toBe(derivedListenerPriority("acme"));
    const priority = derivedListenerPriority("acme");
    const problems = registryProblemsWith(spec({ id: "tdzfaa" }), dir);
    expect(problemLines(problems)).toEqual([
      `listenerRulePriority: ${priority} (derived from the id "tdzfaa") is already tenant acme's listener rule priority ` +
        `(${path.join(dir, "acme.yaml")}; ALB rule priorities are unique per listener); give tdzfaa a free listenerRulePriority, e.g. ${priority + 1}`,
    ]);
    // The value it proposes is free: with it the registry loads.
    writeSpec(spec({ id: "tdzfaa", listenerRulePriority: priority + 1 }), dir);
    expect(loadRegistry(dir).map((s) => s.id)).toEqual(["acme", "globex", "tdzfaa"]);
  });

  it("takes a registry directory that does not exist yet as empty", () => {
    expect(registryProblemsWith(spec({ id: "initech" }), path.join(dir, "new"))).toEqual([]);
  });

  it("reports the other files' problems: a collision cannot be ruled out against a broken file", () => {
    write("broken.yaml", "id: [unclosed\n");
    expect(problemLines(registryProblemsWith(spec({ id: "initech" }), dir))).toEqual([
      expect.stringMatching(/^broken\.yaml: not valid YAML: /),
    ]);
  });
});

describe("the loader's bounds (issue 10, item 7)", () => {
  it("refuses a file larger than 64 KiB before parsing it, comments included", () => {
    write("acme.yaml", `${specToYaml(spec())}${"# padding\n".repeat(MAX_SPEC_BYTES / 10 + 1)}`);
    const size = fs.statSync(path.join(dir, "acme.yaml")).size;
    expect(loadProblems()).toEqual([
      `acme.yaml: is ${size} bytes; a spec file is at most 65536 bytes (a spec takes a few hundred)`,
    ]);
  });

  it("parses a file of many keys in linear time and reports a bounded number of problems", () => {
    // 6,000 distinct keys in 64 KiB: the YAML library's own duplicate-key check compares each key
    // with every other one (seconds here, hours at 200,000 keys); the loader's check is one pass.
    const keys = Array.from({ length: 6000 }, (_, i) => `k${i}: 1`).join("\n");
    write("acme.yaml", `${specToYaml(spec())}${keys}\n`);
    const problems = loadProblems();
    expect(problems).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(problems[0]).toMatch(/^acme\.yaml: k0: unknown field; allowed fields: id, displayName/);
    expect(problems[MAX_PROBLEMS_PER_FILE]).toBe(
      `acme.yaml: ${6000 - MAX_PROBLEMS_PER_FILE} more problems not listed (6000 in all)`,
    );
  });

  it("still finds duplicate keys, with their path", () => {
    write("acme.yaml", `${specToYaml(spec({ sizing: { cpu: 512 } }))}tier: trial\n`);
    write(
      "globex.yaml",
      specToYaml(spec({ id: "globex", sizing: { cpu: 512 } })).replace(
        "  cpu: 512",
        "  cpu: 512\n  cpu: 1024",
      ),
    );
    expect(loadProblems()).toEqual([
      "acme.yaml: tier: appears more than once in the same mapping; keep one",
      "globex.yaml: sizing.cpu: appears more than once in the same mapping; keep one",
    ]);
  });

  it("refuses alias bombs", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `b${i}: &b${i} [${Array(10)
            .fill(i === 0 ? "*a" : `*b${i - 1}`)
            .join(", ")}]`,
      ),
    ].join("\n");
    write("acme.yaml", `${bomb}\n`);
    expect(loadProblems()).toEqual([expect.stringMatching(/^acme\.yaml: not valid YAML: .*alias/i)]);
  });

  it("never echoes a huge value in full", () => {
    const huge = "x".repeat(60000);
    write("acme.yaml", specToYaml(spec()).replace("displayName: Acme Corporation", `displayName: ${huge}`));
    const [line, ...rest] = loadProblems();
    expect(rest).toEqual([]);
    expect(line).toMatch(
      /^acme\.yaml: displayName: "x{79}… \(60002 characters\) is not a string of 1 to 100 characters$/,
    );
  });
});

describe("files that look like specs are read or refused, never ignored (issue 10, item 8)", () => {
  it.each([
    "acme.yml",
    "acme.YAML",
    "acme.Yaml",
    "acme.yaml.bak",
    "acme.yaml~",
    "acme.yaml.123.tmp",
    ".acme.yaml",
  ])("%s is a problem, even when valid", (name) => {
    writeSpec(spec({ id: "globex" }), dir);
    write(name, spec());
    expect(loadProblems()).toEqual([
      `${name}: is not read: registry specs are files named <tenant id>.yaml (lowercase .yaml); rename it to acme.yaml if it is a spec, or move it out of the registry`,
    ]);
  });

  it("a directory named like a spec is a problem; other files are left alone", () => {
    fs.mkdirSync(path.join(dir, "acme.yaml"));
    write("README.md", "notes");
    expect(loadProblems()).toEqual(["acme.yaml: is not a regular file"]);
  });
});

describe("messages (issue 10, item 9)", () => {
  it("blames the cpu for enterprise cpu 3072, memory 8192", () => {
    write("acme.yaml", `${specToYaml(spec({ tier: "enterprise" }))}sizing:\n  cpu: 3072\n  memory: 8192\n`);
    expect(loadProblems()).toEqual([
      "acme.yaml: sizing.cpu: 3072 is not a Fargate CPU value; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384",
    ]);
  });

  it("two unknown fields in one file are two problems, each naming the file", () => {
    write("acme.yaml", `${specToYaml(spec())}foo: 1\nbar: 2\n`);
    const problems = loadProblems();
    expect(problems).toEqual([
      expect.stringMatching(/^acme\.yaml: foo: unknown field; allowed fields: /),
      expect.stringMatching(/^acme\.yaml: bar: unknown field; allowed fields: /),
    ]);
    expect(() => loadRegistry(dir)).toThrow(/has 2 problems:/);
  });
});

describe("offboarding's edit of the registry (issue 10, item 2)", () => {
  it("takes the environment out of the tenant's own file even when another file is invalid", () => {
    writeSpec(spec({ environments: ["staging", "production"] }), dir);
    write("globex.yaml", "id: [unclosed\n");
    expect(removeEnvironment("acme", "staging", dir)).toMatchObject({ kind: "environment-removed" });
    expect(readTenantFile("acme", dir).value?.environments).toEqual(["production"]);
    expect(removeEnvironment("acme", "production", dir)).toMatchObject({ kind: "spec-removed" });
    expect(fs.readdirSync(dir)).toEqual(["globex.yaml"]);
  });

  it("throws naming the tenant's own file when that file is invalid", () => {
    write("acme.yaml", "id: [unclosed\n");
    expect(() => removeEnvironment("acme", "staging", dir)).toThrow(/acme\.yaml: not valid YAML/);
    expect(readTenantFile("acme", dir).problems).toHaveLength(1);
  });
});

describe("recording an onboarding once it succeeded (issue 10, item 3)", () => {
  it("takes turns with another run on the tenant's file: waits while that run holds the lock", () => {
    // Another run (staging and production of one tenant finishing at once) between its read and
    // its write: this one waits until it is done, rather than writing over what it writes.
    const other = spawn("sleep", ["1"]);
    fs.writeFileSync(tenantLockPath("acme", dir), JSON.stringify({ pid: other.pid, host: os.hostname() }));
    try {
      expect(recordOnboarded(spec(), undefined, dir)).toMatchObject({ kind: "written" });
      expect(processAlive(other.pid!)).toBe(false);
    } finally {
      other.kill("SIGKILL");
    }
    expect(fs.existsSync(tenantLockPath("acme", dir))).toBe(false);
    // The lock is a dot file: no registry reader takes it for a spec (or for a misnamed one).
    fs.writeFileSync(tenantLockPath("acme", dir), "{}");
    expect(loadRegistry(dir)).toEqual([spec()]);
  });

  it("writes the spec when the file still holds what onboarding started from", () => {
    expect(recordOnboarded(spec(), undefined, dir)).toMatchObject({ kind: "written", spec: spec() });
    const prod = spec({ environments: ["staging", "production"] });
    expect(recordOnboarded(prod, spec(), dir)).toMatchObject({ kind: "written", spec: prod });
    expect(loadRegistry(dir)).toEqual([prod]);
  });

  it("merges the environments when another run only added one meanwhile", () => {
    writeSpec(spec({ environments: ["production"] }), dir);
    expect(recordOnboarded(spec(), undefined, dir)).toMatchObject({
      kind: "written",
      spec: { environments: ["staging", "production"] },
    });
  });

  it("leaves a file changed in anything else as it is, and says what it holds", () => {
    writeSpec(spec({ tier: "trial" }), dir);
    expect(recordOnboarded(spec(), undefined, dir)).toEqual({
      kind: "changed",
      file: path.join(dir, "acme.yaml"),
      current: spec({ tier: "trial" }),
    });
    expect(loadRegistry(dir)[0].tier).toBe("trial");
    write("acme.yaml", "id: [unclosed\n");
    expect(recordOnboarded(spec(), spec({ tier: "trial" }), dir)).toMatchObject({
      kind: "changed",
      current: undefined,
      problems: [expect.objectContaining({ path: "acme.yaml" })],
    });
  });
});
