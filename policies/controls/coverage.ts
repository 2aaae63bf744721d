/**
 * Which FSBP control each policy checks, and for every control no policy checks, why: not
 * applicable (the stacks declare no such resource or the control is about the account), enforced
 * by construction (the programs always build it that way; the file says where), or not yet (a gap,
 * said plainly). docs/policies.md's coverage table is rendered from this (./render.ts) and a test
 * keeps the two equal and every control decided (./coverage.test.ts).
 */
import type { PlatformPolicy } from "../lib/policy";
import { CIS_CONTROLS } from "./cis";
import { Control, FSBP_CONTROLS } from "./fsbp";

/** Why no policy checks a control. */
export type UncheckedStatus = "not applicable" | "enforced by construction" | "not yet";

/** The decision for a control no policy checks. */
export interface Decision {
  readonly status: UncheckedStatus;
  readonly reason: string;
}

const na = (reason: string): Decision => ({ status: "not applicable", reason });
const built = (reason: string): Decision => ({ status: "enforced by construction", reason });
const notYet = (reason: string): Decision => ({ status: "not yet", reason });

const ACCOUNT = na("an account-level setting; no stack of the platform manages the account");
const NO_EC2 = na("the stacks run no EC2 instances (Fargate only)");
const NO_EBS = na("the stacks create no EBS volumes or snapshots (Fargate, RDS-managed storage)");
const CLASSIC_LB = na("the stacks use Application Load Balancers only, no Classic Load Balancer");
const NO_CLUSTER = na("the stacks use RDS DB instances (PostgreSQL), no Aurora or Multi-AZ DB cluster");
const NO_IAM_USERS = na(
  "the stacks create no IAM users (roles only; CI uses GitHub OIDC, infra/ciAccess.ts)",
);
const WAF_CLASSIC = na("the stacks use AWS WAF (wafv2), not WAF Classic");
const NO_MYSQL = na("the stacks run PostgreSQL only");

