/**
 * VPC flow logs to a KMS-encrypted CloudWatch log group, with the role the flow log service
 * assumes to write there.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Environment, physicalName } from "../common";

/** Arguments of {@link FlowLogs}. */
export interface FlowLogsArgs {
  readonly vpcId: pulumi.Input<string>;
  readonly environment: Environment;
  /** KMS key that encrypts the log group (its policy must admit CloudWatch Logs). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Retention in days; at least the environment's floor. */
  readonly retentionInDays: number;
  /**
   * Which traffic to log.
   * @default "ALL"
   */
  readonly trafficType?: "ACCEPT" | "REJECT" | "ALL";
}

/** Flow logs of one VPC. */
export class FlowLogs extends pulumi.ComponentResource {
  public readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: FlowLogsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:network:FlowLogs", name, {}, opts);
    const logGroup = new aws.cloudwatch.LogGroup(
      name,
      {
        name: physicalName("logGroup", { environment: args.environment, role: "vpc-flow-logs" }),
        retentionInDays: args.retentionInDays,
        kmsKeyId: args.kmsKeyArn,
      },
      { parent: this },
    );
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "Lets VPC Flow Logs write to the flow log group",
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "vpc-flow-logs.amazonaws.com" },
              Action: "sts:AssumeRole",
              // Only on behalf of this account (confused deputy protection).
              Condition: { StringEquals: { "aws:SourceAccount": identity.accountId } },
            },
          ],
        }),
      },
      { parent: this },
    );
    const writePolicy = new aws.iam.RolePolicy(
      `${name}-write`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
            },
            // Describe calls cannot be scoped to a resource.
            { Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
          ],
        }),
      },
      { parent: this },
    );
    new aws.ec2.FlowLog(
      name,
      {
        vpcId: args.vpcId,
        trafficType: args.trafficType ?? "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: 60,
      },
      // Without the write permission in place the flow log starts in "access error".
      { parent: this, dependsOn: [writePolicy] },
    );
    this.logGroupName = logGroup.name;
    this.registerOutputs({ logGroupName: this.logGroupName });
  }
}
