/**
 * The double's TypeScript loader (fastload.js): a started plugin gets the transpiled file from the
 * cache, and a changed source is transpiled afresh, never served stale. Run in child processes, as
 * the plugin launchers run it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const LOADER = path.join(__dirname, "fastload.js");

describe("fastload", () => {
  let dir: string;
  let cache: string;
  let entry: string;
  const run = () =>
    spawnSync(process.execPath, ["-r", LOADER, entry], {
      encoding: "utf8",
      env: { ...process.env, PLATFORM_TS_CACHE: cache },
    });
  const cached = () =>
    fs.existsSync(cache)
      ? fs.readdirSync(cache, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"))
      : [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fastload-"));
    cache = path.join(dir, "cache");
    entry = path.join(dir, "main.ts");
    fs.writeFileSync(path.join(dir, "helper.ts"), "export const label = (n: number): string => `n=${n}`;\n");
    fs.writeFileSync(
      entry,
      'import { label } from "./helper";\nconst value: number = 1;\nconsole.log(label(value));\n',
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs TypeScript (types stripped, imports between .ts files) and caches each file", () => {
    const first = run();
    expect(first.stderr).toBe("");
    expect(first.stdout.trim()).toBe("n=1");
    expect(cached()).toHaveLength(2);
  });

  it("serves a started file from the cache, without transpiling it again", () => {
    run();
    // Replace the cached output of main.ts: a hit runs what the cache holds.
    for (const f of cached()) {
      const file = path.join(cache, f);
      if (fs.readFileSync(file, "utf8").includes("const value = 1")) {
        fs.writeFileSync(file, 'console.log("from the cache");\n');
      }
    }
    expect(run().stdout.trim()).toBe("from the cache");
  });

  it("transpiles a changed source afresh", () => {
    run();
    fs.writeFileSync(entry, 'import { label } from "./helper";\nconsole.log(label(2));\n');
    expect(run().stdout.trim()).toBe("n=2");
    expect(cached()).toHaveLength(3);
  });

  it("transpiles without type-checking, as ts-node's transpile-only mode did", () => {
    fs.writeFileSync(entry, 'const n: number = "text" as unknown as number;\nconsole.log(typeof n);\n');
    expect(run().stdout.trim()).toBe("string");
  });
});
