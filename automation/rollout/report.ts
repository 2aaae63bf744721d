/**
 * A rollout's report: what the state says, per wave and per tenant, with the exit code and the next
 * step (typed hints; the CLI renders them). Also the dry run's view of a plan.
 */
import { EXIT_CODES } from "../errors";
import type { RolloutPlan } from "./plan";
import type { RolloutState, RolloutStatus, TenantRolloutStatus } from "./state";
import { budgetOf, formatBudget, formatDuration } from "./waves";

/** What to run next. */
export interface RolloutHint {
  readonly command: string;
  readonly why: string;
}

/** One wave of a report. */
export interface WaveReport {
  readonly number: number;
  readonly text: string;
  readonly status: string;
  readonly tenants: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly budget: string;
  readonly concurrency: number;
  readonly soak: string;
  readonly durationMs: number;
}

/** One tenant of a report. */
export interface TenantReport {
  readonly wave: number;
  readonly tenant: string;
  readonly tier: string;
  readonly fromImage: string;
  /** The image it runs now, as far as the rollout knows. */
  readonly image: string;
  readonly status: TenantRolloutStatus;
  readonly durationMs: number;
  readonly detail: string;
}

/** The report of a rollout. */
export interface RolloutReport {
  readonly id: string;
  readonly environment: string;
  readonly image: string;
  readonly plan: string;
  readonly status: RolloutStatus;
  readonly stop?: string;
  readonly waves: readonly WaveReport[];
  readonly tenants: readonly TenantReport[];
  readonly notInPlan: readonly string[];
  /** Registry files changed (one diff to review and commit). */
  readonly registry: readonly string[];
  readonly hints: readonly RolloutHint[];
  readonly exitCode: number;
}

/** The exit code of a rollout: 0 succeeded, 9 halted, 10 paused or aborted, 1 a rollback failed. */
export function rolloutExitCode(state: RolloutState): number {
  if (Object.values(state.tenants).some((t) => t.status === "rollback-failed")) {
    return EXIT_CODES.failed;
  }
  switch (state.status) {
    case "succeeded":
      return EXIT_CODES.ok;
    case "halted":
      return EXIT_CODES.rolloutHalted;
    default:
      return EXIT_CODES.rolloutIncomplete;
  }
}

/** The report of a rollout's state. */
export function rolloutReport(state: RolloutState): RolloutReport {
  const tenants = state.waves.flatMap((w) =>
    w.tenants.map((id): TenantReport => {
      const t = state.tenants[id];
      const onNew = t.status === "succeeded" || t.status === "unchanged" || t.status === "soaking";
      return {
        wave: w.number,
        tenant: t.tenant,
        tier: t.tier,
        fromImage: t.fromImage,
        image: onNew
          ? state.image
          : t.status === "updating" || t.status === "rolling-back"
            ? "?"
            : t.fromImage,
        status: t.status,
        durationMs: t.durationMs ?? 0,
        detail: [t.error, t.rollbackError ? `rollback: ${t.rollbackError}` : undefined, t.reason]
          .filter((x) => x)
          .join("; "),
      };
    }),
  );
  const waves = state.waves.map((w): WaveReport => {
    const members = w.tenants.map((id) => state.tenants[id]);
    const size = members.filter((t) => t.status !== "unchanged" && t.status !== "skipped").length;
    return {
      number: w.number,
      text: w.text,
      status: w.status,
      tenants: w.tenants.length,
      succeeded: members.filter((t) => t.status === "succeeded").length,
      failed: members.filter((t) => t.status === "rolled-back" || t.status === "rollback-failed").length,
      budget: formatBudget(w.budget, size),
      concurrency: w.concurrency,
      soak: formatDuration(w.soakMs),
      durationMs: w.durationMs ?? 0,
    };
  });
  return {
    id: state.id,
    environment: state.environment,
    image: state.image,
    plan: state.plan,
    status: state.status,
    stop: state.stop?.reason,
    waves,
    tenants,
    notInPlan: state.notInPlan,
    registry: state.registry,
    hints: hints(state),
    exitCode: rolloutExitCode(state),
  };
}

function hints(state: RolloutState): RolloutHint[] {
  const out: RolloutHint[] = [];
  const env = state.environment;
  if (state.registry.length > 0) {
    out.push({
      command: `git diff -- ${state.registry.join(" ")}`,
      why: "review the registry change for the tenants now on the image, then commit it",
    });
  }
  if (state.status === "halted") {
    out.push({
      command: `npm run fleet -- rollout status --env ${env} --id ${state.id}`,
      why: "see why tenants failed; docs/runbooks/halted-rollout.md says what to do next",
    });
  }
  if (state.status === "paused" || state.status === "running") {
    out.push({
      command: `npm run fleet -- rollout resume --env ${env} --id ${state.id}`,
      why: "carry on from where it stopped",
    });
  }
  for (const t of Object.values(state.tenants).filter((t) => t.status === "rollback-failed")) {
    out.push({
      command: `npm run tenant -- status ${t.tenant} --env ${env}`,
      why: `${t.tenant} failed and its rollback too: it may be on neither image (docs/runbooks/halted-rollout.md)`,
    });
  }
  return out;
}

/** The dry run: waves, tenants, their current image and what would happen; nothing is changed. */
export interface DryRunReport {
  readonly environment: string;
  readonly image: string;
  readonly waves: readonly {
    readonly number: number;
    readonly text: string;
    readonly concurrency: number;
    readonly soak: string;
    readonly budget: string;
    readonly tenants: readonly {
      tenant: string;
      tier: string;
      image: string;
      action: string;
      reason?: string;
    }[];
  }[];
  readonly notInPlan: readonly { tenant: string; tier: string; image: string }[];
}

/** The dry run's report of a plan. */
export function dryRunReport(plan: RolloutPlan): DryRunReport {
  return {
    environment: plan.environment,
    image: plan.image,
    waves: plan.waves.map(({ wave, tenants }) => {
      const size = tenants.filter((t) => t.action === "update").length;
      return {
        number: wave.number,
        text: wave.text,
        concurrency: wave.concurrency,
        soak: formatDuration(wave.soakMs),
        budget: `${formatBudget(wave.budget, size)}${wave.budget.kind === "percent" ? "" : ` of ${size}`}`,
        tenants: tenants.map((t) => ({
          tenant: t.tenant,
          tier: t.tier,
          image: t.fromImage,
          action: t.action,
          ...(t.reason ? { reason: t.reason } : {}),
        })),
      };
    }),
    notInPlan: plan.notInPlan.map((t) => ({ tenant: t.tenant, tier: t.tier, image: t.fromImage })),
  };
}

export { budgetOf };
