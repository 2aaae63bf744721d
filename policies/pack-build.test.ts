/**
 * The compiled pack is what the engine runs, so a stale one must never be served: the stamp covers
 * every source file tsc read, the tsconfigs and the lockfile, and `ensure` rebuilds when any of
 * them differs. Run on a copy of the pack and common/ in a temporary directory.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");

jest.setTimeout(240_000);

let root: string;
let pack: { staleness(): string | undefined; ensure(): void; ENTRY: string };

function copy(relative: string): void {
  fs.cpSync(path.join(REPO, relative), path.join(root, relative), {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}dist`) && !src.endsWith(".test.ts"),
  });
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pack-build-"));
  for (const f of ["policies", "common", "offline", "package.json", "package-lock.json", "tsconfig.json"]) {
    copy(f);
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
  execFileSync(process.execPath, [path.join(root, "policies", "pack-build.js"), "build"], { stdio: "pipe" });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  pack = require(path.join(root, "policies", "pack-build.js"));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the compiled policy pack", () => {
  it("is fresh right after a build, and serves a JavaScript entry that lists every policy", () => {
    expect(pack.staleness()).toBeUndefined();
    const stamp = JSON.parse(fs.readFileSync(path.join(root, "policies", "dist", "BUILD.json"), "utf8"));
    expect(Object.keys(stamp.inputs)).toEqual(
      expect.arrayContaining([
        "package-lock.json",
        "tsconfig.json",
        "policies/tsconfig.build.json",
        "policies/index.ts",
        "policies/registry.ts",
        "common/tiers.ts",
      ]),
    );
    expect(fs.existsSync(pack.ENTRY)).toBe(true);
    expect(fs.readFileSync(path.join(root, "policies", "dist", "policies", "registry.js"), "utf8")).toContain(
      "ALL_POLICIES",
    );
  });

  it("stays fresh when a file is rewritten with the same content", () => {
    const file = path.join(root, "policies", "registry.ts");
    fs.writeFileSync(file, fs.readFileSync(file));
    expect(pack.staleness()).toBeUndefined();
  });

  it("is stale when a policy, a shared module or the lockfile changes, naming the file", () => {
    const tiers = path.join(root, "common", "tiers.ts");
    const original = fs.readFileSync(tiers, "utf8");
    fs.appendFileSync(tiers, "\n// changed\n");
    expect(pack.staleness()).toBe("changed since the last build: common/tiers.ts");
    fs.writeFileSync(tiers, original);
    expect(pack.staleness()).toBeUndefined();
    fs.appendFileSync(path.join(root, "package-lock.json"), "\n");
    expect(pack.staleness()).toBe("changed since the last build: package-lock.json");
  });

  it("is stale when the build is missing", () => {
    const stamp = path.join(root, "policies", "dist", "BUILD.json");
    const saved = fs.readFileSync(stamp);
    fs.rmSync(stamp);
    expect(pack.staleness()).toBe("no compiled pack (policies/dist/BUILD.json is missing)");
    fs.writeFileSync(stamp, saved);
  });

  it("ensure rebuilds a stale pack, and the rebuilt pack carries the change", () => {
    const policy = path.join(root, "policies", "registry.ts");
    fs.appendFileSync(policy, '\nexport const BUILD_PROBE = "rebuilt";\n');
    expect(pack.staleness()).toMatch(/policies\/registry\.ts/);
    pack.ensure();
    expect(pack.staleness()).toBeUndefined();
    expect(fs.readFileSync(path.join(root, "policies", "dist", "policies", "registry.js"), "utf8")).toContain(
      'exports.BUILD_PROBE = "rebuilt"',
    );
  });

  it("refuses to build a pack that does not type-check, and keeps reporting it stale", () => {
    fs.appendFileSync(
      path.join(root, "policies", "registry.ts"),
      "\nexport const broken: number = 'text';\n",
    );
    expect(() => pack.ensure()).toThrow(/Command failed/);
    expect(pack.staleness()).toMatch(/policies\/registry\.ts/);
  });
});
