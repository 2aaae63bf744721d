/** platform-ecs-task-size: tenant Fargate tasks stay inside their tier's CPU and memory limits. */
import * as aws from "@pulumi/aws";
import { isValidFargateSize } from "../../common";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { tierFor } from "../lib/tier";
import { num, show } from "../lib/values";

export const ecsTaskSize: PlatformPolicy = resourcePolicy(
  {
    name: "platform-ecs-task-size",
    description: "Tenant task definitions use CPU and memory within their tier's limits.",
    category: "limits",
    severity: "medium",
    controls: {
      none: "a platform rule (per-tier resource limits, common/tiers.ts); no FSBP or CIS control covers sizing",
    },
    rules: [
      "cpu is within the tier's minTaskCpu..maxTaskCpu",
      "memory does not exceed the tier's maxTaskMemory",
      "cpu/memory is a valid Fargate size",
    ],
    remediationSteps:
      "Size tasks through the tenant spec's cpu/memory overrides (common/tiers.ts), or move the tenant to a larger tier.",
  },
  [aws.ecs.TaskDefinition],
  (task, ctx, report) => {
    const { profile, problem } = tierFor(ctx.stack);
    if (problem) {
      return report(`task definition "${ctx.args.name}": ${problem}`);
    }
    if (!profile) {
      return;
    }
    const l = profile.limits;
    const where = `task definition "${ctx.args.name}" (${profile.name} tier)`;
    const cpu = num(task.cpu);
    const memory = num(task.memory);
    if (cpu === undefined || cpu < l.minTaskCpu || cpu > l.maxTaskCpu) {
      report(`${where}: cpu ${show(task.cpu)} is outside ${l.minTaskCpu}-${l.maxTaskCpu} CPU units.`);
    }
    if (memory === undefined || memory > l.maxTaskMemory) {
      report(`${where}: memory ${show(task.memory)} MiB exceeds the tier's ${l.maxTaskMemory} MiB.`);
    }
    if (cpu !== undefined && memory !== undefined && !isValidFargateSize(cpu, memory)) {
      report(`${where}: cpu ${cpu} with memory ${memory} is not a Fargate task size.`);
    }
  },
);
