/**
 * Running a rollout: wave after wave, each with its concurrency; every tenant is updated to the new
 * image, must be healthy, then soaks (none of its alarms may go into ALARM); a tenant that fails
 * its gate is rolled back to the spec it ran before. When a wave's failures exceed its budget the
 * rollout halts: in-flight tenants finish, nobody else is started, and tenants not reached keep
 * their image. The state is saved after every step of every tenant; a resumed rollout (after a
 * pause or a crash) does not redo the tenants that finished. Whenever a run stops, the registry is
 * changed for the tenants that ended on the new image, and only for them.
 */
import * as os from "os";
import { Environment, ProblemsError } from "../../common";
import type { TenantSpec } from "../../tenants/spec";
import type { TenantOperationError } from "../errors";
import { planRollout, RolloutPlan } from "./plan";
import {
  FINISHED_TENANT_STATUSES,
  RolloutState,
  RolloutStore,
  rolloutId,
  runnerAlive,
  TenantRolloutState,
  WaveState,
} from "./state";
import type { RolloutTarget } from "./target";
import { budgetOf, PlanProblem, WavePlan } from "./waves";

/** Changes the registry for tenants that ended on the image; returns the files it changed. */
export interface RegistryWriter {
  setImage(tenants: readonly string[], image: string): string[];
}

/** What a rollout runs with. */
export interface RolloutDeps {
  readonly target: RolloutTarget;
  readonly store: RolloutStore;
  readonly registry: RegistryWriter;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Lines for people. */
  readonly log?: (line: string) => void;
  /**
   * How often alarms are read during a soak, ms.
   * @default 10000
   */
  readonly pollMs?: number;
  /** @default {@link runnerAlive} */
  readonly isAlive?: (runner: RolloutState["runner"]) => boolean;
}

/** A rollout that cannot start or resume, with every reason (the CLI exits 2 on it). */
export class RolloutRefusedError extends ProblemsError {
  constructor(problems: readonly PlanProblem[]) {
    super("rollout refused", problems);
  }
}

/** The plan of a rollout, and nothing changed: what `--dry-run` prints. */
export async function planFor(
  target: RolloutTarget,
  plan: WavePlan,
  specs: readonly TenantSpec[],
  environment: Environment,
  image: string,
): Promise<{ plan: RolloutPlan; previous: Map<string, TenantSpec> }> {
  const candidates = await target.candidates(specs, environment);
  const planned = planRollout(plan, candidates, environment, image);
  if (planned.problems) {
    throw new RolloutRefusedError(planned.problems);
  }
  const previous = new Map(candidates.filter((c) => c.deployed).map((c) => [c.spec.id, c.deployed!]));
  return { plan: planned.value, previous };
}

/**
 * Plans and runs a new rollout.
 * @throws RolloutRefusedError when the plan takes nobody, names unknown tenants, or another rollout
 *   of the environment is not finished.
 */
export async function startRollout(
  deps: RolloutDeps,
  plan: WavePlan,
  specs: readonly TenantSpec[],
  environment: Environment,
  image: string,
): Promise<RolloutState> {
  const open = deps.store.list(environment).find((s) => s.status === "running" || s.status === "paused");
  if (open) {
    throw new RolloutRefusedError([
      {
        path: "env",
        value: environment,
        message:
          `rollout ${open.id} of ${environment} is ${open.status}; ` +
          `resume it (rollout resume --id ${open.id}) or abort it (rollout abort --id ${open.id}) first`,
      },
    ]);
  }
  const { plan: planned, previous } = await planFor(deps.target, plan, specs, environment, image);
  const now = (deps.now ?? (() => new Date()))();
  const state = initialState(planned, previous, plan.text, uniqueId(deps.store, environment, now), now);
  deps.store.save(state);
  return runRollout(deps, state);
}

/**
 * Resumes a paused rollout, or one whose runner died (a crash, kill -9): finished tenants stay as
 * they are; tenants that were in flight are recovered (stale locks) and run again.
 */
export async function resumeRollout(deps: RolloutDeps, id: string): Promise<RolloutState> {
  const state = deps.store.load(id);
  if (!state) {
    throw new RolloutRefusedError([{ path: "id", value: id, message: `no rollout ${JSON.stringify(id)}` }]);
  }
  const alive = (deps.isAlive ?? runnerAlive)(state.runner);
  if (state.status === "running" && alive) {
    throw new RolloutRefusedError([
      {
        path: "id",
        value: id,
        message: `rollout ${id} is running in process ${state.runner!.pid} on ${state.runner!.host}; pause it or wait`,
      },
    ]);
  }
  if (state.status !== "running" && state.status !== "paused") {
    throw new RolloutRefusedError([
      {
        path: "id",
        value: id,
        message: `rollout ${id} is ${state.status}; only a paused or interrupted one resumes`,
      },
    ]);
  }
  deps.store.clearControl(id);
  const log = deps.log ?? (() => undefined);
  for (const t of Object.values(state.tenants).filter((t) => inFlight(t))) {
    log(`[${t.tenant}] was ${t.status} when the rollout stopped; recovering its stack and running it again`);
    await deps.target.recover(t.tenant, state.environment);
    t.status = t.status === "rolling-back" ? "rolling-back" : "pending";
  }
  state.stop = undefined;
  return runRollout(deps, state);
}

