/**
 * policies/serve-pack.js, the entry policies/run-policy-pack starts for the engine: a pack that
 * fails to load must end the process with a non-zero code (as the SDK's own entry does), or the
 * engine would take a broken pack for one that passed. (Its happy path is policies/pack.e2e.test.ts.)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SERVE = path.join(__dirname, "serve-pack.js");

describe("serve-pack.js", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "serve-pack-"));
    fs.writeFileSync(path.join(dir, "index.js"), 'throw new Error("the pack is broken");\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exits non-zero, saying why, when the pack throws as it loads", () => {
    const run = spawnSync(process.execPath, [SERVE, "127.0.0.1:1", dir], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    expect(run.stderr).toContain("the pack is broken");
  });

  it("refuses to start without the engine's address and the pack", () => {
    const run = spawnSync(process.execPath, [SERVE], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("usage: serve-pack.js <engine-address> <compiled pack directory>");
  });
});
