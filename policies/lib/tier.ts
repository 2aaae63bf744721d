/**
 * The tier a tenant resource belongs to: its stack's tier (the `tier` of the stack's `tenant:spec`
 * config, ./stack-info.ts), never the resource's own `Tier` tag, which anyone can set; a tag that
 * disagrees is a violation of platform-tagging-tenant-tags. The limits come from the module the
 * tenant program sizes itself with (common/tiers.ts).
 */
import { TierProfile, TIERS } from "../../common";
import type { StackInfo } from "./stack-info";

/**
 * The tier profile for a tenant resource's stack, or a message saying why there is none. Base stack
 * resources have no tier: `undefined` with no problem.
 */
export function tierFor(stack: StackInfo): { profile?: TierProfile; problem?: string } {
  if (stack.kind !== "tenant") {
    return {};
  }
  if (!stack.tier) {
    return {
      problem: `cannot check tier limits: ${stack.tierProblem ?? "the stack's tier is unknown"} (the automation service sets tenant:spec from tenants/registry/${stack.tenant}.yaml)`,
    };
  }
  return { profile: TIERS[stack.tier] };
}
