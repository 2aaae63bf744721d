/**
 * platform-s3-sse-kms: S3 default encryption uses KMS with a customer managed key, on the separate
 * encryption-configuration resource (and on the deprecated inline block, if a bucket still sets it).
 *
 * SSE-S3 (AES256) passes here, because one bucket must use it: ALB access logs can only be delivered
 * to SSE-S3 buckets (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
 * Which bucket may do so spans resources, so platform-s3-sse-s3-only-lb-logs checks it.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isCustomerKeyRef, list, show } from "../lib/values";

/** Algorithms that encrypt with a KMS key. */
export const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

type Rule = { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string } };

/** Problems with a list of default-encryption rules; `where` names the resource. */
export function sseRuleProblems(rules: readonly Rule[] | undefined, where: string): string[] {
  const all = list(rules);
  if (all.length === 0) {
    return [
      `${where} has no encryption rule. Add a rule with sseAlgorithm "aws:kms" and the stack's KMS key.`,
    ];
  }
  const problems: string[] = [];
  for (const rule of all) {
    const d = rule.applyServerSideEncryptionByDefault;
    const algorithm = d?.sseAlgorithm;
    if (algorithm === "AES256") {
      continue; // allowed only for load balancer log buckets: platform-s3-sse-s3-only-lb-logs
    }
    if (!algorithm || !KMS_ALGORITHMS.includes(algorithm)) {
      problems.push(`${where}: sseAlgorithm is ${show(algorithm)}; use "aws:kms" with the stack's KMS key.`);
    } else if (!isCustomerKeyRef(() => d?.kmsMasterKeyId)) {
      problems.push(
        `${where}: sseAlgorithm "${algorithm}" with kmsMasterKeyId ${show(d?.kmsMasterKeyId)} uses the AWS managed key; set kmsMasterKeyId to the stack's customer managed key (platformKmsKeyArn or the tenant key).`,
      );
    }
  }
  return problems;
}

export const s3SseKms: PlatformPolicy = resourcePolicy(
  {
    name: "platform-s3-sse-kms",
    description: "S3 default encryption uses SSE-KMS with a customer managed key.",
    category: "encryption",
    severity: "high",
    controls: {
      fsbp: ["S3.17"],
      notes: {
        "S3.17":
          "log destination buckets use SSE-S3, the only default encryption their AWS log delivery supports",
      },
    },
    rules: [
      "BucketServerSideEncryptionConfiguration rules use aws:kms with a customer key (SSE-S3 only for LB logs)",
      "a bucket's inline serverSideEncryptionConfiguration, if set, follows the same rule",
    ],
    remediationSteps:
      "Create an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms, kmsMasterKeyId set to the stack's KMS key and bucketKeyEnabled true.",
  },
  [aws.s3.BucketServerSideEncryptionConfiguration, aws.s3.Bucket, aws.s3.BucketV2],
  (props, ctx, report) => {
    const where = `${ctx.args.type} "${ctx.args.name}"`;
    if (ctx.args.isType(aws.s3.Bucket) || ctx.args.isType(aws.s3.BucketV2)) {
      const inline = (ctx.args.props as { serverSideEncryptionConfiguration?: { rule?: Rule | Rule[] } })
        .serverSideEncryptionConfiguration;
      if (inline) {
        sseRuleProblems(list(inline.rule), where).forEach(report);
      }
      return;
    }
    sseRuleProblems(props.rules as Rule[], where).forEach(report);
  },
);
