/**
 * The tier a tenant resource belongs to, from its `Tier` tag (every tenant resource carries it
 * through the provider's default tags), and the limits of that tier from the same module the
 * tenant program sizes itself with (common/tiers.ts).
 */
import { isTier, TierProfile, TIER_NAMES, TIERS } from "../../common";
import type { StackInfo } from "./stack-info";

/**
 * The tier profile for a tenant resource, or a message saying why there is none. Base stack
 * resources have no tier: `undefined` with no problem.
 */
export function tierFor(
  stack: StackInfo,
  tags: Record<string, string>,
): { profile?: TierProfile; problem?: string } {
  if (stack.kind !== "tenant") {
    return {};
  }
  const tier = tags.Tier;
  if (!isTier(tier)) {
    return {
      problem: `cannot check tier limits: the Tier tag is ${tier === undefined ? "missing" : `"${tier}"`}; it must be one of ${TIER_NAMES.join(", ")} (set it through the tenant's tags, tenants/spec.ts)`,
    };
  }
  return { profile: TIERS[tier] };
}
