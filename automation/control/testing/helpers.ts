/**
 * Test support: an instance on a temporary SQLite store over the library's fake engine
 * (automation/tests/fakeEngine.ts: no CLI, no program), tokens of every role, and small helpers.
 * The e2e suite runs the same instance on the real engine.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TenantService } from "../../service";
import { FakeEngine } from "../../testing/fakeEngine";
import { createToken, Role } from "../auth";
import { createInstance, Instance, InstanceOptions } from "../instance";
import { Store } from "../store/store";

/** A valid spec body. */
export function specBody(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    displayName: `Tenant ${id}`,
    tier: "trial",
    environments: ["staging", "production"],
    owner: "platform-team@example.com",
    costCenter: "cc-1001",
    dataClassification: "internal",
    imageTag: "1.0.0",
    ...overrides,
  };
}

/** One test instance. */
export interface TestInstance {
  readonly dir: string;
  readonly engine: FakeEngine;
  readonly instance: Instance;
  readonly store: Store;
  /** Tokens by role, plus `scoped` (operator scoped to tenant `other`). */
  readonly tokens: Record<Role | "scoped", string>;
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** Sends a request through Fastify's inject. */
  call(
    method: string,
    url: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  /** Waits until the operation has ended; returns it. */
  waitFor(operationId: string, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

/** Creates an instance on a fresh store (or `dir`'s). */
export async function testInstance(
  opts: Partial<InstanceOptions> & { dir?: string; engine?: FakeEngine; background?: boolean } = {},
): Promise<TestInstance> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "control-unit-"));
  const engine = opts.engine ?? new FakeEngine();
  const store = await Store.open({ dataDir: dir });
  const service = opts.service ?? new TenantService({ engine, program: () => async () => undefined });
  const instance = await createInstance({
    store,
    service,
    worker: { pollMs: 50, leaseMs: 1500, ...opts.worker },
    server: opts.server,
    webhooks: { pollMs: 50, ...opts.webhooks },
    instanceId: opts.instanceId,
    checks: opts.checks,
    environment: opts.environment,
  });
  if (opts.background !== false) instance.startBackground();
  const tokens = {} as Record<Role | "scoped", string>;
  for (const role of ["admin", "operator", "ci", "viewer"] as Role[]) {
    tokens[role] = (await createToken(store.db, { name: `${role}-token`, role })).token;
  }
  tokens.scoped = (
    await createToken(store.db, { name: "scoped-token", role: "operator", tenants: ["other"] })
  ).token;
  // Real HTTP on a loopback port (Fastify's inject pulls in an ESM-only dependency Jest cannot load).
  const base = await instance.listen("127.0.0.1", 0);
  const call: TestInstance["call"] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const token = o.token === undefined ? tokens.admin : o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined = o.raw;
    if (o.body !== undefined) {
      payload = JSON.stringify(o.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${base}${url}`, { method, headers, body: payload });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, headers: Object.fromEntries(res.headers.entries()), text };
  };
  return {
    dir,
    base,
    engine,
    instance,
    store,
    tokens,
    call,
    async waitFor(id, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await call("GET", `/v1/operations/${id}`);
        if (["succeeded", "failed", "cancelled"].includes(r.body?.status)) return r.body;
        if (Date.now() > until) throw new Error(`operation ${id} did not end: ${JSON.stringify(r.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      await instance.stop(2000);
    },
  };
}

/** Removes a test directory. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
