/** platform-kms-rotation: symmetric customer managed keys rotate automatically. */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { show } from "../lib/values";

export const kmsRotation: PlatformPolicy = resourcePolicy(
  {
    name: "platform-kms-rotation",
    description: "Symmetric KMS keys have automatic rotation enabled.",
    category: "encryption",
    severity: "medium",
    controls: { fsbp: ["KMS.4"], cis: ["3.8"] },
    rules: ["enableKeyRotation is true on SYMMETRIC_DEFAULT keys"],
    remediationSteps: "Set enableKeyRotation: true (and optionally rotationPeriodInDays).",
  },
  [aws.kms.Key],
  (key, ctx, report) => {
    const spec = key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    // AWS supports automatic rotation only for symmetric encryption keys.
    if (spec === "SYMMETRIC_DEFAULT" && key.enableKeyRotation !== true) {
      report(
        `KMS key "${ctx.args.name}": enableKeyRotation is ${show(key.enableKeyRotation)}; set it to true so key material rotates yearly.`,
      );
    }
  },
);
