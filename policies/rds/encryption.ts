/**
 * platform-rds-encryption: RDS storage is encrypted with a customer managed key, Performance Insights
 * (when on) uses one too, and the database uses its own parameter group (where TLS is forced:
 * platform-rds-force-ssl), never a `default.*` group.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, known, present, show, UNKNOWN } from "../lib/values";

export const rdsEncryption: PlatformPolicy = resourcePolicy(
  {
    name: "platform-rds-encryption",
    description:
      "RDS storage and Performance Insights are encrypted with a customer managed key; TLS is forced by our parameter group.",
    category: "encryption",
    severity: "critical",
    controls: { fsbp: ["RDS.3"], cis: ["2.3.1"] },
    rules: [
      "storageEncrypted is true",
      "kmsKeyId is a customer managed key",
      "performanceInsightsKmsKeyId is set when Performance Insights is on",
      "parameterGroupName names our own (TLS-forcing) parameter group, not a default.* one",
    ],
    remediationSteps:
      "Set storageEncrypted: true and kmsKeyId to the stack's key, performanceInsightsKmsKeyId when Performance Insights is on, and parameterGroupName to a group with rds.force_ssl=1.",
  },
  [aws.rds.Instance],
  (db, ctx, report) => {
    const where = `RDS instance "${ctx.args.name}"`;
    if (db.storageEncrypted !== true) {
      report(
        `${where}: storageEncrypted is ${show(db.storageEncrypted)}; set it to true (it cannot be turned on later without a snapshot restore).`,
      );
    }
    if (!isCustomerKeyRef(() => db.kmsKeyId)) {
      report(
        `${where}: kmsKeyId is ${show(db.kmsKeyId)}; set it to the stack's customer managed KMS key ARN (the aws/rds key cannot be shared or audited per tenant).`,
      );
    }
    if (db.performanceInsightsEnabled === true && !isCustomerKeyRef(() => db.performanceInsightsKmsKeyId)) {
      report(
        `${where}: Performance Insights is on but performanceInsightsKmsKeyId is ${show(db.performanceInsightsKmsKeyId)}; set it to the stack's KMS key.`,
      );
    }
    // An unknown name is our own group's output (created in this deployment), never a default.* one.
    const group = known(() => db.parameterGroupName);
    if (group !== UNKNOWN && (!present(group) || group.startsWith("default."))) {
      report(
        `${where}: parameterGroupName is ${show(group)}; use the stack's own parameter group with rds.force_ssl=1 so clients must use TLS.`,
      );
    }
  },
);
