/**
 * What clients follow: the SSE progress stream (order, resuming with Last-Event-ID), signed
 * webhooks (the signature verifies, a failing receiver is retried with backoff, the delivery log
 * shows what was sent), /metrics and /readyz.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { verifyWebhook } from "./webhooks";
import { removeDir, specBody, testInstance, TestInstance } from "./testing/helpers";

let t: TestInstance;

afterEach(async () => {
  await t.close();
  removeDir(t.dir);
});

/** Reads an SSE stream to its end: [id, event, data] of each message. */
async function readStream(base: string, path: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((b) => b.includes("data: "))
    .map((b) => {
      const get = (k: string) =>
        b
          .split("\n")
          .find((l) => l.startsWith(`${k}: `))
          ?.slice(k.length + 2);
      return { id: get("id"), event: get("event"), data: JSON.parse(get("data") ?? "null") };
    });
}

describe("SSE", () => {
  it("streams the progress in order, ends with `end`, and resumes after Last-Event-ID", async () => {
    t = await testInstance();
    const r = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    const all = await readStream(t.base, `/v1/operations/${r.body.id}/events`, t.tokens.viewer);
    expect(
      all.map(
        (m) => `${m.event}${m.data.status ? `:${m.data.status}` : m.data.name ? `:${m.data.name}` : ""}`,
      ),
    ).toEqual(["status:running", "resource:service", "resource:db", "status:succeeded", "end:succeeded"]);
    const ids = all.filter((m) => m.id).map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const resumed = await readStream(t.base, `/v1/operations/${r.body.id}/events`, t.tokens.viewer, {
      "last-event-id": String(ids[1]),
    });
    expect(resumed.map((m) => m.id).filter(Boolean)).toEqual(ids.slice(2).map(String));
  });
});

describe("webhooks", () => {
  it("signs every delivery, retries a failing receiver with backoff, and logs what was sent", async () => {
    t = await testInstance({ webhooks: { pollMs: 50, baseDelayMs: 100, maxDelayMs: 400 } });
    const received: { headers: http.IncomingHttpHeaders; body: string; at: number }[] = [];
    let failuresLeft = 2;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body, at: Date.now() });
        if (failuresLeft-- > 0) {
          res.writeHead(503).end();
        } else {
          res.writeHead(204).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const created = await t.call("POST", "/v1/webhooks", {
        body: { url, events: ["operation.succeeded"] },
      });
      expect(created.status).toBe(201);
      const secret = created.body.secret as string;
      expect(secret).toMatch(/^whsec_/);
      expect((await t.call("GET", "/v1/webhooks")).body.items[0].secret).toBeUndefined();
      const r = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
      await t.waitFor(r.body.id);
      const until = Date.now() + 10_000;
      while (received.length < 3 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
      expect(received).toHaveLength(3);
      // The same event, signed each time; the signature verifies, and fails for another body or key.
      for (const d of received) {
        expect(verifyWebhook(secret, d.headers, d.body)).toBe(true);
        expect(verifyWebhook(secret, d.headers, d.body.replace("acme", "evil"))).toBe(false);
        expect(verifyWebhook("whsec_other", d.headers, d.body)).toBe(false);
        expect(JSON.parse(d.body)).toMatchObject({
          type: "operation.succeeded",
          tenant: "acme",
          operationId: r.body.id,
        });
      }
      // Backoff: each retry waits at least half its delay (equal jitter; base 100 ms, doubling).
      expect(received[1].at - received[0].at).toBeGreaterThanOrEqual(50);
      expect(received[2].at - received[1].at).toBeGreaterThanOrEqual(100);
      const log = (await t.call("GET", `/v1/webhooks/${created.body.id}/deliveries`)).body.items;
      expect(log).toEqual([
        expect.objectContaining({
          status: "delivered",
          attempts: 3,
          lastStatus: 204,
          body: received[2].body,
        }),
      ]);
    } finally {
      server.close();
    }
  });

  it("gives up after the last attempt and says why", async () => {
    t = await testInstance({ webhooks: { pollMs: 50, baseDelayMs: 50, maxDelayMs: 50, maxAttempts: 2 } });
    const created = await t.call("POST", "/v1/webhooks", {
      body: { url: "http://127.0.0.1:9/nothing-listens" },
    });
    const r = await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } });
    await t.waitFor(r.body.id);
    const until = Date.now() + 10_000;
    let log: { status: string; attempts: number; lastError?: string }[] = [];
    while (Date.now() < until) {
      log = (await t.call("GET", `/v1/webhooks/${created.body.id}/deliveries`)).body.items;
      if (log.length > 0 && log.every((d) => d.status === "failed")) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(log.length).toBeGreaterThan(0);
    expect(
      log.every((d) => d.status === "failed" && d.attempts === 2 && /not delivered/.test(d.lastError ?? "")),
    ).toBe(true);
  });
});

describe("service routes", () => {
  it("serves Prometheus metrics: operations by kind and result, durations, queue depth, HTTP requests", async () => {
    t = await testInstance();
    await t.waitFor((await t.call("POST", "/v1/tenants", { body: { spec: specBody("acme") } })).body.id);
    const m = await t.call("GET", "/metrics", { token: t.tokens.viewer });
    expect(m.status).toBe(200);
    expect(m.headers["content-type"]).toMatch(/^text\/plain/);
    expect(m.text).toMatch(/platform_operations_total\{kind="onboard",result="succeeded"\} 1/);
    expect(m.text).toMatch(/platform_operation_duration_seconds_count\{kind="onboard"\} 1/);
    expect(m.text).toMatch(/platform_queue_depth\{status="queued"\} 0/);
    expect(m.text).toMatch(
      /platform_http_requests_total\{method="POST",route="\/v1\/tenants",status="202"\} 1/,
    );
  });

  it("is ready only when every check passes", async () => {
    let cli = "ok";
    t = await testInstance({ checks: async () => ({ pulumi: cli }) });
    expect((await t.call("GET", "/readyz")).body).toEqual({
      ready: true,
      checks: { store: "ok", pulumi: "ok" },
    });
    cli = "no CLI at /nowhere/bin/pulumi";
    const r = await t.call("GET", "/readyz");
    expect(r.status).toBe(503);
    expect(r.body.detail).toBe("pulumi: no CLI at /nowhere/bin/pulumi");
    expect((await t.call("GET", "/healthz", { token: null })).body).toEqual({ status: "ok" });
  });
});
