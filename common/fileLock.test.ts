/**
 * The lock file of short read-compare-write sections, and whether a lock's owner still runs: a zombie (exited, not yet collected by its parent) holds
 * nothing, so a lock it left is stale. A container whose init reaps no orphans keeps the CLI of a
 * killed process group a zombie for ever, and repair must not wait on it.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FileLockTimeoutError, processAlive, withFileLock } from "./fileLock";

describe("processAlive", () => {
  it("is true for a running process, false for an exited one that is still a zombie, false for a gone pid", async () => {
    // `sleep 5` (exec'ed by sh) never collects its child `true`, which stays a zombie until then.
    const parent = spawn("sh", ["-c", "true & echo $!; exec sleep 5"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const zombie = await new Promise<number>((resolve) =>
      parent.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))),
    );
    await new Promise((r) => setTimeout(r, 300));
    try {
      expect(processAlive(parent.pid!)).toBe(true);
      expect(processAlive(zombie)).toBe(false);
      expect(processAlive(process.pid)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
    await new Promise((r) => parent.once("close", r));
    expect(processAlive(parent.pid!)).toBe(false);
  });
});

describe("withFileLock", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-lock-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("holds the lock for the body and removes it after, also when the body throws", () => {
    const lock = path.join(dir, "acme.yaml.lock");
    expect(withFileLock(lock, () => JSON.parse(fs.readFileSync(lock, "utf8")))).toEqual({
      pid: process.pid,
      host: os.hostname(),
    });
    expect(fs.existsSync(lock)).toBe(false);
    expect(() =>
      withFileLock(lock, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("waits for a live owner, then names it", () => {
    const lock = path.join(dir, "acme.yaml.lock");
    const owner = spawn("sleep", ["5"]);
    fs.writeFileSync(lock, JSON.stringify({ pid: owner.pid, host: os.hostname() }));
    try {
      let ran = false;
      const started = Date.now();
      expect(() => withFileLock(lock, () => (ran = true), { timeoutMs: 300 })).toThrow(FileLockTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(ran).toBe(false);
      expect(() => withFileLock(lock, () => 1, { timeoutMs: 50 })).toThrow(
        new RegExp(
          `acme.yaml.lock is held by pid ${owner.pid} on ${os.hostname()} \\(waited \\d+ ms\\); let that command finish`,
        ),
      );
      expect(fs.existsSync(lock)).toBe(true); // a live owner's lock is never removed
    } finally {
      owner.kill("SIGKILL");
    }
  });

  it("takes over the lock of an owner that is gone, and an unreadable one after the wait", () => {
    const lock = path.join(dir, "acme.yaml.lock");
    const gone = spawnSync("true").pid;
    fs.writeFileSync(lock, JSON.stringify({ pid: gone, host: os.hostname() }));
    expect(withFileLock(lock, () => "taken", { timeoutMs: 5000 })).toBe("taken");
    fs.writeFileSync(lock, "{half");
    expect(withFileLock(lock, () => "taken", { timeoutMs: 100 })).toBe("taken");
    expect(fs.existsSync(lock)).toBe(false);
  });
});
