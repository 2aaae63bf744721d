/** platform-ecs-no-public-ip: Fargate tasks get no public IP; they run in private subnets behind the ALB. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";

export const ecsNoPublicIp: PlatformPolicy = resourcePolicy(
  {
    name: "platform-ecs-no-public-ip",
    description: "ECS services do not assign public IPs to tasks.",
    category: "network",
    severity: "high",
    controls: { fsbp: ["ECS.2"] },
    rules: ["networkConfiguration.assignPublicIp is not true"],
    remediationSteps:
      "Remove assignPublicIp and run tasks in the base stack's privateSubnetIds (egress through NAT).",
  },
  [aws.ecs.Service],
  (service, ctx, report) => {
    if (service.networkConfiguration?.assignPublicIp === true) {
      report(
        `ECS service "${ctx.args.name}": assignPublicIp is true, exposing tasks directly to the internet. Remove it and use the private subnets.`,
      );
    }
  },
);
