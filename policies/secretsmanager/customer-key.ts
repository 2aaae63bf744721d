/** platform-secretsmanager-customer-key: secrets are encrypted with a customer managed key. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, show } from "../lib/values";

export const secretsCustomerKey: PlatformPolicy = resourcePolicy(
  {
    name: "platform-secretsmanager-customer-key",
    description: "Secrets Manager secrets are encrypted with a customer managed KMS key.",
    category: "encryption",
    severity: "high",
    controls: {
      none: "a platform rule (customer keys everywhere); FSBP's Secrets Manager controls cover rotation and unused secrets, not encryption",
    },
    rules: ["kmsKeyId is a customer managed key (not aws/secretsmanager)"],
    remediationSteps:
      "Set kmsKeyId to the tenant's (or the platform) KMS key so access to the secret can be scoped by key policy.",
  },
  [aws.secretsmanager.Secret],
  (secret, ctx, report) => {
    if (!isCustomerKeyRef(() => secret.kmsKeyId)) {
      report(
        `secret "${ctx.args.name}": kmsKeyId is ${show(secret.kmsKeyId)}; the aws/secretsmanager key cannot be scoped per tenant. Set it to the stack's customer managed KMS key.`,
      );
    }
  },
);
