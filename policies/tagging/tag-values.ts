/**
 * platform-tagging-tag-values: required tags have well-formed values (the same check the tag builder
 * runs, common/tags.ts `tagValueProblem`), and `Environment` names the stack's environment.
 */
import { TENANT_TAG_KEYS, tagValueProblem } from "../../common";
import { PlatformPolicy, resourcePolicyWhere } from "../lib/policy";
import { TAGGABLE } from "./required-tags";

export const tagValues: PlatformPolicy = resourcePolicyWhere(
  {
    name: "platform-tagging-tag-values",
    description: "Required tags have well-formed values and Environment matches the stack's environment.",
    category: "tagging",
    severity: "medium",
    controls: {
      none: 'a platform rule (tagging strategy, DESIGN.md "Tags"); tagging controls live in AWS\'s Resource Tagging Standard, not in FSBP or CIS',
    },
    rules: [
      "values pass tagValueProblem (allowed characters, Environment and DataClassification from the allowed lists, ManagedBy=pulumi)",
      "Environment equals the stack's environment",
    ],
    remediationSteps:
      "Fix the value given to buildTags() (common/tags.ts); tags come from the stack's config.",
  },
  TAGGABLE,
  (_props, ctx, report) => {
    const tags = ctx.tags;
    const where = `${ctx.args.type} "${ctx.args.name}"`;
    for (const key of TENANT_TAG_KEYS) {
      if (tags[key] === undefined) {
        continue; // platform-tagging-required-tags reports missing keys
      }
      const problem = tagValueProblem(key, tags[key]);
      if (problem) {
        report(`${where}: ${problem}. Fix the value passed to buildTags() (common/tags.ts).`);
      }
    }
    const env = tags.Environment;
    if (env !== undefined && ctx.stack.environmentKnown && env !== ctx.stack.environment) {
      report(
        `${where}: tag Environment="${env}" but stack "${ctx.stack.stack}" is ${ctx.stack.environment}. ` +
          `Build the tags with environment "${ctx.stack.environment}".`,
      );
    }
  },
);
