/** platform-appautoscaling-bounds: tenant autoscaling stays inside the tier's task counts. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { num, show } from "../lib/values";

export const appautoscalingBounds: PlatformPolicy = resourcePolicy(
  {
    name: "platform-appautoscaling-bounds",
    description: "Tenant ECS autoscaling targets scale within their tier's task counts.",
    category: "limits",
    severity: "medium",
    controls: {
      none: "a platform rule (per-tier resource limits, common/tiers.ts); no FSBP or CIS control covers sizing",
    },
    rules: [
      "maxCapacity does not exceed the tier's maxTaskCount",
      "minCapacity is at least the tier's minDesiredCount and not above maxCapacity",
    ],
    remediationSteps:
      "Take minCapacity from the desired count and maxCapacity from the tenant's maxCount (common/tiers.ts).",
  },
  [aws.appautoscaling.Target],
  (target, ctx, report) => {
    if (target.serviceNamespace !== "ecs") {
      return;
    }
    const { profile, problem } = tierFor(ctx.stack);
    if (problem) {
      return report(`autoscaling target "${ctx.args.name}": ${problem}`);
    }
    if (!profile) {
      return;
    }
    const l = profile.limits;
    const where = `autoscaling target "${ctx.args.name}" (${profile.name} tier)`;
    const max = num(target.maxCapacity);
    const min = num(target.minCapacity);
    if (max === undefined || max > l.maxTaskCount) {
      report(`${where}: maxCapacity ${show(target.maxCapacity)} exceeds the tier's ${l.maxTaskCount} tasks.`);
    }
    if (min === undefined || min < l.minDesiredCount || (max !== undefined && min > max)) {
      report(
        `${where}: minCapacity ${show(target.minCapacity)} must be at least ${l.minDesiredCount} and at most maxCapacity (${show(target.maxCapacity)}).`,
      );
    }
  },
);
