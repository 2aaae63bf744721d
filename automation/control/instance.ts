/**
 * One control-plane instance: store, control plane, worker, webhook dispatcher and HTTP server,
 * assembled from one seam, the {@link TenantService} it is given (the real engine with the
 * embedded program, the cloud double, or the fake engine in unit tests).
 */
import { shardCountOf } from "../../common/ingress";
import * as crypto from "crypto";
import * as os from "os";
import type { FastifyInstance } from "fastify";
import type { TenantService } from "../service";
import type { EnvironmentInfo } from "./api/context";
import { buildServer, ServerOptions } from "./api/server";
import { ControlPlane } from "./core";
import { ControlDriftScheduler, DriftScheduleOptions } from "./driftSchedule";
import { ControlRolloutOptions, ControlRollouts } from "./rollouts";
import { ControlRolloutStore } from "./store/rollouts";
import { createMetrics, Metrics } from "./metrics";
import type { Store } from "./store/store";
import { DispatcherOptions, WebhookDispatcher } from "./webhooks";
import { Worker, WorkerOptions } from "./worker";

/** What an instance is built from. */
export interface InstanceOptions {
  readonly store: Store;
  readonly service: TenantService;
  /** @default `<hostname>-<pid>-<random>` */
  readonly instanceId?: string;
  readonly worker?: WorkerOptions;
  readonly server?: ServerOptions;
  readonly webhooks?: DispatcherOptions;
  /** Checks beyond the store's (the Pulumi CLI): name → problem, or "ok". */
  readonly checks?: () => Promise<Record<string, string>>;
  /** The base stack of an environment. @default none (404) */
  readonly environment?: (env: string) => Promise<EnvironmentInfo | undefined>;
  /**
   * Drift on a schedule (driftSchedule.ts), started with the background work; `npm start` turns it
   * on unless PLATFORM_DRIFT_SCHEDULE=off.
   * @default off
   */
  readonly driftSchedule?: DriftScheduleOptions;
  /** Rollouts through the API (`/v1/rollouts`); without them those routes answer 503. */
  readonly rollouts?: ControlRolloutOptions;
  readonly log?: (line: string) => void;
}

/** A running (or ready to run) instance. */
export interface Instance {
  readonly id: string;
  readonly app: FastifyInstance;
  readonly control: ControlPlane;
  readonly worker: Worker;
  readonly dispatcher: WebhookDispatcher;
  readonly metrics: Metrics;
  /** The rollouts, when the instance runs them. */
  readonly rollouts?: ControlRollouts;
  /** The drift scheduler, when it is on. */
  readonly drift?: ControlDriftScheduler;
  /** Starts the worker, the dispatcher and the drift scheduler. */
  startBackground(): void;
  /** Listens; returns the base URL. */
  listen(host: string, port: number): Promise<string>;
  /**
   * Stops taking requests and operations, waits up to `deadlineMs` for running ones and leaves the
   * rest resumable; closes the store.
   */
  stop(deadlineMs: number): Promise<{ finished: number; requeued: number }>;
}

/** Assembles an instance. */
export async function createInstance(o: InstanceOptions): Promise<Instance> {
  const id = o.instanceId ?? `${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString("hex")}`;
  const log = o.log ?? (() => undefined);
  const control = new ControlPlane(o.store, id, o.worker?.leaseMs);
  const metrics = createMetrics(o.store);
  const worker = new Worker(control, o.service, { ...o.worker, log, metrics });
  const dispatcher = new WebhookDispatcher(o.store, { ...o.webhooks, log });
  const rollouts = o.rollouts
    ? new ControlRollouts(control, await ControlRolloutStore.open(o.store.db, id, log), o.service, {
        log,
        ...o.rollouts,
      })
    : undefined;
  const drift = o.driftSchedule ? new ControlDriftScheduler(control, { log, ...o.driftSchedule }) : undefined;
  const app = await buildServer(
    {
      control,
      metrics,
      readiness: async () => {
        const checks: Record<string, string> = {};
        try {
          await o.store.ping();
          checks.store = "ok";
        } catch (error) {
          checks.store = `unreachable: ${(error as Error).message}`;
        }
        Object.assign(checks, o.checks ? await o.checks() : {});
        return { ready: Object.values(checks).every((c) => c === "ok"), checks };
      },
      environment: o.environment ?? (async () => undefined),
      ingressShards: shardCounter(o.environment),
      rollouts,
    },
    { ...o.server, log },
  );
  let started = false;
  return {
    id,
    app,
    control,
    worker,
    dispatcher,
    metrics,
    drift,
    rollouts,
    startBackground() {
      if (started) return;
      started = true;
      worker.start();
      dispatcher.start();
      drift?.start();
    },
    async listen(host, port) {
      return app.listen({ host, port });
    },
    async stop(deadlineMs) {
      dispatcher.stop();
      drift?.stop();
      rollouts?.stop();
      const closing = app.close();
      const drained = await worker.stop(deadlineMs);
      await rollouts?.store.flush();
      // Event streams stay open until their operation ends; the instance is going away.
      app.server.closeAllConnections();
      await closing;
      await o.store.close();
      return drained;
    },
  };
}

/** How long the base stack's shard count is trusted (raising `platform:ingressShards` is rare). */
const SHARD_COUNT_TTL_MS = 30_000;

/**
 * The number of ingress shards of an environment's base stack (its `ingressShards` output; 1 for a
 * base from before sharding or one that cannot be read), read at most every 30 s per environment.
 */
function shardCounter(
  environment: ((env: string) => Promise<EnvironmentInfo | undefined>) | undefined,
): (env: string) => Promise<number> {
  const cache = new Map<string, { count: number; at: number }>();
  return async (env) => {
    const hit = cache.get(env);
    if (hit && Date.now() - hit.at < SHARD_COUNT_TTL_MS) return hit.count;
    const count = shardCountOf((await environment?.(env))?.outputs.ingressShards);
    cache.set(env, { count, at: Date.now() });
    return count;
  };
}
