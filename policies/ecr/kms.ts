/** platform-ecr-kms: ECR repositories encrypt images with a customer managed KMS key. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, list, show } from "../lib/values";

export const ecrKms: PlatformPolicy = resourcePolicy(
  {
    name: "platform-ecr-kms",
    description: "ECR repositories use KMS encryption with a customer managed key.",
    category: "encryption",
    severity: "medium",
    controls: {
      none: "a platform rule (customer keys everywhere); FSBP's ECR controls cover scanning, tag immutability and lifecycle, not encryption",
    },
    rules: ["encryptionConfigurations use encryptionType KMS", "kmsKey is a customer managed key"],
    remediationSteps:
      'Set encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: <stack key ARN> }] (set at creation only).',
  },
  [aws.ecr.Repository],
  (repo, ctx, report) => {
    const config = list(repo.encryptionConfigurations)[0];
    if (config?.encryptionType !== "KMS") {
      report(
        `ECR repository "${ctx.args.name}": encryptionType is ${show(config?.encryptionType)} (AES256 by default); set encryptionConfigurations to [{ encryptionType: "KMS", kmsKey: <stack key> }].`,
      );
    } else if (!isCustomerKeyRef(() => config.kmsKey)) {
      report(
        `ECR repository "${ctx.args.name}": KMS encryption without kmsKey uses the AWS managed key; set kmsKey to the stack's KMS key ARN.`,
      );
    }
  },
);
