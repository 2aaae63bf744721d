/**
 * `npm run bench:api`: a benchmark (not a test) of the control plane, in one run:
 *
 * 1. reads: p50/p99 latency of `GET /v1/tenants` and `GET /v1/operations/{id}` at 50 concurrent
 *    clients, with 200 tenants in the store (SQLite; the server in its own process);
 * 2. onboarding: the time from `POST /v1/tenants` to `active` for one tenant, beside the CLI's
 *    `tenant onboard` for the same spec, each on a fresh backend on the real engine with the real
 *    programs on the cloud double.
 *
 * The 50 clients run on the same 2 cores as the server; they use Node's `http` module with
 * keep-alive connections (`--client fetch` for undici's fetch, which costs more client CPU per
 * request, and the server's latency pays for it). Both print their CPU per request.
 *
 *   npm run bench:api -- [--tenants 200] [--clients 50] [--requests 3000] [--onboards 2]
 *                        [--reads-only] [--client http|fetch] [--profile <dir>]
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { createDoubleHarness, testSpec } from "../../testing/harness";
import { createToken } from "../auth";
import { api, startService, until } from "../testing/processes";
import { Store } from "../store/store";

const REPO = path.resolve(__dirname, "..", "..", "..");

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Which HTTP client the load generator uses (`--client`). */
type Client = "http" | "fetch";

/**
 * One GET on a keep-alive connection of `agent` with Node's `http` module: about a third of the
 * client CPU of `fetch` (undici's WHATWG streams), which matters when the 50 clients share the
 * server's 2 cores. Resolves with the status once the whole body has arrived.
 */
