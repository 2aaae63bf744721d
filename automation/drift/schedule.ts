/**
 * Drift detection on a schedule (docs/rollouts.md, "Drift on a schedule"): each tier's tenants are
 * checked every {@link DRIFT_CADENCE_HOURS} hours, on UTC hour boundaries (a cadence of 6 runs at
 * 00:00, 06:00, 12:00 and 18:00). Which tiers are due between two instants is a pure function of
 * the clock, so the scheduler needs no ledger and the scheduled workflow (a cron that runs every
 * hour, `fleet drift --due-within 1h`) asks the same question. Drift is only reported: nothing is
 * remediated.
 */
import { DRIFT_CADENCE_HOURS, Environment, Tier, TIER_NAMES } from "../../common";
import type { TenantSpec } from "../../tenants/spec";
import { mapLimit } from "../mapLimit";

const HOUR_MS = 3_600_000;

/**
 * The tiers with a cadence boundary in `(from, to]`, smallest first.
 * @param cadence hours per tier @default DRIFT_CADENCE_HOURS
 */
export function tiersDue(
  from: Date,
  to: Date,
  cadence: Readonly<Record<Tier, number>> = DRIFT_CADENCE_HOURS,
): Tier[] {
  return TIER_NAMES.filter((tier) => {
    const every = cadence[tier] * HOUR_MS;
    // The last boundary at or before `to`; due when it is after `from`.
    const last = Math.floor(to.getTime() / every) * every;
    return last > from.getTime();
  });
}

/** The tenants of `environment` in the tiers due in `(from, to]`. */
export function tenantsDue(
  specs: readonly TenantSpec[],
  environment: Environment,
  from: Date,
  to: Date,
  cadence?: Readonly<Record<Tier, number>>,
): TenantSpec[] {
  const tiers = tiersDue(from, to, cadence);
  return specs.filter((s) => s.environments.includes(environment) && tiers.includes(s.tier));
}

/** The clock a scheduler runs on; tests give it a fake one. */
export interface SchedulerClock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: SchedulerClock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One tenant's drift check in a tick. */
export interface DriftCheck {
  readonly tenant: string;
  readonly tier: Tier;
  readonly drifted?: boolean;
  /** Why the check failed, when it did. */
  readonly error?: string;
}

/** What one tick did. */
export interface DriftTick {
  readonly at: string;
  readonly tiers: readonly Tier[];
  readonly checks: readonly DriftCheck[];
}

/** What a {@link DriftScheduler} runs with. */
export interface DriftSchedulerOptions {
  readonly environment: Environment;
  /** The registry's specs, read at every tick (a tenant onboarded since is included). */
  readonly specs: () => readonly TenantSpec[];
  /** Drift of one tenant stack (`TenantService.drift`). */
  readonly drift: (tenant: string, environment: Environment) => Promise<{ drifted?: boolean }>;
  /** @default {@link systemClock} */
  readonly clock?: SchedulerClock;
  /**
   * Drift checks at once.
   * @default 4
   */
  readonly concurrency?: number;
  /** Called after every tick (the control plane turns drifted tenants into `drifted` with an event). */
  readonly onTick?: (tick: DriftTick) => void;
  /** @default DRIFT_CADENCE_HOURS */
  readonly cadence?: Readonly<Record<Tier, number>>;
}

/**
 * Runs drift for the tiers that are due, at every UTC hour boundary. A tick covers the time since
 * the previous one, so a tick that came late still runs what fell due meanwhile (once).
 */
export class DriftScheduler {
  private readonly clock: SchedulerClock;
  private last: Date;
  private hourly?: { stop(): void };

  constructor(private readonly options: DriftSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.last = this.clock.now();
  }

  /** Checks the tenants due since the previous tick. */
  async tick(): Promise<DriftTick> {
    const now = this.clock.now();
    const from = this.last;
    this.last = now;
    const tiers = tiersDue(from, now, this.options.cadence);
    const due = tenantsDue(this.options.specs(), this.options.environment, from, now, this.options.cadence);
    const checks = await mapLimit(due, this.options.concurrency ?? 4, async (spec): Promise<DriftCheck> => {
      try {
        const outcome = await this.options.drift(spec.id, this.options.environment);
        return { tenant: spec.id, tier: spec.tier, drifted: outcome.drifted === true };
      } catch (error) {
        return { tenant: spec.id, tier: spec.tier, error: (error as Error).message.split("\n")[0] };
      }
    });
    const tick = { at: now.toISOString(), tiers, checks };
    this.options.onTick?.(tick);
    return tick;
  }

  /** Ticks at every UTC hour boundary until {@link stop}. */
  start(): void {
    this.hourly = everyHour(this.clock, () => this.tick());
  }

  stop(): void {
    this.hourly?.stop();
    this.hourly = undefined;
  }
}

/**
 * Runs `tick` at every UTC hour boundary of `clock` (the next one after the previous tick ended)
 * until stopped.
 */
export function everyHour(clock: SchedulerClock, tick: () => Promise<unknown>): { stop(): void } {
  let timer: unknown;
  let stopped = false;
  const schedule = () => {
    const now = clock.now().getTime();
    const next = (Math.floor(now / HOUR_MS) + 1) * HOUR_MS;
    timer = clock.setTimeout(() => {
      void tick().finally(() => !stopped && schedule());
    }, next - now);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
