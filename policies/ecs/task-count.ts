/** platform-ecs-task-count: a tenant service's desired task count stays inside its tier's limits. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { num, show } from "../lib/values";

export const ecsTaskCount: PlatformPolicy = resourcePolicy(
  {
    name: "platform-ecs-task-count",
    description: "Tenant services run a desired task count within their tier's limits.",
    category: "limits",
    severity: "medium",
    controls: {
      none: "a platform rule (per-tier resource limits, common/tiers.ts); no FSBP or CIS control covers sizing",
    },
    rules: ["desiredCount is within the tier's minDesiredCount..maxDesiredCount"],
    remediationSteps: "Set desiredCount through the tenant spec's desiredCount override (common/tiers.ts).",
  },
  [aws.ecs.Service],
  (service, ctx, report) => {
    const { profile, problem } = tierFor(ctx.stack);
    if (problem) {
      return report(`ECS service "${ctx.args.name}": ${problem}`);
    }
    if (!profile) {
      return;
    }
    const l = profile.limits;
    const desired = num(service.desiredCount);
    if (desired === undefined || desired < l.minDesiredCount || desired > l.maxDesiredCount) {
      report(
        `ECS service "${ctx.args.name}" (${profile.name} tier): desiredCount ${show(service.desiredCount)} is outside ${l.minDesiredCount}-${l.maxDesiredCount}.`,
      );
    }
  },
);
