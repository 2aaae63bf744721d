/**
 * platform-tagging-required-tags: every taggable AWS resource carries every required tag, counting
 * the provider's default tags with its own (DESIGN.md, "Tags").
 */
import { REQUIRED_TAG_KEYS, TENANT_TAG_KEYS } from "../../common";
import { PlatformPolicy, resourcePolicyWhere } from "../lib/policy";
import { TAGGABLE_TYPES } from "./taggable-types";

/** Required keys on a stack of this kind. */
export function requiredKeys(kind: "base" | "tenant"): readonly string[] {
  return kind === "tenant" ? TENANT_TAG_KEYS : REQUIRED_TAG_KEYS;
}

/** Applies to the AWS types the provider's default tags reach. */
export const TAGGABLE = {
  applies: (args: { type: string }) => TAGGABLE_TYPES.has(args.type),
  describe: "taggable AWS resources",
};

export const requiredTags: PlatformPolicy = resourcePolicyWhere(
  {
    name: "platform-tagging-required-tags",
    description: "Every taggable AWS resource carries every required tag (provider default tags count).",
    category: "tagging",
    severity: "medium",
    controls: {
      none: 'a platform rule (tagging strategy, DESIGN.md "Tags"); tagging controls live in AWS\'s Resource Tagging Standard, not in FSBP or CIS',
    },
    rules: [
      `taggable resources carry ${REQUIRED_TAG_KEYS.join(", ")}`,
      "tenant stack resources also carry Tier",
    ],
    remediationSteps:
      "Build the tags with buildTags() (common/tags.ts) and pass them to the AWS provider's defaultTags; do not create resources with the default provider.",
  },
  TAGGABLE,
  (_props, ctx, report) => {
    const tags = ctx.tags;
    const missing = requiredKeys(ctx.stack.kind).filter((k) => tags[k] === undefined);
    if (missing.length > 0) {
      const provider = ctx.args.provider;
      report(
        `${ctx.args.type} "${ctx.args.name}" is missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}. ` +
          `Set ${missing.length > 1 ? "them" : "it"} through the AWS provider's defaultTags built with buildTags() (common/tags.ts)` +
          (provider && !provider.name.startsWith("default")
            ? "."
            : "; this resource uses the default provider, which carries no default tags: pass the stack's provider."),
      );
    }
  },
);
