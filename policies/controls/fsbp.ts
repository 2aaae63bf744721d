/**
 * AWS Foundational Security Best Practices (FSBP) v1.0.0: the controls of the standard for the
 * services the platform's stacks use (S3, RDS, ElastiCache, ECS, ELB, EC2, KMS, SNS, Secrets Manager,
 * ECR, CloudWatch, IAM, WAF, Backup, and EFS), as data. docs/policies.md's coverage table is
 * generated from this list (./render.ts).
 *
 * Source: the FSBP standard's control list in the AWS Security Hub User Guide
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html), transcribed on
 * 2026-12-01 through prowler-cloud/prowler's machine-readable copy of that list
 * (prowler/compliance/aws/aws_foundational_security_best_practices_aws.json), with titles shortened
 * where AWS's are long. That copy lists no CloudWatch control under FSBP (CloudWatch.1-14 belong
 * to the CIS standard, CloudWatch.15-17 to NIST SP 800-53 in Security Hub). AWS adds controls over
 * time: when Security Hub shows an FSBP control for these services that is missing here, add it
 * with its status in ./coverage.ts; the coverage test then asks for a decision.
 */

/** Severity as Security Hub assigns it. */
export type ControlSeverity = "critical" | "high" | "medium" | "low";

/** One control of a framework. */
export interface Control {
  /** Security Hub's control id, e.g. `S3.9`. */
  readonly id: string;
  /** The service prefix of the id (`S3`, `ElastiCache`, ...). */
  readonly service: string;
  readonly title: string;
  readonly severity: ControlSeverity;
}

/** Where {@link FSBP_CONTROLS} comes from. */
export const FSBP_SOURCE = Object.freeze({
  name: "AWS Foundational Security Best Practices v1.0.0",
  url: "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html",
  retrieved: "2026-12-01",
});

const c = (id: string, title: string, severity: ControlSeverity): Control =>
  Object.freeze({ id, service: id.split(".")[0], title, severity });

