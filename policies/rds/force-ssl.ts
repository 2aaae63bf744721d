/**
 * platform-rds-force-ssl: PostgreSQL parameter groups force TLS (`rds.force_ssl = 1`), so database
 * traffic is encrypted in transit; a group that sets it to 0 or leaves it out lets clients connect in
 * plain text on engines before PostgreSQL 15.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { list, show } from "../lib/values";

export const rdsForceSsl: PlatformPolicy = resourcePolicy(
  {
    name: "platform-rds-force-ssl",
    description: "PostgreSQL parameter groups set rds.force_ssl to 1.",
    category: "encryption",
    severity: "high",
    controls: { fsbp: ["RDS.38"] },
    rules: ["postgres parameter groups have parameter rds.force_ssl = 1"],
    remediationSteps: 'Add { name: "rds.force_ssl", value: "1" } to the parameter group\'s parameters.',
  },
  [aws.rds.ParameterGroup, aws.rds.ClusterParameterGroup],
  (group, ctx, report) => {
    if (
      !String(group.family ?? "").startsWith("postgres") &&
      !String(group.family ?? "").startsWith("aurora-postgresql")
    ) {
      return;
    }
    const param = list(group.parameters).find((p) => p.name === "rds.force_ssl");
    if (String(param?.value) !== "1") {
      report(
        `parameter group "${ctx.args.name}" (${group.family}): rds.force_ssl is ${show(param?.value)}; add { name: "rds.force_ssl", value: "1" } so every connection uses TLS.`,
      );
    }
  },
);
