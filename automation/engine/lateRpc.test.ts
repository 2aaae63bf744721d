/**
 * The guard against an interrupted inline program's late gRPC rejections: which rejections it
 * ignores, and, in a real Node process, that it keeps the process alive for those and keeps Node's
 * default (the process ends) for every other unhandled rejection.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { isLateRpcRejection } from "./lateRpc";

const grpcError = (code: number, message: string) =>
  Object.assign(new Error(message), { code, details: message, metadata: { internalRepr: new Map() } });

describe("isLateRpcRejection", () => {
  it("is true for gRPC UNAVAILABLE and CANCELLED client errors, and for the SDK's renamed one", () => {
    expect(isLateRpcRejection(grpcError(14, "14 UNAVAILABLE: resource monitor shut down"))).toBe(true);
    expect(isLateRpcRejection(grpcError(1, "1 CANCELLED: Call cancelled"))).toBe(true);
    expect(
      isLateRpcRejection(Object.assign(new Error("Resource monitor is terminating"), { code: 14 })),
    ).toBe(true);
  });

  it("is false for any other error: other gRPC codes, errors without gRPC metadata, non-errors", () => {
    expect(isLateRpcRejection(grpcError(2, "2 UNKNOWN: provider crashed"))).toBe(false);
    expect(isLateRpcRejection(Object.assign(new Error("connect ECONNREFUSED"), { code: 14 }))).toBe(false);
    expect(isLateRpcRejection(Object.assign(new Error("ENOENT"), { code: "ENOENT" }))).toBe(false);
    expect(isLateRpcRejection(new Error("14 UNAVAILABLE: resource monitor shut down"))).toBe(false);
    expect(isLateRpcRejection("UNAVAILABLE")).toBe(false);
    expect(isLateRpcRejection(undefined)).toBe(false);
  });
});

describe("guardLateRpcRejections in a Node process", () => {
  const run = (rejection: string) =>
    spawnSync(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "-e",
        `
        const { guardLateRpcRejections } = require(${JSON.stringify(path.join(__dirname, "lateRpc.ts"))});
        guardLateRpcRejections((line) => console.log("log: " + line));
        guardLateRpcRejections();
        Promise.reject(${rejection});
        setTimeout(() => console.log("still running"), 200);
        `,
      ],
      { encoding: "utf8", cwd: path.join(__dirname, "../.."), timeout: 60_000 },
    );

  it("ignores a late gRPC rejection once, logs one line, and the process goes on", () => {
    const r = run(
      `Object.assign(new Error("14 UNAVAILABLE: resource monitor shut down\\nstack"), { code: 14, metadata: {} })`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      "log: an interrupted program's late call to the engine failed (ignored): 14 UNAVAILABLE: resource monitor shut down",
      "still running",
    ]);
    expect(r.status).toBe(0);
  });

  it("ends the process on any other unhandled rejection, as Node does with no handler", () => {
    const r = run(`new Error("a real bug")`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("a real bug");
    expect(r.stdout).not.toContain("still running");
  });
});