/** The FSBP controls of the services the stacks use, by service and number. */
export const FSBP_CONTROLS: readonly Control[] = Object.freeze([
  c("Backup.1", "AWS Backup recovery points should be encrypted at rest", "medium"),
  c("EC2.1", "Amazon EBS snapshots should not be publicly restorable", "critical"),
  c("EC2.2", "VPC default security groups should not allow inbound or outbound traffic", "high"),
  c("EC2.3", "Attached EBS volumes should be encrypted at rest", "medium"),
  c("EC2.4", "Stopped EC2 instances should be removed after a specified time period", "medium"),
  c("EC2.6", "VPC flow logging should be enabled in all VPCs", "medium"),
  c("EC2.7", "EBS default encryption should be enabled", "medium"),
  c("EC2.8", "EC2 instances should use IMDSv2", "high"),
  c("EC2.9", "EC2 instances should not have a public IPv4 address", "high"),
  c("EC2.10", "Amazon EC2 should be configured to use VPC endpoints", "medium"),
  c("EC2.12", "Unused Amazon EC2 EIPs should be removed", "low"),
  c("EC2.13", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22", "high"),
  c("EC2.14", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389", "high"),
  c("EC2.15", "EC2 subnets should not automatically assign public IP addresses", "medium"),
  c("EC2.16", "Unused network access control lists should be removed", "low"),
  c("EC2.17", "EC2 instances should not use multiple ENIs", "low"),
  c("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports", "high"),
  c("EC2.19", "Security groups should not allow unrestricted access to ports with high risk", "medium"),
  c("EC2.20", "Both VPN tunnels for an AWS Site-to-Site VPN connection should be up", "medium"),
  c("EC2.21", "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389", "medium"),
  c("EC2.23", "EC2 Transit Gateways should not automatically accept VPC attachment requests", "high"),
  c("EC2.24", "Paravirtual EC2 instance types should not be used", "medium"),
  c("EC2.25", "EC2 launch templates should not assign public IPs to network interfaces", "high"),
  c("EC2.28", "EBS volumes should be covered by a backup plan", "low"),
  c("EC2.51", "EC2 Client VPN endpoints should have client connection logging enabled", "low"),
  c("ECR.1", "ECR private repositories should have image scanning configured", "high"),
  c("ECR.2", "ECR private repositories should have tag immutability configured", "medium"),
  c("ECR.3", "ECR repositories should have at least one lifecycle policy configured", "medium"),
  c("ECS.1", "ECS task definitions should have secure networking modes and user definitions", "medium"),
  c("ECS.2", "ECS services should not have public IP addresses assigned to them automatically", "high"),
  c("ECS.3", "ECS task definitions should not share the host's process namespace", "high"),
  c("ECS.4", "ECS containers should run as non-privileged", "high"),
  c("ECS.5", "ECS containers should be limited to read-only access to root filesystems", "high"),
  c("ECS.8", "Secrets should not be passed as container environment variables", "high"),
  c("ECS.9", "ECS task definitions should have a logging configuration", "high"),
  c("ECS.10", "Fargate services should run on the latest Fargate platform version", "medium"),
  c("ECS.12", "ECS clusters should use Container Insights", "medium"),
  c("EFS.1", "EFS should be configured to encrypt file data at rest using AWS KMS", "medium"),
  c("EFS.2", "EFS volumes should be in backup plans", "medium"),
  c("EFS.3", "EFS access points should enforce a root directory", "medium"),
  c("EFS.4", "EFS access points should enforce a user identity", "medium"),
  c("ElastiCache.1", "ElastiCache (Redis OSS) clusters should have automatic backups scheduled", "high"),
  c("ElastiCache.2", "ElastiCache clusters should have automatic minor version upgrades applied", "high"),
  c("ElastiCache.3", "ElastiCache replication groups should have automatic failover enabled", "medium"),
  c("ElastiCache.4", "ElastiCache replication groups should be encrypted at rest", "medium"),
  c("ElastiCache.5", "ElastiCache replication groups should be encrypted in transit", "medium"),
  c(
    "ElastiCache.6",
    "ElastiCache (Redis OSS) replication groups of earlier versions should have Redis OSS AUTH enabled",
    "medium",
  ),
  c("ElastiCache.7", "ElastiCache clusters should not use the default subnet group", "high"),
  c(
    "ELB.1",
    "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
    "medium",
  ),
  c(
    "ELB.2",
    "Classic Load Balancers with SSL/HTTPS listeners should use a certificate provided by AWS Certificate Manager",
    "medium",
  ),
  c("ELB.3", "Classic Load Balancer listeners should be configured with HTTPS or TLS termination", "medium"),
  c("ELB.4", "Application Load Balancer should be configured to drop invalid HTTP headers", "medium"),
  c("ELB.5", "Application and Classic Load Balancers logging should be enabled", "medium"),
  c(
    "ELB.6",
    "Application, Gateway, and Network Load Balancers should have deletion protection enabled",
    "medium",
  ),
  c("ELB.7", "Classic Load Balancers should have connection draining enabled", "medium"),
  c("ELB.9", "Classic Load Balancers should have cross-zone load balancing enabled", "medium"),
  c("ELB.10", "Classic Load Balancer should span multiple Availability Zones", "medium"),
  c(
    "ELB.12",
    "Application Load Balancer should be configured with defensive or strictest desync mitigation mode",
    "medium",
  ),
  c(
    "ELB.13",
    "Application, Network and Gateway Load Balancers should span multiple Availability Zones",
    "medium",
  ),
  c(
    "ELB.14",
    "Classic Load Balancer should be configured with defensive or strictest desync mitigation mode",
    "medium",
  ),
  c("ELB.16", "Application Load Balancers should be associated with an AWS WAF web ACL", "medium"),
  c("IAM.1", 'IAM policies should not allow full "*" administrative privileges', "high"),
  c("IAM.2", "IAM users should not have IAM policies attached", "low"),
  c("IAM.3", "IAM users' access keys should be rotated every 90 days or less", "medium"),
  c("IAM.4", "IAM root user access key should not exist", "critical"),
  c("IAM.5", "MFA should be enabled for all IAM users that have a console password", "medium"),
  c("IAM.6", "Hardware MFA should be enabled for the root user", "critical"),
  c("IAM.7", "Password policies for IAM users should have strong configurations", "medium"),
  c("IAM.8", "Unused IAM user credentials should be removed", "medium"),
  c("IAM.9", "MFA should be enabled for the root user", "critical"),
  c(
    "IAM.10",
    "Password policies for IAM users should have strong configurations (PCI DSS minimums)",
    "medium",
  ),
  c("IAM.19", "MFA should be enabled for all IAM users", "medium"),
  c("IAM.21", "IAM customer managed policies should not allow wildcard actions for services", "low"),
  c("IAM.22", "IAM user credentials unused for 45 days should be removed", "medium"),
  c("IAM.26", "Expired SSL/TLS certificates managed in IAM should be removed", "medium"),
  c("KMS.1", "IAM customer managed policies should not allow decryption actions on all KMS keys", "medium"),
  c(
    "KMS.2",
    "IAM principals should not have inline policies that allow decryption actions on all KMS keys",
    "medium",
  ),
  c("KMS.3", "AWS KMS keys should not be deleted unintentionally", "critical"),
  c("KMS.4", "AWS KMS key rotation should be enabled", "medium"),
  c("KMS.5", "KMS keys should not be publicly accessible", "critical"),
  c("RDS.1", "RDS snapshot should be private", "critical"),
  c("RDS.2", "RDS DB instances should prohibit public access", "critical"),
  c("RDS.3", "RDS DB instances should have encryption at rest enabled", "medium"),
  c("RDS.4", "RDS cluster snapshots and database snapshots should be encrypted at rest", "medium"),
  c("RDS.5", "RDS DB instances should be configured with multiple Availability Zones", "medium"),
  c("RDS.6", "Enhanced monitoring should be configured for RDS DB instances", "low"),
  c("RDS.7", "RDS clusters should have deletion protection enabled", "low"),
  c("RDS.8", "RDS DB instances should have deletion protection enabled", "low"),
  c("RDS.9", "RDS DB instances should publish logs to CloudWatch Logs", "medium"),
  c("RDS.10", "IAM authentication should be configured for RDS instances", "medium"),
  c("RDS.11", "RDS instances should have automatic backups enabled", "medium"),
  c("RDS.12", "IAM authentication should be configured for RDS clusters", "medium"),
  c("RDS.13", "RDS automatic minor version upgrades should be enabled", "high"),
  c("RDS.14", "Amazon Aurora clusters should have backtracking enabled", "medium"),
  c("RDS.15", "RDS DB clusters should be configured for multiple Availability Zones", "medium"),
  c("RDS.16", "RDS DB clusters should be configured to copy tags to snapshots", "low"),
  c("RDS.17", "RDS DB instances should be configured to copy tags to snapshots", "low"),
  c("RDS.18", "RDS instances should be deployed in a VPC", "high"),
  c(
    "RDS.19",
    "Existing RDS event notification subscriptions should be configured for critical cluster events",
    "low",
  ),
  c(
    "RDS.20",
    "Existing RDS event notification subscriptions should be configured for critical database instance events",
    "low",
  ),
  c(
    "RDS.21",
    "An RDS event notifications subscription should be configured for critical database parameter group events",
    "low",
  ),
  c(
    "RDS.22",
    "An RDS event notifications subscription should be configured for critical database security group events",
    "low",
  ),
  c("RDS.23", "RDS instances should not use a database engine default port", "low"),
  c("RDS.24", "RDS database clusters should use a custom administrator username", "medium"),
  c("RDS.25", "RDS database instances should use a custom administrator username", "medium"),
  c("RDS.26", "RDS DB instances should be protected by a backup plan", "medium"),
  c("RDS.27", "RDS DB clusters should be encrypted at rest", "medium"),
  c("RDS.34", "Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs", "medium"),
  c("RDS.35", "RDS DB clusters should have automatic minor version upgrade enabled", "medium"),
  c("RDS.36", "RDS for PostgreSQL DB instances should publish logs to CloudWatch Logs", "medium"),
  c("RDS.37", "Aurora PostgreSQL DB clusters should publish logs to CloudWatch Logs", "medium"),
  c("RDS.38", "RDS for PostgreSQL DB instances should be encrypted in transit", "medium"),
  c("RDS.39", "RDS for MySQL DB instances should be encrypted in transit", "medium"),
  c(
    "S3.1",
    "S3 general purpose buckets should have block public access settings enabled (account level)",
    "medium",
  ),
  c("S3.2", "S3 general purpose buckets should block public read access", "critical"),
  c("S3.3", "S3 general purpose buckets should block public write access", "critical"),
  c("S3.5", "S3 general purpose buckets should require requests to use SSL", "medium"),
  c("S3.6", "S3 general purpose bucket policies should restrict access to other AWS accounts", "high"),
  c("S3.7", "S3 general purpose buckets should use cross-Region replication", "low"),
  c("S3.8", "S3 general purpose buckets should block public access (bucket level)", "high"),
  c("S3.9", "S3 general purpose buckets should have server access logging enabled", "medium"),
  c(
    "S3.10",
    "S3 general purpose buckets with versioning enabled should have lifecycle configurations",
    "medium",
  ),
  c("S3.11", "S3 general purpose buckets should have event notifications enabled", "medium"),
  c("S3.12", "ACLs should not be used to manage user access to S3 general purpose buckets", "medium"),
  c("S3.13", "S3 general purpose buckets should have lifecycle configurations", "low"),
  c("S3.14", "S3 general purpose buckets should have versioning enabled", "low"),
  c("S3.15", "S3 general purpose buckets should have Object Lock enabled", "medium"),
  c("S3.17", "S3 general purpose buckets should be encrypted at rest with AWS KMS keys", "medium"),
  c("S3.19", "S3 access points should have block public access settings enabled", "critical"),
  c("S3.20", "S3 general purpose buckets should have MFA delete enabled", "low"),
  c("SecretsManager.1", "Secrets Manager secrets should have automatic rotation enabled", "medium"),
  c(
    "SecretsManager.2",
    "Secrets Manager secrets configured with automatic rotation should rotate successfully",
    "medium",
  ),
  c("SecretsManager.3", "Remove unused Secrets Manager secrets", "medium"),
  c(
    "SecretsManager.4",
    "Secrets Manager secrets should be rotated within a specified number of days",
    "medium",
  ),
  c("SNS.1", "SNS topics should be encrypted at rest using AWS KMS", "medium"),
  c(
    "SNS.2",
    "Logging of delivery status should be enabled for notification messages sent to a topic",
    "medium",
  ),
  c("SNS.4", "SNS topic access policies should not allow public access", "high"),
  c("WAF.1", "AWS WAF Classic Global Web ACL logging should be enabled", "medium"),
  c("WAF.2", "AWS WAF Classic Regional rules should have at least one condition", "medium"),
  c("WAF.3", "AWS WAF Classic Regional rule groups should have at least one rule", "medium"),
  c("WAF.4", "AWS WAF Classic Regional web ACLs should have at least one rule or rule group", "medium"),
  c("WAF.6", "AWS WAF Classic global rules should have at least one condition", "medium"),
  c("WAF.7", "AWS WAF Classic global rule groups should have at least one rule", "medium"),
  c("WAF.8", "AWS WAF Classic global web ACLs should have at least one rule or rule group", "medium"),
  c("WAF.10", "AWS WAF web ACLs should have at least one rule or rule group", "medium"),
  c("WAF.11", "AWS WAF web ACL logging should be enabled", "low"),
  c("WAF.12", "AWS WAF rules should have CloudWatch metrics enabled", "medium"),
]);
