/**
 * The server half of `npm run bench:api` (a separate process, so the 50 clients do not share its
 * event loop): a SQLite store seeded with N tenants and their operations, an admin token, and the
 * API listening on a loopback port; prints `READY <url> <token> <operation ids...>`. Operations are
 * not run (no worker); reads are what is measured.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TenantService } from "../../service";
import { createToken } from "../auth";
import { ControlPlane } from "../core";
import { createInstance } from "../instance";
import { silenceSqliteWarning } from "../main";
import { claimNext, finishOperation } from "../store/operations";
import { Store } from "../store/store";
import { Engine } from "../../engine/types";

/** An engine that refuses everything: this process never runs an operation. */
const NO_ENGINE = new Proxy({} as Engine, {
  get: () => () => Promise.reject(new Error("the read benchmark runs no operation")),
});

async function main() {
  silenceSqliteWarning();
  const tenants = Number(process.argv[2] ?? "200");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-api-"));
  const store = await Store.open({ dataDir: dir });
  const control = new ControlPlane(store, "bench-seed");
  const ids: string[] = [];
  for (let i = 0; i < tenants; i++) {
    const id = `bench-${String(i).padStart(4, "0")}`;
    const spec = {
      id,
      displayName: `Bench ${i}`,
      tier: ["trial", "standard", "enterprise"][i % 3],
      environments: ["staging"],
      owner: "bench@example.com",
      costCenter: "cc-1",
      dataClassification: "internal",
      imageTag: "1.0.0",
    };
    const r = await control.request({
      kind: "onboard",
      tenant: id,
      environment: "staging",
      spec,
      storeSpec: true,
      requestedBy: "bench",
    });
    const op = (await claimNext(store.db, { owner: "bench-seed", leaseMs: 60_000, kinds: "stack" }))!;
    await control.started(store.db, op);
    await finishOperation(store.db, op, "bench-seed", "succeeded", {
      result: { outputs: { endpoint: `https://${id}.example.com` } },
    });
    await control.finished(store.db, op, { ok: true, outputs: { endpoint: `https://${id}.example.com` } });
    ids.push(r.operation.id);
  }
  const { token } = await createToken(store.db, { name: "bench", role: "admin" });
  const instance = await createInstance({
    store,
    service: new TenantService({ engine: NO_ENGINE, program: () => async () => undefined }),
    server: { rateLimit: { max: 10_000_000, windowMs: 60_000 } },
  });
  const url = await instance.listen("127.0.0.1", 0);
  process.stdout.write(`READY ${url} ${token} ${ids.join(" ")}\n`);
  // The bench asks for the CPU time spent so far: per-request CPU cost holds on a busy machine,
  // where latencies measure the neighbours too.
  process.on("SIGUSR2", () => {
    const u = process.cpuUsage();
    process.stdout.write(`CPU ${u.user + u.system}\n`);
  });
  process.on("SIGTERM", () => {
    void instance.stop(0).then(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
