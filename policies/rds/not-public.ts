/**
 * platform-rds-not-public: databases are never publicly accessible and always live in a subnet group
 * we chose (the isolated subnets; platform-vpc-isolated-data-subnets checks what the group holds).
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isSetRef, show } from "../lib/values";

export const rdsNotPublic: PlatformPolicy = resourcePolicy(
  {
    name: "platform-rds-not-public",
    description: "RDS instances are not publicly accessible and use an explicit (isolated) subnet group.",
    category: "network",
    severity: "critical",
    controls: { fsbp: ["RDS.2", "RDS.18"] },
    rules: ["publiclyAccessible is not true", "dbSubnetGroupName is set (the base stack's isolated group)"],
    remediationSteps:
      "Remove publiclyAccessible and set dbSubnetGroupName to the base stack's dbSubnetGroupName output.",
  },
  [aws.rds.Instance],
  (db, ctx, report) => {
    const where = `RDS instance "${ctx.args.name}"`;
    if (db.publiclyAccessible === true) {
      report(
        `${where}: publiclyAccessible is true; databases are reached only from the tasks' security group. Remove it.`,
      );
    }
    if (!isSetRef(() => db.dbSubnetGroupName)) {
      report(
        `${where}: dbSubnetGroupName is ${show(db.dbSubnetGroupName)}, which puts it in the default VPC's subnets; set it to the base stack's isolated dbSubnetGroupName.`,
      );
    }
  },
);
