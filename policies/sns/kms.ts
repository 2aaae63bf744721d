/** platform-sns-kms: SNS topics are encrypted with a customer managed key. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, show } from "../lib/values";

export const snsKms: PlatformPolicy = resourcePolicy(
  {
    name: "platform-sns-kms",
    description: "SNS topics are encrypted with a customer managed KMS key.",
    category: "encryption",
    severity: "medium",
    controls: { fsbp: ["SNS.1"] },
    rules: ["kmsMasterKeyId is a customer managed key (not alias/aws/sns)"],
    remediationSteps:
      "Set kmsMasterKeyId to the stack's KMS key; the AWS managed alias/aws/sns key cannot grant CloudWatch alarms access, a customer key can.",
  },
  [aws.sns.Topic],
  (topic, ctx, report) => {
    if (!isCustomerKeyRef(() => topic.kmsMasterKeyId)) {
      report(
        `SNS topic "${ctx.args.name}": kmsMasterKeyId is ${show(topic.kmsMasterKeyId)}; set it to the stack's customer managed KMS key (allow cloudwatch.amazonaws.com in its key policy).`,
      );
    }
  },
);
