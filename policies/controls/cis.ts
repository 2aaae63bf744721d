/**
 * CIS Amazon Web Services Foundations Benchmark v1.4.0: the recommendations a policy of the pack
 * implements, as data (the benchmark is mostly about the account, IAM and CloudTrail, which no
 * stack of ours manages; only these concern resources the stacks declare).
 *
 * Source: the "Related requirements" of each Security Hub control in the AWS Security Hub User Guide
 * (awsdocs/aws-security-hub-user-guide, doc_source/<service>-controls.md: S3.5 -> 2.1.2, S3.8 ->
 * 2.1.5, RDS.3 -> 2.3.1, KMS.4 -> 3.8), and the benchmark's own numbering for 5.2,
 * which Security Hub's v1.4.0 standard has no control for.
 */
import type { Control } from "./fsbp";

/** Where {@link CIS_CONTROLS} comes from. */
export const CIS_SOURCE = Object.freeze({
  name: "CIS Amazon Web Services Foundations Benchmark v1.4.0",
  url: "https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html",
  retrieved: "2026-12-01",
});

const c = (id: string, title: string, severity: Control["severity"]): Control =>
  Object.freeze({ id, service: "CIS", title, severity });

/** The CIS recommendations the pack maps to (severity: Security Hub's for the related control). */
export const CIS_CONTROLS: readonly Control[] = Object.freeze([
  c("2.1.2", "Ensure S3 Bucket Policy is set to deny HTTP requests", "medium"),
  c("2.1.5", "Ensure that S3 Buckets are configured with 'Block public access (bucket settings)'", "high"),
  c("2.3.1", "Ensure that encryption is enabled for RDS Instances", "medium"),
  c("3.8", "Ensure rotation for customer created symmetric CMKs is enabled", "medium"),
  c(
    "5.2",
    "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports",
    "high",
  ),
]);
