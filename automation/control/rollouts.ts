/**
 * Rollouts run by the control plane (`POST /v1/rollouts`): automation/rollout's runner, with its
 * state in the store (store/rollouts.ts) and a target whose tenant updates are control-plane
 * operations: each is queued like any other `update` (one operation per stack, audited, with the
 * tenant's lifecycle and events), and the runner waits for it to end. The health gate reads the
 * same probe as the CLI's rollout (the cloud double's health file, or AWS). The stored specs are
 * the registry: an update stores the spec it deploys, and a rollback stores the previous one back,
 * so only the tenants that ended on the new image keep it.
 *
 * A rollout runs in the instance that accepted it (or resumed it). When that instance stops, the
 * rollout stays `running` with a runner that is gone: `POST /v1/rollouts/{id}/resume` on any
 * instance of the host picks it up without redoing the finished tenants.
 */
import type { Environment } from "../../common";
import type { TenantSpec } from "../../tenants/spec";
import type { TenantService } from "../service";
import { dryRunReport, DryRunReport } from "../rollout/report";
import { controlRollout, planFor, resumeRollout, RolloutDeps, startRollout } from "../rollout/runner";
import type { RolloutState, RolloutStore } from "../rollout/state";
import { HealthProbe, RolloutTarget, serviceTarget } from "../rollout/target";
import type { WavePlan } from "../rollout/waves";
import type { ControlPlane } from "./core";
import { readSpec } from "./specs";
import { FINAL_STATUSES, getOperation } from "./store/operations";
import { ControlRolloutStore } from "./store/rollouts";

/** What the control plane's rollouts run with. */
export interface ControlRolloutOptions {
  /** The health gate's probe (the double's health file, or AWS). */
  readonly probe: HealthProbe;
  /** How often alarms are read during a soak. @default 10000 ms */
  readonly pollMs?: number;
  /** How often a queued update is checked for its end. @default 250 ms */
  readonly waitMs?: number;
  readonly log?: (line: string) => void;
}

/** Who a rollout's operations are requested by. */
export function rolloutRequester(id: string): string {
  return `rollout ${id}`;
}

/** The target: updates through the control plane's queue, candidates and gate as the library's. */
export function controlTarget(
  control: ControlPlane,
  service: TenantService,
  probe: HealthProbe,
  requestedBy: () => string,
  waitMs = 250,
): RolloutTarget {
  const library = serviceTarget(service, probe);
  return {
    ...library,
    async update(spec, environment) {
      const r = await control.request({
        kind: "update",
        tenant: spec.id,
        environment,
        spec,
        storeSpec: true,
        requestedBy: requestedBy(),
      });
      for (;;) {
        const op = await getOperation(control.store.db, r.operation.id);
        if (op && (FINAL_STATUSES as readonly string[]).includes(op.status)) {
          if (op.status === "succeeded") return;
          const error = op.error ? (JSON.parse(op.error) as { detail?: string }) : undefined;
          throw new Error(`update ${op.id} ${op.status}: ${error?.detail ?? "no detail"}`);
        }
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    },
  };
}

/** The control plane's rollouts. */
export class ControlRollouts {
  private readonly running = new Map<string, Promise<unknown>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly control: ControlPlane,
    readonly store: ControlRolloutStore,
    private readonly service: TenantService,
    private readonly options: ControlRolloutOptions,
  ) {}

  /** The stored specs of every tenant (the control plane's registry). */
  async specs(): Promise<TenantSpec[]> {
    const rows = await this.control.store.db
      .selectFrom("tenants")
      .select(["id", "spec"])
      .orderBy("id")
      .execute();
    return rows.flatMap((row) => {
      const r = readSpec(JSON.parse(row.spec), "spec");
      return r.spec ? [r.spec] : [];
    });
  }

  /** The waves, with the tenants in each and their current image; nothing changes. */
  async dryRun(plan: WavePlan, environment: Environment, image: string): Promise<DryRunReport> {
    const { plan: planned } = await planFor(this.target(""), plan, await this.specs(), environment, image);
    return dryRunReport(planned);
  }

  /** Plans and starts a rollout; resolves with its first state, the run goes on in the background. */
  async start(plan: WavePlan, environment: Environment, image: string): Promise<RolloutState> {
    const specs = await this.specs();
    return this.launch((deps) => startRollout(deps, plan, specs, environment, image));
  }

  /** Resumes a paused or interrupted rollout (finished tenants are not redone). */
  resume(id: string): Promise<RolloutState> {
    return this.launch((deps) => resumeRollout(deps, id));
  }

  /** Pause or abort between tenants (a paused rollout aborts at once). */
  act(id: string, action: "pause" | "abort"): RolloutState {
    return controlRollout(this.store, id, action);
  }

  /** Waits for the running rollouts' state to be in the table (stop, tests). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running.values());
    await this.store.flush();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private target(id: string): RolloutTarget {
    return controlTarget(
      this.control,
      this.service,
      this.options.probe,
      () => rolloutRequester(id),
      this.options.waitMs,
    );
  }

  /**
   * Runs `body` in the background; resolves with the rollout's state at its first save (so the
   * API answers with its id), or rejects with what refused it before that.
   */
  private launch(body: (deps: RolloutDeps) => Promise<RolloutState>): Promise<RolloutState> {
    return new Promise<RolloutState>((resolve, reject) => {
      let first: RolloutState | undefined;
      let id = "";
      const inner = this.store;
      const store: RolloutStore = {
        save: (state) => {
          inner.save(state);
          if (!first) {
            first = structuredClone(state);
            id = state.id;
            resolve(first);
          }
        },
        load: (i) => inner.load(i),
        list: (env) => inner.list(env),
        requestControl: (i, c) => inner.requestControl(i, c),
        readControl: (i) => inner.readControl(i),
        clearControl: (i) => inner.clearControl(i),
      };
      const deps: RolloutDeps = {
        target: { ...this.target(""), update: (spec, env) => this.target(id).update(spec, env) },
        store,
        registry: { setImage: () => [] },
        log: this.options.log,
        pollMs: this.options.pollMs,
      };
      const run = body(deps).then(
        (final) => this.options.log?.(`rollout ${final.id}: ${final.status}`),
        (error) => {
          if (!first) reject(error);
          else this.options.log?.(`rollout ${id}: failed: ${(error as Error).message}`);
        },
      );
      const key = `${Date.now()}-${Math.random()}`;
      this.running.set(key, run);
      this.watchControls();
      void run.finally(() => this.running.delete(key));
    });
  }

  /** While rollouts run here, picks up pause/abort requests other instances wrote. */
  private watchControls(): void {
    this.timer ??= setInterval(() => {
      const ids = this.store
        .list()
        .filter((s) => s.status === "running")
        .map((s) => s.id);
      void this.store.refreshControls(ids).catch(() => undefined);
      if (this.running.size === 0) this.stop();
    }, 1000);
    this.timer.unref();
  }
}
