/** platform-cloudwatch-log-group-kms: log groups are encrypted with a customer managed key. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, show } from "../lib/values";

export const logGroupKms: PlatformPolicy = resourcePolicy(
  {
    name: "platform-cloudwatch-log-group-kms",
    description: "CloudWatch log groups are encrypted with a customer managed KMS key.",
    category: "encryption",
    severity: "medium",
    controls: {
      none: "a platform rule (customer keys everywhere); FSBP has no CloudWatch Logs encryption control",
    },
    rules: ["kmsKeyId is set to a customer managed key"],
    remediationSteps:
      "Set kmsKeyId to the stack's KMS key ARN; its key policy must allow logs.<region>.amazonaws.com.",
  },
  [aws.cloudwatch.LogGroup],
  (group, ctx, report) => {
    if (!isCustomerKeyRef(() => group.kmsKeyId)) {
      report(
        `log group "${ctx.args.name}": kmsKeyId is ${show(group.kmsKeyId)}; logs may hold tenant data, encrypt them with the stack's KMS key (its key policy must allow the logs service).`,
      );
    }
  },
);