/** Decisions for the FSBP controls no policy implements, by control id. */
export const DECISIONS: Readonly<Record<string, Decision>> = Object.freeze({
  "Backup.1": built("infra/backup.ts: the backup vault encrypts recovery points with the platform KMS key"),
  "EC2.1": NO_EBS,
  "EC2.2": built(
    "infra/network.ts restricts the VPC's default security group (no rules; aws.ec2.DefaultSecurityGroup)",
  ),
  "EC2.3": NO_EBS,
  "EC2.4": NO_EC2,
  "EC2.6": built(
    "infra/network.ts: every VPC gets flow logs of ALL traffic to CloudWatch Logs (infra/flowLogs.ts)",
  ),
  "EC2.7": ACCOUNT,
  "EC2.8": NO_EC2,
  "EC2.9": NO_EC2,
  "EC2.10": notYet(
    "infra/endpoints.ts creates interface endpoints for the services the tasks call, not for EC2 itself; no policy checks endpoints",
  ),
  "EC2.12": na("the stacks allocate Elastic IPs only for their NAT gateways, which use them"),
  "EC2.15": notYet(
    "public subnets map public IPs on launch for the NAT gateways and the ALB (infra/network.ts); private and isolated subnets do not; no policy checks it",
  ),
  "EC2.16": na("the stacks create no network ACLs (the VPC's default ACL only)"),
  "EC2.17": NO_EC2,
  "EC2.20": na("the stacks create no Site-to-Site VPN"),
  "EC2.21": na("the stacks create no network ACLs (the VPC's default ACL only)"),
  "EC2.23": na("the stacks create no Transit Gateway"),
  "EC2.24": NO_EC2,
  "EC2.25": NO_EC2,
  "EC2.28": NO_EBS,
  "EC2.51": na("the stacks create no Client VPN endpoint"),
  "ECR.1": built("infra/registry.ts: scanOnPush is on"),
  "ECR.2": built("infra/registry.ts: imageTagMutability is IMMUTABLE"),
  "ECR.3": built("infra/registry.ts: the repository has a lifecycle policy"),
  "ECS.1": na("task definitions use awsvpc networking (Fargate), never host networking"),
  "ECS.3": na("Fargate task definitions cannot share the host's process namespace"),
  "ECS.4": built("tenants/service.ts never sets privileged (Fargate refuses privileged containers)"),
  "ECS.5": built("tenants/service.ts: readonlyRootFilesystem is true"),
  "ECS.8": built(
    "tenants/service.ts passes credentials through container secrets (Secrets Manager), never environment variables",
  ),
  "ECS.9": built("tenants/service.ts: every container has an awslogs logConfiguration"),
  "ECS.10": built("tenants/service.ts: platformVersion is LATEST"),
  "ECS.12": built("infra/cluster.ts: containerInsights is enabled"),
  "EFS.2": notYet("the stacks declare no EFS file system today; the pack checks EFS encryption only"),
  "EFS.3": na("the stacks create no EFS access points"),
  "EFS.4": na("the stacks create no EFS access points"),
  "ELB.2": CLASSIC_LB,
  "ELB.3": CLASSIC_LB,
  "ELB.4": built("infra/ingress.ts: dropInvalidHeaderFields is true"),
  "ELB.5": built("infra/ingress.ts: the ALB delivers access logs to its log bucket (infra/accessLogs.ts)"),
  "ELB.6": notYet(
    "deletion protection is on in production only (infra/ingress.ts, from the environment profile); no policy checks it",
  ),
  "ELB.7": CLASSIC_LB,
  "ELB.9": CLASSIC_LB,
  "ELB.10": CLASSIC_LB,
  "ELB.12": notYet("the ALB keeps the default desync mitigation mode (defensive); no policy checks it"),
  "ELB.13": built("infra/ingress.ts: the ALB spans the public subnets of every availability zone"),
  "ELB.14": CLASSIC_LB,
  "ELB.16": notYet(
    "the WAF web ACL is attached in production only (DESIGN.md, Environments); no policy checks it",
  ),
  "ElastiCache.2": built("tenants/cache.ts: autoMinorVersionUpgrade is true"),
  "ElastiCache.3": notYet(
    "automatic failover is on for enterprise caches only (one-node standard caches cannot fail over); no policy checks it",
  ),
  "IAM.1": notYet("no policy checks IAM policy documents yet (roles in infra/ and tenants/identity.ts)"),
  "IAM.2": NO_IAM_USERS,
  "IAM.3": NO_IAM_USERS,
  "IAM.4": ACCOUNT,
  "IAM.5": NO_IAM_USERS,
  "IAM.6": ACCOUNT,
  "IAM.7": ACCOUNT,
  "IAM.8": NO_IAM_USERS,
  "IAM.9": ACCOUNT,
  "IAM.10": ACCOUNT,
  "IAM.19": NO_IAM_USERS,
  "IAM.21": notYet("no policy checks IAM policy documents yet (roles in infra/ and tenants/identity.ts)"),
  "IAM.22": NO_IAM_USERS,
  "IAM.26": na("the stacks use ACM certificates, no IAM server certificates"),
  "KMS.1": notYet("no policy checks IAM policy documents yet; tenant task roles name only their own key"),
  "KMS.2": notYet("no policy checks IAM policy documents yet; tenant task roles name only their own key"),
  "KMS.3": na(
    "a runtime state (a key scheduled for deletion); keys have a 30-day deletion window (infra/keys.ts)",
  ),
  "KMS.5": built(
    "infra/keys.ts and tenants/keys.ts: key policies admit only this account and named AWS services",
  ),
  "RDS.1": na("the stacks create no manual DB snapshots"),
  "RDS.4": built(
    "snapshots of an encrypted instance are encrypted with its key (RDS.3 is checked by platform-rds-encryption)",
  ),
  "RDS.6": notYet(
    "enhanced monitoring is not configured; Performance Insights is on for classes that support it",
  ),
  "RDS.7": NO_CLUSTER,
  "RDS.9": notYet("the database does not export its logs to CloudWatch Logs yet"),
  "RDS.10": notYet(
    "the application authenticates with a password from Secrets Manager, not IAM database authentication",
  ),
  "RDS.11": notYet(
    "automated backups are on for every tier, but trial keeps 1 day (DESIGN.md, Tiers), below the control's 7; platform-rds-production-protection checks the tier's minimum",
  ),
  "RDS.12": NO_CLUSTER,
  "RDS.13": built("tenants/database.ts: autoMinorVersionUpgrade is true"),
  "RDS.14": NO_CLUSTER,
  "RDS.15": NO_CLUSTER,
  "RDS.16": NO_CLUSTER,
  "RDS.17": built("tenants/database.ts: copyTagsToSnapshot is true"),
  "RDS.19": NO_CLUSTER,
  "RDS.20": notYet("no RDS event subscription; database alarms go to the alarm topic instead"),
  "RDS.21": notYet("no RDS event subscription; database alarms go to the alarm topic instead"),
  "RDS.22": na("RDS DB security groups are EC2-Classic; the stacks use VPC security groups"),
  "RDS.23": notYet("the database listens on PostgreSQL's default port 5432"),
  "RDS.24": NO_CLUSTER,
  "RDS.25": built('tenants/database.ts: the master username is "app", not the engine default'),
  "RDS.26": built(
    "tenant databases carry the Backup tag the base stack's backup plan selects (infra/backup.ts)",
  ),
  "RDS.27": NO_CLUSTER,
  "RDS.34": NO_CLUSTER,
  "RDS.35": NO_CLUSTER,
  "RDS.36": notYet("the database does not export its logs to CloudWatch Logs yet"),
  "RDS.37": NO_CLUSTER,
  "RDS.39": NO_MYSQL,
  "S3.1": ACCOUNT,
  "S3.6": built("bucket policies grant nothing to other accounts (infra/accessLogs.ts, tenants/storage.ts)"),
  "S3.7": notYet("tenant buckets are versioned and backed up by AWS Backup, not replicated across regions"),
  "S3.10": notYet("versioned buckets without a lifecycle (tenant data buckets keep every version)"),
  "S3.11": notYet("no S3 event notifications"),
  "S3.12": built("buckets use the BucketOwnerEnforced object ownership or the default (ACLs disabled)"),
  "S3.13": notYet("tenant data buckets have no lifecycle (tenant data is kept); log buckets have one"),
  "S3.14": notYet(
    "tenant data and ALB log buckets are versioned; the S3 access-log bucket is not (logs expire)",
  ),
  "S3.15": na("S3 server access log destinations cannot use Object Lock; tenant data needs deletes"),
  "S3.19": na("the stacks create no S3 access points"),
  "S3.20": na("MFA delete cannot be set by infrastructure as code (root user only)"),
  "SNS.2": notYet("delivery status logging is not configured on the alarm topic"),
  "SNS.4": built("infra/alarms.ts: the topic policy admits only this account and the AWS alarm services"),
  "SecretsManager.2": notYet(
    "secrets are rotated by `tenant update --secret`, not by Secrets Manager rotation",
  ),
  "SecretsManager.3": na("a runtime state (secret last accessed)"),
  "SecretsManager.4": notYet("secrets are rotated by `tenant update --secret`, not on a schedule"),
  "WAF.1": WAF_CLASSIC,
  "WAF.2": WAF_CLASSIC,
  "WAF.3": WAF_CLASSIC,
  "WAF.4": WAF_CLASSIC,
  "WAF.6": WAF_CLASSIC,
  "WAF.7": WAF_CLASSIC,
  "WAF.8": WAF_CLASSIC,
  "WAF.10": built("infra/waf.ts: the web ACL has AWS managed rule groups and a rate limit"),
  "WAF.11": notYet("web ACL logging is not configured"),
  "WAF.12": built("infra/waf.ts: every rule and the web ACL have CloudWatch metrics enabled"),
});