/** Asks a running rollout to pause or abort between tenants; a paused one is aborted at once. */
export function controlRollout(store: RolloutStore, id: string, action: "pause" | "abort"): RolloutState {
  const state = store.load(id);
  if (!state) {
    throw new RolloutRefusedError([{ path: "id", value: id, message: `no rollout ${JSON.stringify(id)}` }]);
  }
  if (state.status !== "running" && !(state.status === "paused" && action === "abort")) {
    throw new RolloutRefusedError([
      {
        path: "id",
        value: id,
        message: `rollout ${id} is ${state.status}; it cannot be ${action === "pause" ? "paused" : "aborted"}`,
      },
    ]);
  }
  if (state.status === "paused") {
    state.status = "aborted";
    state.stop = { reason: "aborted by an operator while paused" };
    store.save(state);
    return state;
  }
  store.requestControl(id, { action, at: new Date().toISOString() });
  return state;
}

function inFlight(t: TenantRolloutState): boolean {
  return t.status === "updating" || t.status === "soaking" || t.status === "rolling-back";
}

function uniqueId(store: RolloutStore, environment: Environment, now: Date): string {
  const base = rolloutId(environment, now);
  let id = base;
  for (let n = 2; store.load(id); n++) {
    id = `${base}-${n}`;
  }
  return id;
}

function initialState(
  plan: RolloutPlan,
  previous: Map<string, TenantSpec>,
  text: string,
  id: string,
  now: Date,
): RolloutState {
  const tenants: Record<string, TenantRolloutState> = {};
  const waves: WaveState[] = plan.waves.map(({ wave, tenants: planned }) => {
    for (const p of planned) {
      tenants[p.tenant] = {
        tenant: p.tenant,
        tier: p.tier,
        wave: wave.number,
        fromImage: p.fromImage,
        status: p.action === "update" ? "pending" : p.action === "unchanged" ? "unchanged" : "skipped",
        previous: previous.get(p.tenant),
        attempts: 0,
        reason: p.reason,
      };
    }
    return {
      number: wave.number,
      text: wave.text,
      concurrency: wave.concurrency,
      soakMs: wave.soakMs,
      budget: wave.budget,
      tenants: planned.map((p) => p.tenant),
      status: "pending",
    };
  });
  return {
    version: 1,
    id,
    environment: plan.environment,
    image: plan.image,
    plan: text,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    status: "running",
    waves,
    tenants,
    notInPlan: plan.notInPlan.map((t) => t.tenant),
    registry: [],
  };
}

/** Runs the waves of `state` from where it stands, saving after every step. */
async function runRollout(deps: RolloutDeps, state: RolloutState): Promise<RolloutState> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => undefined);
  const save = () => deps.store.save(state);
  state.status = "running";
  state.runner = { pid: process.pid, host: os.hostname(), startedAt: now().toISOString() };
  save();
  log(`rollout ${state.id}: ${state.image} to ${state.environment} in ${state.waves.length} wave(s)`);

  for (const wave of state.waves) {
    if (wave.status === "succeeded") {
      continue;
    }
    const members = wave.tenants.map((t) => state.tenants[t]);
    const todo = members.filter((t) => !FINISHED_TENANT_STATUSES.includes(t.status));
    const budget = budgetOf(
      wave.budget,
      members.filter((t) => t.status !== "unchanged" && t.status !== "skipped").length,
    );
    wave.status = "running";
    wave.startedAt ??= now().toISOString();
    // The wave's time so far is saved with each finished tenant: a run that dies mid-wave keeps it,
    // and a resumed run adds its own.
    const before = wave.durationMs ?? 0;
    const started = Date.now();
    const clock = () => (wave.durationMs = before + (Date.now() - started));
    clock();
    save();
    log(
      `wave ${wave.number} (${wave.text}): ${todo.length} to update, concurrency ${wave.concurrency}, budget ${budget}`,
    );
    let stopping: string | undefined;
    const failures = () =>
      members.filter((t) => t.status === "rolled-back" || t.status === "rollback-failed").length;

    let next = 0;
    const worker = async () => {
      while (next < todo.length && !stopping) {
        const control = deps.store.readControl(state.id);
        if (control) {
          stopping = control.action;
          break;
        }
        const tenant = todo[next++];
        await runTenant(deps, state, wave, tenant, save);
        clock();
        save();
        if (failures() > budget) {
          stopping = "halt";
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(wave.concurrency, Math.max(todo.length, 1)) }, worker));
    clock();

    if (failures() > budget) {
      stopping = "halt";
    }
    if (stopping === "halt") {
      wave.status = "halted";
      wave.finishedAt = now().toISOString();
      state.status = "halted";
      state.stop = {
        wave: wave.number,
        reason: `wave ${wave.number} had ${failures()} failed tenant(s), over its budget of ${budget}; failed tenants were rolled back, later waves not started`,
      };
      break;
    }
    if (stopping === "pause" || stopping === "abort") {
      wave.status = stopping === "pause" ? "running" : "stopped";
      state.status = stopping === "pause" ? "paused" : "aborted";
      state.stop = {
        wave: wave.number,
        reason: `${stopping === "pause" ? "paused" : "aborted"} by an operator in wave ${wave.number}`,
      };
      deps.store.clearControl(state.id);
      break;
    }
    wave.status = "succeeded";
    wave.finishedAt = now().toISOString();
    save();
    log(`wave ${wave.number}: done in ${((wave.durationMs ?? 0) / 1000).toFixed(1)}s`);
  }
  if (state.status === "running") {
    state.status = "succeeded";
  }
  state.runner = undefined;
  const onImage = Object.values(state.tenants)
    .filter((t) => t.status === "succeeded")
    .map((t) => t.tenant)
    .sort();
  state.registry = [...new Set([...state.registry, ...deps.registry.setImage(onImage, state.image)])].sort();
  save();
  log(`rollout ${state.id}: ${state.status}${state.stop ? ` (${state.stop.reason})` : ""}`);
  return state;
}

