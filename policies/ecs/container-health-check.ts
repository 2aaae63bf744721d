/**
 * platform-ecs-container-health-check: every essential container of a task definition has a
 * health check, so ECS replaces a task whose app stops answering and a deployment whose new tasks
 * never get healthy rolls back. Non-essential containers (the bootstrap and migration steps) run to
 * completion and need none.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { known, UNKNOWN } from "../lib/values";

export const ecsContainerHealthCheck: PlatformPolicy = resourcePolicy(
  {
    name: "platform-ecs-container-health-check",
    description: "Every essential container of a task definition has a health check.",
    category: "limits",
    severity: "medium",
    controls: {
      none: "a platform rule (every application container has a health check); no FSBP or CIS control covers container health checks",
    },
    rules: [
      "each essential container (essential unset or true) in containerDefinitions has a healthCheck command",
    ],
    remediationSteps:
      'Give the container healthCheck: { command: ["CMD-SHELL", "curl -fsS http://127.0.0.1:<port>/healthz || exit 1"], ... }.',
  },
  [aws.ecs.TaskDefinition],
  (td, ctx, report) => {
    const raw = known(() => td.containerDefinitions);
    if (raw === UNKNOWN || typeof raw !== "string") {
      return;
    }
    let containers: any[];
    try {
      containers = JSON.parse(raw);
    } catch {
      return;
    }
    for (const c of Array.isArray(containers) ? containers : []) {
      const command = c?.healthCheck?.command;
      if (c?.essential !== false && !(Array.isArray(command) && command.length > 0)) {
        report(
          `task definition "${ctx.args.name}": essential container ${JSON.stringify(c?.name)} has no health check; ` +
            "add healthCheck with a command that fails when the app stops answering.",
        );
      }
    }
  },
);
