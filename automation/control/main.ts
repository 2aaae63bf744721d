/**
 * `npm start`: the control plane on HOST:PORT (127.0.0.1:8080) with the embedded default: the
 * SQLite store under PLATFORM_DATA_DIR (`.platform/`), the local file backend, and the real
 * programs on the cloud double (PLATFORM_CLOUD=aws for AWS). DATABASE_URL switches the store to Postgres (several
 * instances share the queue). SIGTERM (or SIGINT) stops taking work, waits up to PLATFORM_DRAIN_MS
 * for running operations and leaves the rest resumable.
 */
import { activeTokenCount } from "./auth";
import { readControlConfig } from "./config";
import { embedded } from "./embedded";
import { createInstance } from "./instance";
import { Store } from "./store/store";
import { cloudBanner, resolveSettings, SettingsError } from "../settings";
import { guardLateRpcRejections } from "../engine/lateRpc";

/** Where the service writes. */
export interface ServiceIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs the service until a signal; resolves with the exit code. */
export async function main(io: ServiceIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = readControlConfig(env);
  if (parsed.problems) {
    io.err(
      `control plane settings are invalid:\n  - ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join("\n  - ")}`,
    );
    return 2;
  }
  const config = parsed.config;
  let settings;
  try {
    settings = resolveSettings({}, env);
  } catch (error) {
    if (error instanceof SettingsError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
  const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const banner = cloudBanner(settings);
  if (banner) io.out(banner);
  const engine = await embedded(settings, io.out);
  const instance = await createInstance({
    store,
    service: engine.service,
    worker: { concurrency: config.concurrency, leaseMs: config.leaseMs },
    server: { bodyLimit: config.bodyLimit, rateLimit: { max: config.rateLimit, windowMs: 60_000 } },
    checks: engine.checks,
    environment: engine.environment,
    ...(config.driftSchedule ? { driftSchedule: { remediate: config.driftRemediate } } : {}),
    rollouts: { probe: engine.probe },
    log: io.err,
  });
  const url = await instance.listen(config.host, config.port);
  instance.startBackground();
  io.out(
    `control plane ${instance.id} listening on ${url} (store: ${store.dialect} ${store.location}; cloud: ${settings.cloud})`,
  );
  io.out(`console: ${url}/   API: ${url}/v1   OpenAPI: ${url}/openapi.json`);
  io.out(
    config.driftSchedule
      ? `drift schedule: on (per tier; remediation for ${config.driftRemediate.join(", ") || "no tenant"}); PLATFORM_DRIFT_SCHEDULE=off turns it off`
      : "drift schedule: off (PLATFORM_DRIFT_SCHEDULE=off)",
  );
  if ((await activeTokenCount(store.db)) === 0) {
    io.out(
      "no API token exists yet; create the first admin token with:\n" +
        "  npm run tokens -- create --name admin --role admin\n" +
        "(it is printed once; the store keeps only its hash)",
    );
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      io.out(
        `${signal}: draining (up to ${config.drainMs} ms for ${instance.worker.active} running operation(s))`,
      );
      instance
        .stop(config.drainMs)
        .then((r) => {
          io.out(`stopped: ${r.finished} finished, ${r.requeued} left queued to resume`);
          resolve(0);
        })
        .catch((error) => {
          io.err(`stopping failed: ${(error as Error).message}`);
          resolve(1);
        });
    };
    // `on`, not `once`: execa (under the Automation API) hooks signals through signal-exit, which
    // re-raises a signal once no other listener is left, and that would kill the drain.
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}

if (require.main === module) {
  silenceSqliteWarning();
  guardLateRpcRejections((line) => process.stderr.write(`${line}\n`));
  main({ out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) })
    .then((code) => process.exit(code))
    .catch((error) => {
      process.stderr.write(`control plane failed to start: ${(error as Error).stack}\n`);
      process.exit(1);
    });
}

/** node:sqlite warns that it is experimental on every start; the rest of the warnings stay. */
export function silenceSqliteWarning(): void {
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    return (emit as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
