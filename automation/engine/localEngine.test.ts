/**
 * orphanedPlugins over a fake /proc: the plugin processes of this backend whose `pulumi` is gone,
 * in the shapes the engine starts them (the double's launcher, the policy pack's serve-pack.js).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { orphanedPlugins } from "./localEngine";

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
