/** platform-efs-encryption: EFS file systems are encrypted with a customer managed key. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, show } from "../lib/values";

export const efsEncryption: PlatformPolicy = resourcePolicy(
  {
    name: "platform-efs-encryption",
    description: "EFS file systems are encrypted at rest with a customer managed key.",
    category: "encryption",
    severity: "high",
    controls: { fsbp: ["EFS.1"] },
    rules: ["encrypted is true", "kmsKeyId is a customer managed key"],
    remediationSteps:
      "Set encrypted: true and kmsKeyId to the stack's KMS key (it cannot be changed after creation).",
  },
  [aws.efs.FileSystem],
  (fs, ctx, report) => {
    if (fs.encrypted !== true) {
      report(`EFS file system "${ctx.args.name}": encrypted is ${show(fs.encrypted)}; set it to true.`);
    }
    if (!isCustomerKeyRef(() => fs.kmsKeyId)) {
      report(
        `EFS file system "${ctx.args.name}": kmsKeyId is ${show(fs.kmsKeyId)}; set it to the stack's customer managed KMS key.`,
      );
    }
  },
);