function httpGet(agent: http.Agent, url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

async function fetchGet(url: string, token: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

async function load(
  label: string,
  clients: number,
  requests: number,
  next: () => string,
  token: string,
  client: Client,
) {
  let sent = 0;
  const latencies: number[] = [];
  let failures = 0;
  // One connection per client, kept alive, as 50 real clients would hold.
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (sent < requests) {
        sent++;
        const t0 = process.hrtime.bigint();
        const status =
          client === "http" ? await httpGet(agent, next(), token) : await fetchGet(next(), token);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status !== 200) failures++;
      }
    }),
  );
  agent.destroy();
  const cpu = process.cpuUsage(cpu0);
  const clientCpuMs = (cpu.user + cpu.system) / 1000 / requests;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(34)} p50 ${percentile(latencies, 50).toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms  ` +
      `(${requests} requests, ${clients} clients, ${(requests / seconds).toFixed(0)} req/s${failures ? `, ${failures} not 200` : ""})`,
  );
  console.log(`${"".padEnd(34)} client CPU ${clientCpuMs.toFixed(2)} ms per request`);
}

async function reads(
  tenants: number,
  clients: number,
  requests: number,
  client: Client,
  profileDir?: string,
) {
  const child = spawn(
    process.execPath,
    [
      // `--profile <dir>`: the server writes a V8 CPU profile there on exit (open it in Chrome's
      // DevTools' Performance panel).
      ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profileDir)}`] : []),
      require.resolve("ts-node/dist/bin.js"),
      "--transpile-only",
      path.join(__dirname, "readServer.ts"),
      String(tenants),
    ],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c) => {
      out += c;
      const m = /READY .*\n/.exec(out);
      if (m) resolve(m[0]);
    });
    child.on("exit", (code) => reject(new Error(`the read server exited (${code})`)));
  });
  const [, url, token, ...ops] = line.trim().split(" ");
  let cpuLines = "";
  child.stdout!.on("data", (c) => (cpuLines += c));
  /** The server's CPU time so far, µs. */
  const serverCpu = async (): Promise<number> => {
    const before = cpuLines.length;
    child.kill("SIGUSR2");
    for (let i = 0; i < 100; i++) {
      const m = /CPU (\d+)\n/.exec(cpuLines.slice(before));
      if (m) return Number(m[1]);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("the read server did not report its CPU time");
  };
  const measured = async (label: string, next: () => string) => {
    const cpu0 = await serverCpu();
    await load(label, clients, requests, next, token, client);
    const cpu = (await serverCpu()) - cpu0;
    console.log(`${"".padEnd(34)} server CPU ${(cpu / requests / 1000).toFixed(2)} ms per request`);
  };
  try {
    console.log(
      `reads: ${tenants} tenants in a SQLite store, server in its own process, clients on Node's ${client === "http" ? "http module" : "fetch"}`,
    );
    // Warm-up (JIT, connections), not measured.
    await load("warm-up", clients, 500, () => `${url}/v1/tenants`, token, client);
    await measured("GET /v1/tenants (default page, 50)", () => `${url}/v1/tenants`);
    let i = 0;
    await measured("GET /v1/operations/{id}", () => `${url}/v1/operations/${ops[i++ % ops.length]}`);
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

async function cliOnboard(id: string): Promise<{ wall: number; engine: number }> {
  const h = await createDoubleHarness(`bench-cli-${id}`);
  try {
    const registry = fs.mkdtempSync(path.join(os.tmpdir(), "bench-registry-"));
    const t0 = process.hrtime.bigint();
    const r = spawnSync(
      process.execPath,
      [
        require.resolve("ts-node/dist/bin.js"),
        "--transpile-only",
        "automation/cli/tenant.ts",
        "onboard",
        id,
        "--env",
        "staging",
        "--tier",
        "trial",
        "--owner",
        "platform-team@example.com",
        "--cost-center",
        "cc-1001",
        "--data-classification",
        "internal",
        "--image-tag",
        "1.0.0",
        "--display-name",
        `Tenant ${id}`,
        "--registry",
        registry,
        "--json",
      ],
      { cwd: REPO, env: { ...h.cliEnv, PULUMI_ROOT: process.env.PULUMI_ROOT }, encoding: "utf8" },
    );
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`tenant onboard failed (${r.status}): ${r.stderr}`);
    // `--json` prints `{ ok, exitCode, result }`; the result is the library's outcome.
    const engine = (JSON.parse(r.stdout) as { result: { durationMs: number } }).result.durationMs / 1000;
    fs.rmSync(registry, { recursive: true, force: true });
    return { wall, engine };
  } finally {
    h.cleanup();
  }
}

async function apiOnboard(id: string): Promise<{ wall: number; engine: number }> {
  const h = await createDoubleHarness(`bench-api-${id}`, ["staging", "production"]);
  const dataDir = path.join(h.dir, "control");
  const store = await Store.open({ dataDir });
  const token = (await createToken(store.db, { name: "bench", role: "admin" })).token;
  await store.close();
  const service = await startService(h, { PLATFORM_DATA_DIR: dataDir });
  try {
    // One onboarding first, so the service's one-time costs (CLI version check) are not counted.
    const warm = await api(service.url, token, "POST", "/v1/tenants", { spec: testSpec(`${id}-warm`) });
    await until("warm-up", async () =>
      (await api(service.url, token, "GET", `/v1/operations/${warm.body.id}`)).body.finishedAt
        ? true
        : undefined,
    );
    const t0 = process.hrtime.bigint();
    const r = await api(service.url, token, "POST", "/v1/tenants", { spec: testSpec(id) });
    const done = await until("active", async () => {
      const t = await api(service.url, token, "GET", `/v1/tenants/${id}`);
      return t.body.environments?.[0]?.state === "active" ? true : undefined;
    });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    void done;
    const op = await api(service.url, token, "GET", `/v1/operations/${r.body.id}`);
    return { wall, engine: (op.body.result.durationMs as number) / 1000 };
  } finally {
    service.child.kill("SIGTERM");
    await service.exited;
    h.cleanup();
  }
}

async function main(): Promise<void> {
  const o = new Command("bench:api")
    .option("--tenants <n>", "tenants in the store", "200")
    .option("--clients <n>", "concurrent clients", "50")
    .option("--requests <n>", "requests per endpoint", "3000")
    .option("--onboards <n>", "onboardings of each kind (API and CLI)", "2")
    .option("--reads-only", "measure the reads only")
    .option("--profile <dir>", "write the read server's CPU profile (V8 .cpuprofile) to this directory")
    .option("--client <http|fetch>", "the load generator's HTTP client (http: keep-alive http.Agent)", "http")
    .parse(process.argv)
    .opts<{
      tenants: string;
      clients: string;
      requests: string;
      onboards: string;
      readsOnly?: boolean;
      profile?: string;
      client: string;
    }>();
  const [tenants, clients, requests, onboards] = [o.tenants, o.clients, o.requests, o.onboards].map(Number);
  if (![tenants, clients, requests, onboards].every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error("--tenants, --clients, --requests and --onboards must be whole numbers of at least 1");
  }
  if (o.client !== "http" && o.client !== "fetch") {
    throw new Error(`--client ${JSON.stringify(o.client)} is not one of http, fetch`);
  }
  console.log(`bench:api on ${os.cpus().length} CPUs, Node ${process.version}`);
  await reads(tenants, clients, requests, o.client, o.profile);
  if (o.readsOnly) return;
  if (!process.env.PULUMI_ROOT) {
    const setup = spawnSync("bash", ["scripts/setup-pulumi.sh"], {
      cwd: REPO,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (setup.status !== 0)
      throw new Error("scripts/setup-pulumi.sh could not provide the Pulumi CLI (see above)");
    process.env.PULUMI_ROOT = setup.stdout.trim().split("\n").pop();
  }
  console.log(
    `onboarding one tenant on the real engine and programs (cloud double), ${onboards} run(s) each, alternating:`,
  );
  const cli: { wall: number; engine: number }[] = [];
  const viaApi: { wall: number; engine: number }[] = [];
  for (let i = 0; i < onboards; i++) {
    viaApi.push(await apiOnboard(`bench-api-${i}`));
    cli.push(await cliOnboard(`bench-cli-${i}`));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const a = mean(viaApi.map((x) => x.wall));
  const c = mean(cli.map((x) => x.wall));
  console.log(
    `  API  POST → active: ${a.toFixed(2)} s (engine ${mean(viaApi.map((x) => x.engine)).toFixed(2)} s)  runs: ${viaApi.map((x) => x.wall.toFixed(2)).join(", ")}`,
  );
  console.log(
    `  CLI  tenant onboard (process start to exit): ${c.toFixed(2)} s (engine ${mean(cli.map((x) => x.engine)).toFixed(2)} s)  runs: ${cli.map((x) => x.wall.toFixed(2)).join(", ")}`,
  );
  console.log(`  API / CLI: ${((a / c) * 100).toFixed(0)} % (goal: within 110 %)`);
}

main().catch((error) => {
  console.error(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
