/**
 * platform-tagging-tenant-tags: the `Tenant` tag says whose resource it is: the stack's tenant on a
 * tenant stack, `shared` on the base stack; a tenant stack's `Tier` is the stack's own tier (from its
 * `tenant:spec` config, lib/stack-info.ts). The tier limits are checked against the stack's tier, so a
 * resource tagged with a bigger tier would otherwise look entitled to bigger sizes in every report.
 */
import { SHARED_TENANT } from "../../common";
import { isTier, TIER_NAMES } from "../../common";
import { PlatformPolicy, resourcePolicyWhere } from "../lib/policy";
import { TAGGABLE } from "./required-tags";

export const tenantTags: PlatformPolicy = resourcePolicyWhere(
  {
    name: "platform-tagging-tenant-tags",
    description:
      "The Tenant tag equals the stack's tenant (shared on base stacks) and the Tier tag equals the stack's tier.",
    category: "tagging",
    severity: "high",
    controls: {
      none: 'a platform rule (tagging strategy, DESIGN.md "Tags"); tagging controls live in AWS\'s Resource Tagging Standard, not in FSBP or CIS',
    },
    rules: [
      "Tenant equals the tenant of a tenant stack",
      `Tenant is "${SHARED_TENANT}" on base stacks`,
      `Tier on tenant stacks is one of ${TIER_NAMES.join(", ")}`,
      "Tier on tenant stacks equals the stack's tier (tenant:spec)",
    ],
    remediationSteps:
      "Build the tags from the stack's own tenant spec (tenants/spec.ts); never copy another tenant's tags.",
  },
  TAGGABLE,
  (_props, ctx, report) => {
    const tags = ctx.tags;
    const where = `${ctx.args.type} "${ctx.args.name}"`;
    const expected = ctx.stack.kind === "tenant" ? (ctx.stack.tenant as string) : SHARED_TENANT;
    if (tags.Tenant !== undefined && tags.Tenant !== expected) {
      report(
        ctx.stack.kind === "tenant"
          ? `${where}: tag Tenant="${tags.Tenant}" but this is tenant "${expected}"'s stack (${ctx.stack.stack}); cost and access reports would charge the wrong tenant. Build the tags from this tenant's spec.`
          : `${where}: tag Tenant="${tags.Tenant}" on the base stack; shared resources are tagged Tenant="${SHARED_TENANT}".`,
      );
    }
    if (ctx.stack.kind === "tenant" && tags.Tier !== undefined && !isTier(tags.Tier)) {
      report(
        `${where}: tag Tier="${tags.Tier}" is not a tier; use one of ${TIER_NAMES.join(", ")} (common/tiers.ts).`,
      );
    } else if (
      ctx.stack.kind === "tenant" &&
      tags.Tier !== undefined &&
      ctx.stack.tier &&
      tags.Tier !== ctx.stack.tier
    ) {
      report(
        `${where}: Tier tag "${tags.Tier}" disagrees with the stack's tier "${ctx.stack.tier}" (tenant:spec); limits are checked against the stack's tier. ` +
          `Remove the resource's own Tier tag (the provider's default tags carry the right one), or move the tenant to the ${tags.Tier} tier in tenants/registry/${ctx.stack.tenant}.yaml.`,
      );
    }
  },
);