/** One row of the coverage table: a control and who checks it, or why nobody does. */
export interface CoverageRow {
  readonly control: Control;
  /** Policies implementing it, with their caveat for this control if any. */
  readonly policies: readonly { readonly name: string; readonly note?: string }[];
  readonly decision?: Decision;
}

/** The coverage of every FSBP control of {@link FSBP_CONTROLS} by `policies`. */
export function fsbpCoverage(policies: readonly PlatformPolicy[]): CoverageRow[] {
  return FSBP_CONTROLS.map((control) => ({
    control,
    policies: policies
      .filter((p) => p.controls?.fsbp?.includes(control.id))
      .map((p) => ({ name: p.name, note: p.controls?.notes?.[control.id] })),
    decision: DECISIONS[control.id],
  }));
}

/** What is wrong with the control metadata of `policies`, one line each; empty when nothing. */
export function controlProblems(policies: readonly PlatformPolicy[]): string[] {
  const fsbp = new Set(FSBP_CONTROLS.map((c) => c.id));
  const cis = new Set(CIS_CONTROLS.map((c) => c.id));
  const how =
    'add `controls: { fsbp: ["S3.9"], cis: ["2.1.2"] }` to its meta (ids from policies/controls/fsbp.ts and cis.ts), ' +
    'or `controls: { none: "<why no framework has this rule>" }`; then run `npm run docs:policies`';
  const problems: string[] = [];
  for (const p of policies) {
    const c = p.controls;
    const mapped = [...(c?.fsbp ?? []), ...(c?.cis ?? [])];
    if (!c || (mapped.length === 0 && !c.none)) {
      problems.push(`${p.name} declares no controls: ${how}.`);
      continue;
    }
    if (mapped.length > 0 && c.none) {
      problems.push(`${p.name}: controls.none is set although it maps ${mapped.join(", ")}; remove one.`);
    }
    for (const id of c.fsbp ?? []) {
      if (!fsbp.has(id)) {
        problems.push(
          `${p.name}: controls.fsbp "${id}" is not in policies/controls/fsbp.ts (add it there, with its source).`,
        );
      }
    }
    for (const id of c.cis ?? []) {
      if (!cis.has(id)) {
        problems.push(
          `${p.name}: controls.cis "${id}" is not in policies/controls/cis.ts (add it there, with its source).`,
        );
      }
    }
    for (const id of Object.keys(c.notes ?? {})) {
      if (!mapped.includes(id)) {
        problems.push(`${p.name}: controls.notes names "${id}", which the policy does not map.`);
      }
    }
  }
  for (const row of fsbpCoverage(policies)) {
    if (row.policies.length === 0 && !row.decision) {
      problems.push(
        `FSBP ${row.control.id} (${row.control.title}) is neither checked by a policy nor decided: map it in a policy's controls, or add it to DECISIONS in policies/controls/coverage.ts.`,
      );
    }
    if (row.policies.length > 0 && row.decision) {
      problems.push(
        `FSBP ${row.control.id} is checked by ${row.policies.map((p) => p.name).join(", ")} but DECISIONS still says "${row.decision.status}"; remove it from DECISIONS.`,
      );
    }
  }
  for (const id of Object.keys(DECISIONS)) {
    if (!fsbp.has(id)) {
      problems.push(`DECISIONS names "${id}", which is not in policies/controls/fsbp.ts.`);
    }
  }
  return problems;
}
