/**
 * The alarm topic: every alarm of the platform (base and tenants) notifies this SNS topic,
 * encrypted with the platform key, optionally with an email subscription.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Alarms}. */
export interface AlarmsArgs {
  /** KMS key that encrypts the topic (its policy must admit CloudWatch as a publisher). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Email subscription; the recipient must confirm it from the mail AWS sends.
   * @default { enabled: false }
   */
  readonly email?: { readonly enabled: false } | { readonly enabled: true; readonly address: string };
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
    this.topicArn = this.topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
