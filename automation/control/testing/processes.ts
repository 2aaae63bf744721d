/**
 * e2e support: the control plane as a separate process (`automation/control/main.ts`, what
 * `npm start` runs) on a harness's backend, so a test can kill it with SIGKILL and start it again.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import type { DoubleHarness } from "../../testing/harness";
import { listProgress } from "../store/events";
import { Store } from "../store/store";

const REPO = path.resolve(__dirname, "..", "..", "..");

/** A running service process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves when it exited. */
  readonly exited: Promise<number | null>;
  /**
   * kill -9 of the service and everything it started (its process group: the Pulumi CLI and the
   * provider plugins), as when its machine or container dies; resolves once it exited.
   */
  crash(): Promise<void>;
}

/**
 * Starts the service on the harness's backend and cloud double (the real programs, as `npm start`
 * runs them); resolves once it listens.
 */
export async function startService(
  h: Pick<DoubleHarness, "cliEnv">,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "automation/control/main.ts"],
    {
      cwd: REPO,
      env: {
        ...h.cliEnv,
        PULUMI_ROOT: process.env.PULUMI_ROOT,
        HOST: "127.0.0.1",
        PORT: "0",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so crash() can kill the CLI and the plugins with it.
      detached: true,
    },
  );
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start in 180 s:\n${out}`)), 180_000);
    const check = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}) before listening:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    exited,
    async crash() {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

/** Calls the API. */
export async function api(
  url: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Waits until `check` returns a value (polling). */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until the engine has started (`phase: start`) a resource of `type` in the operation, as
 * the progress records in the store show (a SQLite store under `dataDir`, or `store`).
 */
export async function untilResourceStarts(
  where: { dataDir: string } | { store: Store },
  operationId: string,
  type: string,
  timeoutMs = 240_000,
): Promise<void> {
  const store = "store" in where ? where.store : await Store.open({ dataDir: where.dataDir });
  try {
    let after = 0;
    await until(
      `${type} to start in ${operationId}`,
      async () => {
        const records = await listProgress(store.db, operationId, after);
        after = records[records.length - 1]?.id ?? after;
        return records.some(
          (r) =>
            r.type === "resource" && r.data.phase === "start" && String(r.data.urn).includes(`${type}::`),
        )
          ? true
          : undefined;
      },
      timeoutMs,
    );
  } finally {
    if (!("store" in where)) await store.close();
  }
}
