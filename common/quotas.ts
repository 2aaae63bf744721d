/**
 * The AWS service quotas that bind this platform, as data: each one's default for a new account,
 * whether AWS raises it on request, what it is counted over, and where the number comes from.
 * `npm run capacity` compares what the registry needs with these (automation/capacity.ts).
 *
 * Defaults change rarely but they do change: when AWS's page says otherwise, the page is right;
 * update the number and the `checked` date together. A raised quota is not recorded here but per
 * environment in the base stack's config (`platform:quotas`, docs/capacity.md).
 */

/** Where a quota applies. */
export type QuotaScope = "region" | "account" | "load balancer" | "security group";

/** One AWS service quota. */
export interface QuotaDefinition {
  /** Our id, also the key under `platform:quotas` that records a raised value. */
  readonly id: string;
  /** The service, as the Service Quotas console names it. */
  readonly service: string;
  /** The quota's name, as AWS's documentation and the Service Quotas console name it. */
  readonly name: string;
  readonly scope: QuotaScope;
  /** The default value for an account that asked for nothing. */
  readonly default: number;
  /** Whether AWS raises it on request; a hard limit is worked around, never requested. */
  readonly adjustable: boolean;
  /** The AWS documentation page the default comes from. */
  readonly source: string;
  /** What to do when a hard limit binds. */
  readonly workaround?: string;
}

const ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html";
const RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html";
const ELASTICACHE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/quota-limits.html";
const VPC = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html";
const FARGATE = "https://docs.aws.amazon.com/general/latest/gr/ecs-service.html";
const EIP = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html";
const KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html";
const SECRETS = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html";
const IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";
const S3 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html";

/** The quotas `npm run capacity` checks, in report order. Defaults as of {@link QUOTAS_CHECKED}. */
export const QUOTAS: readonly QuotaDefinition[] = Object.freeze(
  [
    {
      id: "albTargetGroupsPerAlb",
      service: "Elastic Load Balancing",
      name: "Target groups per Application Load Balancer",
      scope: "load balancer",
      default: 100,
      adjustable: false,
      source: ELB,
      workaround: "spread tenants over more ingress shards (one ALB each)",
    },
    {
      id: "albRulesPerAlb",
      service: "Elastic Load Balancing",
      name: "Rules per Application Load Balancer (not counting default rules)",
      scope: "load balancer",
      default: 100,
      adjustable: true,
      source: ELB,
    },
    {
      id: "albsPerRegion",
      service: "Elastic Load Balancing",
      name: "Application Load Balancers per Region",
      scope: "region",
      default: 50,
      adjustable: true,
      source: ELB,
    },
    {
      id: "rdsInstances",
      service: "Amazon RDS",
      name: "DB instances",
      scope: "region",
      default: 40,
      adjustable: true,
      source: RDS,
    },
    {
      id: "elasticacheNodes",
      service: "Amazon ElastiCache",
      name: "Nodes per Region",
      scope: "region",
      default: 300,
      adjustable: true,
      source: ELASTICACHE,
    },
    {
      id: "securityGroups",
      service: "Amazon VPC",
      name: "VPC security groups per Region",
      scope: "region",
      default: 2500,
      adjustable: true,
      source: VPC,
    },
    {
      id: "rulesPerSecurityGroup",
      service: "Amazon VPC",
      name: "Inbound or outbound rules per security group",
      scope: "security group",
      default: 60,
      adjustable: true,
      source: VPC,
    },
    {
      id: "fargateVcpus",
      service: "AWS Fargate",
      name: "Fargate On-Demand vCPU resource count",
      scope: "region",
      default: 6,
      adjustable: true,
      source: FARGATE,
    },
    {
      id: "networkInterfaces",
      service: "Amazon VPC",
      name: "Network interfaces per Region",
      scope: "region",
      default: 5000,
      adjustable: true,
      source: VPC,
    },
    {
      id: "elasticIps",
      service: "Amazon EC2",
      name: "EC2-VPC Elastic IPs",
      scope: "region",
      default: 5,
      adjustable: true,
      source: EIP,
    },
    {
      id: "kmsKeys",
      service: "AWS KMS",
      name: "Customer managed keys",
      scope: "region",
      default: 100_000,
      adjustable: true,
      source: KMS,
    },
    {
      id: "secrets",
      service: "AWS Secrets Manager",
      name: "Secrets per Region",
      scope: "region",
      default: 500_000,
      adjustable: false,
      source: SECRETS,
      workaround: "split tenants over more accounts or regions",
    },
    {
      id: "iamRoles",
      service: "AWS IAM",
      name: "Roles per account",
      scope: "account",
      default: 1000,
      adjustable: true,
      source: IAM,
    },
    {
      id: "s3Buckets",
      service: "Amazon S3",
      name: "General purpose buckets per account",
      scope: "account",
      default: 10_000,
      adjustable: true,
      source: S3,
    },
  ].map((q) => Object.freeze(q as QuotaDefinition)),
);

/** When the defaults above were last read from the sources. */
export const QUOTAS_CHECKED = "2026-12-01";

/** The ids of {@link QUOTAS}, the keys `platform:quotas` accepts. */
export const QUOTA_IDS: readonly string[] = Object.freeze(QUOTAS.map((q) => q.id));

/** Raised quotas of one environment: quota id to the value AWS granted. */
export type QuotaOverrides = Readonly<Record<string, number>>;

/**
 * Parses `platform:quotas`, the raised quotas of an environment: a JSON object of quota ids
 * ({@link QUOTA_IDS}) to the value AWS granted, a whole number of at least the default. Empty or
 * unset means none were raised.
 * @returns the overrides, or the problem naming the key, the value and what is allowed.
 */
export function parseQuotaOverrides(
  raw: string | undefined,
  key = "platform:quotas",
): { overrides: QuotaOverrides; problems: string[] } {
  if (raw === undefined || raw.trim() === "") {
    return { overrides: {}, problems: [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return {
      overrides: {},
      problems: [
        `${key} = ${JSON.stringify(raw)} is not an object of quota ids to raised values; ` +
          `set it with \`pulumi config set ${key} '{"rdsInstances": 100}'\``,
      ],
    };
  }
  const problems: string[] = [];
  const overrides: Record<string, number> = {};
  for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
    const quota = QUOTAS.find((q) => q.id === id);
    if (!quota) {
      problems.push(`${key}.${id} is not a quota id; allowed ${QUOTA_IDS.join(", ")}`);
    } else if (!quota.adjustable) {
      problems.push(`${key}.${id}: "${quota.name}" is a hard limit AWS does not raise; remove it`);
    } else if (typeof value !== "number" || !Number.isInteger(value) || value < quota.default) {
      problems.push(
        `${key}.${id} = ${JSON.stringify(value)} is not a whole number of at least the default ${quota.default}`,
      );
    } else {
      overrides[id] = value;
    }
  }
  return { overrides: Object.freeze(overrides), problems };
}
