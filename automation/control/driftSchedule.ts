/**
 * Drift on a schedule inside the control plane (issue 13, docs/control-plane.md "Drift on a
 * schedule"). At every UTC hour boundary the instance asks automation/drift/schedule.ts which tiers
 * are due (the per-tier cadence of the tier catalog) and queues a durable `drift` operation for
 * each of their tenant environments that can take one. A drift run that finds drift moves the tenant
 * to `drifted` with a `tenant.state_changed` event (lifecycle.ts), as a drift asked for through the
 * API does. Each operation's Idempotency-Key names the tenant, the environment and the cadence
 * boundary, so several instances on one Postgres queue it once.
 *
 * Nothing is remediated, except for the tenants opted in (PLATFORM_DRIFT_REMEDIATE): a tick queues
 * an `update` with the stored spec for each of them that is `drifted`.
 */
import { DRIFT_CADENCE_HOURS, Tier } from "../../common";
import { everyHour, SchedulerClock, systemClock, tiersDue } from "../drift/schedule";
import { ControlError, ControlPlane } from "./core";
import { getTenant, listTenantEnvsByTier } from "./store/tenants";

const HOUR_MS = 3_600_000;

/** Who the scheduler's operations are requested by (the audit and event logs name it). */
export const DRIFT_SCHEDULER = "drift-scheduler";

/** What the scheduler runs with. */
export interface DriftScheduleOptions {
  /** @default the system clock */
  readonly clock?: SchedulerClock;
  /** Hours per tier. @default DRIFT_CADENCE_HOURS (common/tiers.ts) */
  readonly cadence?: Readonly<Record<Tier, number>>;
  /** Tenants whose drift is remediated (an update with the stored spec). @default none */
  readonly remediate?: readonly string[];
  readonly log?: (line: string) => void;
}

/** One tenant environment a tick acted on. */
export interface ScheduledOperation {
  readonly tenant: string;
  readonly environment: string;
  readonly tier: string;
  readonly kind: "drift" | "update";
  /** The operation queued (or already queued by another instance for this boundary). */
  readonly operationId?: string;
  /** Why nothing was queued (the lifecycle refused, say). */
  readonly skipped?: string;
}

/** What one tick did. */
export interface DriftScheduleTick {
  readonly at: string;
  readonly tiers: readonly Tier[];
  readonly operations: readonly ScheduledOperation[];
}

/** The control plane's drift scheduler. */
export class ControlDriftScheduler {
  private readonly clock: SchedulerClock;
  private readonly cadence: Readonly<Record<Tier, number>>;
  private last: Date;
  private hourly?: { stop(): void };

  constructor(
    private readonly control: ControlPlane,
    private readonly options: DriftScheduleOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.cadence = options.cadence ?? DRIFT_CADENCE_HOURS;
    this.last = this.clock.now();
  }

  /** Queues drift for the tiers due since the previous tick, and the opted-in remediations. */
  async tick(): Promise<DriftScheduleTick> {
    const now = this.clock.now();
    const from = this.last;
    this.last = now;
    const tiers = tiersDue(from, now, this.cadence);
    const operations: ScheduledOperation[] = [];
    const db = this.control.store.db;
    for (const env of await listTenantEnvsByTier(db, tiers)) {
      if (env.state === "offboarded") continue;
      const boundary = this.boundary(env.tier as Tier, now);
      operations.push(
        await this.queue("drift", env, `drift-schedule:${env.tenant}:${env.environment}:${boundary}`),
      );
    }
    const remediate = this.options.remediate ?? [];
    if (remediate.length > 0) {
      const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS).toISOString();
      for (const env of await listTenantEnvsByTier(db, undefined, { tenants: remediate, state: "drifted" })) {
        operations.push(
          await this.queue("update", env, `drift-remediate:${env.tenant}:${env.environment}:${hour}`),
        );
      }
    }
    const tick = { at: now.toISOString(), tiers, operations };
    if (operations.length > 0) {
      this.options.log?.(
        `drift schedule: ${tiers.join(", ") || "no tier"} due; ` +
          operations
            .map((o) => `${o.kind} ${o.tenant}/${o.environment} ${o.operationId ?? `skipped (${o.skipped})`}`)
            .join("; "),
      );
    }
    return tick;
  }

  /** Ticks at every UTC hour boundary until {@link stop}. */
  start(): void {
    this.hourly = everyHour(this.clock, () =>
      this.tick().catch((error) =>
        this.options.log?.(`drift schedule: tick failed: ${(error as Error).message}`),
      ),
    );
  }

  stop(): void {
    this.hourly?.stop();
    this.hourly = undefined;
  }

  /** The tier's last cadence boundary at or before `now`, ISO. */
  private boundary(tier: Tier, now: Date): string {
    const every = (this.cadence[tier] ?? 24) * HOUR_MS;
    return new Date(Math.floor(now.getTime() / every) * every).toISOString();
  }

  private async queue(
    kind: "drift" | "update",
    env: { tenant: string; environment: string; tier: string },
    key: string,
  ): Promise<ScheduledOperation> {
    const base = { tenant: env.tenant, environment: env.environment, tier: env.tier, kind };
    const tenant = await getTenant(this.control.store.db, env.tenant);
    if (!tenant) return { ...base, skipped: "the tenant has no stored spec" };
    try {
      const r = await this.control.request({
        kind,
        tenant: env.tenant,
        environment: env.environment,
        spec: tenant.spec as { id: string; tier: string },
        ...(kind === "update" ? { storeSpec: true } : {}),
        requestedBy: DRIFT_SCHEDULER,
        idempotencyKey: key,
        requestHash: key,
      });
      return { ...base, operationId: r.operation.id };
    } catch (error) {
      if (error instanceof ControlError) return { ...base, skipped: error.message };
      throw error;
    }
  }
}
