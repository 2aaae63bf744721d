/**
 * Whether a lock's owner still runs: a zombie (exited, not yet collected by its parent) holds
 * nothing, so a lock it left is stale. A container whose init reaps no orphans keeps the CLI of a
 * killed process group a zombie for ever, and repair must not wait on it.
 */
import { spawn } from "child_process";
import { processAlive } from "./recovery";

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