/** One tenant: update, health, soak; on failure, rollback. Saves after every step. */
async function runTenant(
  deps: RolloutDeps,
  state: RolloutState,
  wave: WaveState,
  t: TenantRolloutState,
  save: () => void,
): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = deps.log ?? (() => undefined);
  const env = state.environment;
  const started = Date.now();
  t.startedAt = now().toISOString();
  if (!t.previous) {
    t.status = "skipped";
    t.reason = "no deployed spec to roll back to";
    save();
    return;
  }
  if (t.status !== "rolling-back") {
    t.status = "updating";
    t.attempts++;
    save();
    log(`[${t.tenant}] ${t.fromImage} → ${state.image}`);
    try {
      await deps.target.update({ ...t.previous, imageTag: state.image }, env);
      const health = await deps.target.health(t.tenant, env);
      if (!health.healthy) {
        throw new Error(`deployment not healthy: ${health.detail}`);
      }
      t.status = "soaking";
      save();
      // The soak is measured on the injected clock (tests run it on a fake one).
      const deadline = now().getTime() + wave.soakMs;
      for (;;) {
        const alarms = await deps.target.alarms(t.tenant, env);
        if (alarms.length > 0) {
          throw new Error(`alarm in ALARM during the soak: ${alarms.join(", ")}`);
        }
        const left = deadline - now().getTime();
        if (left <= 0) {
          break;
        }
        await sleep(Math.min(deps.pollMs ?? 10_000, left));
      }
      t.status = "succeeded";
      finish(t, started, now);
      save();
      log(`[${t.tenant}] ✓ on ${state.image} in ${(t.durationMs! / 1000).toFixed(1)}s`);
      return;
    } catch (error) {
      t.error = failureLine(error);
      t.status = "rolling-back";
      save();
      log(`[${t.tenant}] ✗ ${t.error}; rolling back to ${t.fromImage}`);
    }
  }
  try {
    await deps.target.update(t.previous, env);
    t.status = "rolled-back";
    log(`[${t.tenant}] rolled back to ${t.fromImage}`);
  } catch (error) {
    t.status = "rollback-failed";
    t.rollbackError = failureLine(error);
    log(`[${t.tenant}] ✗ rollback failed: ${t.rollbackError}`);
  }
  finish(t, started, now);
  save();
}

function finish(t: TenantRolloutState, started: number, now: () => Date): void {
  t.finishedAt = now().toISOString();
  t.durationMs = (t.durationMs ?? 0) + (Date.now() - started);
}

/**
 * The first meaningful line of an error: the engine's message for a tenant operation, without the
 * engine's wrapping (`error: `, `1 error occurred:`, the `* ` of each listed error).
 */
export function failureLine(error: unknown): string {
  const e = error as Partial<TenantOperationError> & Error;
  const text = String(e?.engineMessage || e?.message || error);
  const lines = text
    .split("\n")
    .map((l) =>
      l
        .trim()
        .replace(/^error:\s*/i, "")
        .replace(/^\*\s+/, ""),
    )
    .filter((l) => l !== "" && !/^\d+ errors? occurred:?$/i.test(l));
  const useful = lines.find((l) => /error|fail|not |did not|ALARM|rolled/i.test(l)) ?? lines[0] ?? "";
  return useful.slice(0, 300);
}
