/**
 * platform-cloudwatch-log-retention: log groups keep logs at least the environment's floor
 * (common/environments.ts) and at least the tier's retention on tenant stacks; "never expire" is
 * not allowed either (unbounded cost, and data kept past its purpose).
 */
import * as aws from "@pulumi/aws";
import { ENVIRONMENT_PROFILES, LOG_RETENTION_DAYS } from "../../common";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { num, show } from "../lib/values";

export const logRetention: PlatformPolicy = resourcePolicy(
  {
    name: "platform-cloudwatch-log-retention",
    description:
      "Log groups keep logs at least the environment's floor (and the tier's retention), never forever.",
    category: "limits",
    severity: "medium",
    controls: {
      none: "a platform rule (retention floors per environment); FSBP has no log retention control (CloudWatch.16 belongs to NIST SP 800-53)",
    },
    rules: [
      "retentionInDays is set (not 'never expire')",
      "retentionInDays is at least the environment's logRetentionFloorDays",
      "retentionInDays is at least the tier's logRetentionDays on tenant stacks",
      "retentionInDays is a value CloudWatch Logs accepts",
    ],
    remediationSteps: "Set retentionInDays with retentionAtLeast(max(tier, floor)) from common/tiers.ts.",
  },
  [aws.cloudwatch.LogGroup],
  (group, ctx, report) => {
    const floor = ENVIRONMENT_PROFILES[ctx.stack.environment].logRetentionFloorDays;
    const { profile } = tierFor(ctx.stack);
    const min = Math.max(floor, profile?.logRetentionDays ?? 0);
    const days = num(group.retentionInDays);
    const where = `log group "${ctx.args.name}" (${ctx.stack.environment}${profile ? `, ${profile.name} tier` : ""})`;
    if (days === undefined || days === 0) {
      report(
        `${where}: retentionInDays is ${show(group.retentionInDays)}, so logs never expire; set it to at least ${min}.`,
      );
    } else if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
      report(
        `${where}: retentionInDays ${days} is not a CloudWatch Logs value; use one of ${LOG_RETENTION_DAYS.join(", ")}.`,
      );
    } else if (days < min) {
      report(
        `${where}: retentionInDays ${days} is below the minimum of ${min} days (environment floor ${floor}${profile ? `, tier ${profile.logRetentionDays}` : ""}).`,
      );
    }
  },
);
