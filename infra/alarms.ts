/**
 * The alarm topic: every alarm of the platform (base and tenants) notifies this SNS topic,
 * encrypted with the platform key, optionally with an email subscription. And the base stack's own
 * alarms: the shared ALB's 5xx answers and rejected connections, each NAT gateway's port
 * allocation errors and dropped packets (tenant alarms live in the tenant stacks).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Thresholds of the base stack's alarms (the same in every environment; tiers do not apply to shared
 * resources, so these are not in the tier catalog). Each is a sum over 5 minutes.
 */
export const BASE_ALARM_THRESHOLDS = Object.freeze({
  /** 5xx answers the ALB itself generated (no healthy target, target timeouts, its own errors). */
  alb5xxCount: 25,
  /** Connections the ALB refused because it reached its maximum. */
  albRejectedConnections: 1,
  /** Failed source port allocations of a NAT gateway (too many connections to one destination). */
  natPortAllocationErrors: 1,
  /** Packets a NAT gateway dropped. */
  natPacketsDropped: 100,
});

/** Arguments of {@link Alarms}. */
export interface AlarmsArgs {
  /** KMS key that encrypts the topic (its policy must admit CloudWatch as a publisher). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Email subscription; the recipient must confirm it from the mail AWS sends.
   * @default { enabled: false }
   */
  readonly email?: { readonly enabled: false } | { readonly enabled: true; readonly address: string };
  /**
   * What the base alarms watch: the ALBs of the ingress shards (their ARN suffixes, the CloudWatch
   * dimension; shard 0's alarms keep the names of the single ALB's) and the NAT gateways.
   * @default undefined: no base alarms, only the topic
   */
  readonly watch?: {
    readonly loadBalancerArnSuffixes: readonly pulumi.Input<string>[];
    readonly natGatewayIds: readonly pulumi.Input<string>[];
  };
}

/** The encrypted SNS topic alarms publish to. */
export class Alarms extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;
  public readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:alarms:Alarms", name, {}, opts);
    this.topic = new aws.sns.Topic(name, { kmsMasterKeyId: args.kmsKeyArn }, { parent: this });
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountManagesTopic",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:aws:iam::${identity.accountId}:root` },
              Action: [
                "sns:Publish",
                "sns:Subscribe",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:ListSubscriptionsByTopic",
              ],
              Resource: this.topic.arn,
            },
            {
              Sid: "AlarmServicesPublish",
              Effect: "Allow",
              Principal: {
                Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com"],
              },
              Action: "sns:Publish",
              Resource: this.topic.arn,
              Condition: { StringEquals: { "aws:SourceAccount": identity.accountId } },
            },
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "sns:Publish",
              Resource: this.topic.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      { parent: this },
    );
    const email = args.email ?? { enabled: false };
    if (email.enabled) {
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: this.topic.arn, protocol: "email", endpoint: email.address },
        { parent: this },
      );
    }
    if (args.watch) {
      this.createBaseAlarms(name, args.watch);
    }
    this.topicArn = this.topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }

  private createBaseAlarms(name: string, watch: NonNullable<AlarmsArgs["watch"]>): void {
    const t = BASE_ALARM_THRESHOLDS;
    const alarm = (role: string, what: string, a: Partial<aws.cloudwatch.MetricAlarmArgs>) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${role}`,
        {
          alarmDescription: `Platform: ${what}`,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          // No data means nothing happened.
          treatMissingData: "notBreaching",
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
          ...(a as aws.cloudwatch.MetricAlarmArgs),
        },
        { parent: this },
      );
    watch.loadBalancerArnSuffixes.forEach((arnSuffix, shard) => {
      const alb = { LoadBalancer: arnSuffix };
      const role = shard === 0 ? "alb" : `alb-${shard}`;
      const which = shard === 0 ? "the shared ALB" : `the ALB of ingress shard ${shard}`;
      alarm(`${role}-5xx`, `${t.alb5xxCount} or more 5xx answers generated by ${which} in 5 minutes`, {
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_ELB_5XX_Count",
        dimensions: alb,
        threshold: t.alb5xxCount,
      });
      alarm(`${role}-rejected`, `${which} rejected connections (it reached its maximum)`, {
        namespace: "AWS/ApplicationELB",
        metricName: "RejectedConnectionCount",
        dimensions: alb,
        threshold: t.albRejectedConnections,
      });
    });
    watch.natGatewayIds.forEach((natGatewayId, i) => {
      const nat = { NatGatewayId: natGatewayId };
      alarm(`nat-${i}-port-errors`, `NAT gateway ${i} could not allocate source ports`, {
        namespace: "AWS/NATGateway",
        metricName: "ErrorPortAllocation",
        dimensions: nat,
        threshold: t.natPortAllocationErrors,
      });
      alarm(
        `nat-${i}-dropped`,
        `NAT gateway ${i} dropped ${t.natPacketsDropped} or more packets in 5 minutes`,
        {
          namespace: "AWS/NATGateway",
          metricName: "PacketsDropCount",
          dimensions: nat,
          threshold: t.natPacketsDropped,
        },
      );
    });
  }
}
