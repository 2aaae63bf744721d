/**
 * Planning a rollout: which tenants of an environment each wave takes, with the image each runs
 * now. Pure: the registry's specs and what each stack was last deployed with go in, the waves come
 * out, or the problems (a canary that is not a tenant of the environment, nothing to roll out).
 */
import { createHash } from "crypto";
import type { Environment, Tier } from "../../common";
import type { TenantSpec } from "../../tenants/spec";
import { PlanProblem, WavePlan, WaveSpec } from "./waves";

/** What the planner knows of one tenant of the environment. */
export interface RolloutCandidate {
  /** The registry's spec. */
  readonly spec: TenantSpec;
  /**
   * The spec the stack was last deployed with (the rollout changes only its image); undefined when
   * the tenant has no stack, or its last update carried no readable spec.
   */
  readonly deployed?: TenantSpec;
  /** Why `deployed` is missing. */
  readonly problem?: string;
}

/** One tenant of a planned rollout. */
export interface PlannedTenant {
  readonly tenant: string;
  readonly tier: Tier;
  /** The image the stack runs now (its deployed spec's), or the registry's when never deployed. */
  readonly fromImage: string;
  /** `update`: gets the image; `unchanged`: runs it already; `skip`: cannot be rolled out (reason). */
  readonly action: "update" | "unchanged" | "skip";
  readonly reason?: string;
}

/** One planned wave. */
export interface PlannedWave {
  readonly wave: WaveSpec;
  readonly tenants: readonly PlannedTenant[];
}

/** A planned rollout. */
export interface RolloutPlan {
  readonly environment: Environment;
  readonly image: string;
  readonly waves: readonly PlannedWave[];
  /** Tenants of the environment no wave takes: they keep their image. */
  readonly notInPlan: readonly PlannedTenant[];
}

/** The stable order of the tenants a `percent` wave draws from: by a hash of the id, not by name. */
export function sampleOrder(tenants: readonly string[]): string[] {
  const key = (t: string) => createHash("sha256").update(t).digest("hex");
  return [...tenants].sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * Assigns the environment's tenants to the waves: each wave takes from the tenants no earlier wave
 * took (a `percent` wave takes that share of them, rounded up, in {@link sampleOrder}).
 */
export function planRollout(
  plan: WavePlan,
  candidates: readonly RolloutCandidate[],
  environment: Environment,
  image: string,
): { value: RolloutPlan; problems?: undefined } | { value?: undefined; problems: PlanProblem[] } {
  const byId = new Map(candidates.map((c) => [c.spec.id, c]));
  const problems: PlanProblem[] = [];
  let remaining = candidates.map((c) => c.spec.id).sort();
  const waves: PlannedWave[] = [];
  for (const wave of plan.waves) {
    let taken: string[];
    const s = wave.selector;
    switch (s.kind) {
      case "tenants": {
        const field = `wave ${wave.number}.${wave.text.startsWith("canary") ? "canary" : "tenants"}`;
        for (const id of s.tenants.filter((t) => !byId.has(t))) {
          problems.push({
            path: field,
            value: id,
            allowed: remaining.length > 0 ? remaining : undefined,
            message: `${JSON.stringify(id)} is not a tenant of ${environment} in the registry`,
          });
        }
        taken = s.tenants.filter((t) => remaining.includes(t));
        break;
      }
      case "tier":
        taken = remaining.filter((t) => s.tiers.includes(byId.get(t)!.spec.tier));
        break;
      case "percent":
        taken = sampleOrder(remaining).slice(0, Math.ceil((s.percent / 100) * remaining.length));
        break;
      case "rest":
        taken = remaining;
        break;
    }
    remaining = remaining.filter((t) => !taken.includes(t));
    waves.push({ wave, tenants: taken.sort().map((t) => plannedTenant(byId.get(t)!, image)) });
  }
  if (problems.length === 0 && waves.every((w) => w.tenants.every((t) => t.action !== "update"))) {
    problems.push({
      path: "waves",
      value: plan.text,
      message:
        candidates.length === 0
          ? `no tenant of ${environment} is in the registry`
          : `takes no tenant that needs ${image} (each runs it already, has no stack yet, or is in no wave)`,
    });
  }
  if (problems.length > 0) {
    return { problems };
  }
  return {
    value: {
      environment,
      image,
      waves,
      notInPlan: remaining.map((t) => plannedTenant(byId.get(t)!, image)),
    },
  };
}

function plannedTenant(c: RolloutCandidate, image: string): PlannedTenant {
  const base = { tenant: c.spec.id, tier: c.spec.tier };
  if (!c.deployed) {
    return {
      ...base,
      fromImage: c.spec.imageTag,
      action: "skip",
      reason: c.problem ?? "no stack yet; fleet reconcile onboards it",
    };
  }
  if (c.deployed.imageTag === image) {
    return { ...base, fromImage: image, action: "unchanged", reason: "runs the image already" };
  }
  return { ...base, fromImage: c.deployed.imageTag, action: "update" };
}
