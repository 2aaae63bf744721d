/**
 * The base stack's configuration, parsed once into a frozen, validated {@link BaseConfig}.
 *
 * Pulumi.yaml declares every key with its type, description and default; Pulumi.<stack>.yaml holds
 * what differs. {@link parseBaseConfig} is pure (tests and the offline plan call it with a plain
 * map); {@link loadBaseConfig} feeds it the running stack's config. A bad value fails here, before any
 * resource is created, with every problem listed at once: the key, the value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  DATA_CLASSIFICATIONS,
  DataClassification,
  ENVIRONMENT_PROFILES,
  ENVIRONMENTS,
  Environment,
  EnvironmentProfile,
  isEnvironment,
  formatProblems,
  INGRESS_SHARDS_KEY,
  INGRESS_SHARDS_RANGE,
  parseQuotaOverrides,
  QuotaOverrides,
  tagValueProblem,
} from "../common";
import { vpcCidrProblem } from "./cidr";

/** The fully qualified config key of each setting (`pulumi config set <key> <value>`). */
export const CONFIG_KEYS = Object.freeze({
  region: "aws:region",
  domain: "platform:domain",
  hostedZoneId: "platform:hostedZoneId",
  owner: "platform:owner",
  costCenter: "platform:costCenter",
  dataClassification: "platform:dataClassification",
  vpcCidr: "platform:vpcCidr",
  githubRepository: "platform:githubRepository",
  githubBranches: "platform:githubBranches",
  githubOidcProviderArn: "platform:githubOidcProviderArn",
  ecrImagesToKeep: "platform:ecrImagesToKeep",
  backupRetentionDays: "platform:backupRetentionDays",
  alarmEmail: "platform:alarmEmail",
  backupCopyRegion: "platform:backupCopyRegion",
  stateBucket: "platform:stateBucket",
  quotas: "platform:quotas",
  ingressShards: INGRESS_SHARDS_KEY,
} as const);

/** The project's config namespace; unknown keys in it are reported (they are usually typos). */
export const CONFIG_NAMESPACE = "platform";

/** Allowed range of `platform:ecrImagesToKeep`. */
export const ECR_IMAGES_TO_KEEP_RANGE = Object.freeze({ min: 1, max: 1000 });
/** Allowed range of `platform:backupRetentionDays`. */
export const BACKUP_RETENTION_RANGE = Object.freeze({ min: 1, max: 3650 });
/**
 * Longest platform domain: tenant hosts are `<tenant>.<domain>` with tenant ids of up to 20
 * characters, and a DNS name holds at most 253.
 */
export const DOMAIN_MAX_LENGTH = 232;

/** The validated configuration of one base stack. Deeply frozen. */
export interface BaseConfig {
  /** The environment, from the stack name. */
  readonly environment: Environment;
  /** What the environment decides (NAT, WAF, deletion protection, log retention floor). */
  readonly profile: EnvironmentProfile;
  /** AWS region of every resource. */
  readonly region: string;
  /** The platform domain, lowercase, no trailing dot. */
  readonly domain: string;
  /** An existing Route 53 zone for the domain; undefined to create one. */
  readonly hostedZoneId?: string;
  /** Values of the Owner, CostCenter and DataClassification tags. */
  readonly owner: string;
  readonly costCenter: string;
  readonly dataClassification: DataClassification;
  /** The VPC's IPv4 CIDR. */
  readonly vpcCidr: string;
  /** Who may assume the deploy role: a repository and its branches. */
  readonly github: {
    readonly repository: string;
    readonly branches: readonly string[];
    /** An existing GitHub OIDC provider; undefined to create one. */
    readonly oidcProviderArn?: string;
  };
  /** ECR lifecycle: images kept. */
  readonly ecrImagesToKeep: number;
  /** Days AWS Backup keeps recovery points. */
  readonly backupRetentionDays: number;
  /** Email subscribed to the alarm topic; undefined for none. */
  readonly alarmEmail?: string;
  /** The second region backups are copied to; never the stack's own region. */
  readonly backupCopyRegion: string;
  /**
   * The S3 bucket of the Pulumi backend (`s3://<bucket>`): the deploy and preview roles may read
   * (and the deploy role write) the state there. Undefined: another backend, no state statement.
   */
  readonly stateBucket?: string;
  /**
   * AWS quotas raised for this environment's account (quota id to granted value); `npm run capacity`
   * compares the registry's needs with these instead of the defaults (common/quotas.ts).
   */
  readonly quotas: QuotaOverrides;
  /**
   * Ingress shards: how many ALBs the base stack creates (common/ingress.ts). Shard 0 is the single
   * ALB of a stack from before sharding, with the same resources.
   */
  readonly ingressShards: number;
}

// --- Checks: each returns what is wrong and what is allowed, or undefined. -------------------------

const REGION_PATTERN =
  /^(af|ap|ca|eu|il|me|mx|sa|us)-(central|north|northeast|northwest|south|southeast|southwest|east|west)-[1-9]$/;
const LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ZONE_ID_PATTERN = /^Z[A-Z0-9]{1,31}$/;
const REPOSITORY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const BRANCH_PATTERN = /^[A-Za-z0-9._/-]{1,255}$/;
const OIDC_PROVIDER_ARN_PATTERN =
  /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function regionProblem(v: string): string | undefined {
  return REGION_PATTERN.test(v)
    ? undefined
    : "is not an AWS region of the commercial partition; expected e.g. us-east-1 or eu-west-1";
}

function domainProblem(v: string): string | undefined {
  const labels = v.split(".");
  if (v.length > DOMAIN_MAX_LENGTH) {
    return `is ${v.length} characters; allowed at most ${DOMAIN_MAX_LENGTH} so <tenant>.<domain> fits in 253`;
  }
  if (labels.length < 2 || !labels.every((l) => LABEL_PATTERN.test(l))) {
    return (
      "is not a lowercase DNS name; expected at least two dot-separated labels of a-z, 0-9 and inner hyphens, " +
      "no trailing dot, no wildcard (e.g. platform.example.com)"
    );
  }
  return undefined;
}

function hostedZoneIdProblem(v: string): string | undefined {
  return ZONE_ID_PATTERN.test(v)
    ? undefined
    : 'is not a Route 53 hosted zone id; expected "Z" and up to 31 uppercase letters or digits, or "" to create a zone';
}

function tagProblem(tag: string): (v: string) => string | undefined {
  return (v) =>
    tagValueProblem(tag, v) ? `is not a valid ${tag} tag value; ${tagValueProblem(tag, v)}` : undefined;
}

function dataClassificationProblem(v: string): string | undefined {
  return (DATA_CLASSIFICATIONS as readonly string[]).includes(v)
    ? undefined
    : `is not a data classification; allowed ${DATA_CLASSIFICATIONS.join(", ")}`;
}

function repositoryProblem(v: string): string | undefined {
  return REPOSITORY_PATTERN.test(v) && !v.endsWith("/.") && !v.endsWith("/..")
    ? undefined
    : "is not a GitHub repository; expected owner/repo (owner: letters, digits, hyphens; repo: letters, digits, . _ -)";
}

function branchProblem(v: string): string | undefined {
  const invalid =
    !BRANCH_PATTERN.test(v) ||
    v.includes("..") ||
    v.includes("//") ||
    v.startsWith("/") ||
    v.endsWith("/") ||
    v.startsWith("-") ||
    v.endsWith(".lock");
  return invalid
    ? "is not an exact git branch name; allowed letters, digits and . _ / - (no wildcards, no .., no leading or trailing /)"
    : undefined;
}

function oidcProviderArnProblem(v: string): string | undefined {
  return OIDC_PROVIDER_ARN_PATTERN.test(v)
    ? undefined
    : 'is not the ARN of a GitHub OIDC provider; expected arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or "" to create it';
}

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bucketProblem(v: string): string | undefined {
  return BUCKET_PATTERN.test(v) && !v.includes("..")
    ? undefined
    : 'is not an S3 bucket name; expected 3 to 63 lowercase letters, digits, "." and "-" (the bucket of s3://<bucket>), or "" for another backend';
}

function emailProblem(v: string): string | undefined {
  return EMAIL_PATTERN.test(v)
    ? undefined
    : 'is not an email address; expected name@example.com, or "" for none';
}

function integerProblem(range: { min: number; max: number }): (v: string) => string | undefined {
  return (v) => {
    const n = Number(v);
    return /^\d+$/.test(v) && n >= range.min && n <= range.max
      ? undefined
      : `is not an integer from ${range.min} to ${range.max}`;
  };
}

// --- Schema: the raw map (as Pulumi hands it over: strings, arrays JSON-encoded) to typed values. ---

type Check = (v: string) => string | undefined;

function setting(key: string, check: Check) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `is not set; set it with \`pulumi config set ${key} <value>\` (Pulumi.yaml declares its default)`
          : "must be a string",
    })
    .superRefine((value, ctx) => {
      const problem = check(value);
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem });
      }
    });
}

/** An optional setting: its Pulumi.yaml default is "" (Pulumi has no "unset" default). */
function optionalSetting(key: string, check: Check) {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v))
    .pipe(setting(key, check).optional());
}

function branches(key: string) {
  return setting(key, (v) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((b) => typeof b !== "string")) {
      return `is not a non-empty list of branch names; set it with \`pulumi config set --path '${key}[0]' main\``;
    }
    const bad = parsed.map((b: string) => [b, branchProblem(b)] as const).filter(([, p]) => p !== undefined);
    return bad.length > 0 ? bad.map(([b, p]) => `branch ${JSON.stringify(b)} ${p}`).join("; ") : undefined;
  }).transform((v) => JSON.parse(v) as string[]);
}

const K = CONFIG_KEYS;

/** The schema of the raw config map, keyed by fully qualified config key. */
export const RawBaseConfigSchema = z.object({
  [K.region]: setting(K.region, regionProblem),
  [K.domain]: setting(K.domain, domainProblem),
  [K.hostedZoneId]: optionalSetting(K.hostedZoneId, hostedZoneIdProblem),
  [K.owner]: setting(K.owner, tagProblem("Owner")),
  [K.costCenter]: setting(K.costCenter, tagProblem("CostCenter")),
  [K.dataClassification]: setting(K.dataClassification, dataClassificationProblem),
  [K.vpcCidr]: setting(K.vpcCidr, vpcCidrProblem),
  [K.githubRepository]: setting(K.githubRepository, repositoryProblem),
  [K.githubBranches]: branches(K.githubBranches),
  [K.githubOidcProviderArn]: optionalSetting(K.githubOidcProviderArn, oidcProviderArnProblem),
  [K.ecrImagesToKeep]: setting(K.ecrImagesToKeep, integerProblem(ECR_IMAGES_TO_KEEP_RANGE)).transform(Number),
  [K.backupRetentionDays]: setting(K.backupRetentionDays, integerProblem(BACKUP_RETENTION_RANGE)).transform(
    Number,
  ),
  [K.alarmEmail]: optionalSetting(K.alarmEmail, emailProblem),
  [K.backupCopyRegion]: setting(K.backupCopyRegion, regionProblem),
  [K.stateBucket]: optionalSetting(K.stateBucket, bucketProblem),
  // Pulumi.yaml declares the default 1; a config map without the key (tests, older tools) means it too.
  [K.ingressShards]: optionalSetting(K.ingressShards, integerProblem(INGRESS_SHARDS_RANGE)).transform((v) =>
    v === undefined ? 1 : Number(v),
  ),
  [K.quotas]: optionalSetting(
    K.quotas,
    (v) => parseQuotaOverrides(v, K.quotas).problems.join("; ") || undefined,
  ),
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the raw config of the base stack for `environment` (the stack name).
 *
 * @param environment the stack name; must be one of {@link ENVIRONMENTS}.
 * @param raw config values by fully qualified key (`platform:domain`), as Pulumi hands them over:
 *   strings, with arrays JSON-encoded. Keys of other namespaces are ignored.
 * @throws one error listing every problem: the key, the value received and what is allowed.
 */
export function parseBaseConfig(
  environment: string,
  raw: Readonly<Record<string, string | undefined>>,
): BaseConfig {
  const problems: string[] = [];
  if (!isEnvironment(environment)) {
    problems.push(
      `stack ${JSON.stringify(environment)}: a base stack is named after its environment; allowed ${ENVIRONMENTS.join(", ")}`,
    );
  }
  const known = new Set<string>(Object.values(CONFIG_KEYS));
  for (const key of Object.keys(raw).sort()) {
    if (key.startsWith(`${CONFIG_NAMESPACE}:`) && !known.has(key)) {
      problems.push(`${key} is not a known setting (a typo?); known: ${[...known].join(", ")}`);
    }
  }
  const result = RawBaseConfigSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0]);
      const value = raw[key];
      problems.push(
        value === undefined
          ? `${key} ${issue.message}`
          : `${key} = ${JSON.stringify(value)} ${issue.message}`,
      );
    }
  }
  if (result.success && result.data[K.backupCopyRegion] === result.data[K.region]) {
    problems.push(
      `${K.backupCopyRegion} = ${JSON.stringify(raw[K.backupCopyRegion])} is the stack's own region (${K.region}); ` +
        "copies must go to another region (e.g. us-west-2 for us-east-1)",
    );
  }
  if (problems.length > 0 || !result.success || !isEnvironment(environment)) {
    throw new Error(
      `${formatProblems(`invalid configuration of base stack ${JSON.stringify(environment)}`, problems)}\n` +
        "Every key, its type and default is declared in Pulumi.yaml; fix it with `pulumi config set <key> <value>`.",
    );
  }
  const c = result.data;
  return deepFreeze({
    environment,
    profile: ENVIRONMENT_PROFILES[environment],
    region: c[K.region],
    domain: c[K.domain],
    ...(c[K.hostedZoneId] !== undefined && { hostedZoneId: c[K.hostedZoneId] }),
    owner: c[K.owner],
    costCenter: c[K.costCenter],
    dataClassification: c[K.dataClassification] as DataClassification,
    vpcCidr: c[K.vpcCidr],
    github: {
      repository: c[K.githubRepository],
      branches: c[K.githubBranches],
      ...(c[K.githubOidcProviderArn] !== undefined && { oidcProviderArn: c[K.githubOidcProviderArn] }),
    },
    ecrImagesToKeep: c[K.ecrImagesToKeep],
    backupRetentionDays: c[K.backupRetentionDays],
    ...(c[K.alarmEmail] !== undefined && { alarmEmail: c[K.alarmEmail] }),
    backupCopyRegion: c[K.backupCopyRegion],
    ...(c[K.stateBucket] !== undefined && { stateBucket: c[K.stateBucket] }),
    quotas: parseQuotaOverrides(c[K.quotas], K.quotas).overrides,
    ingressShards: c[K.ingressShards],
  });
}

/**
 * The running stack's configuration: the stack name is the environment, the values are the
 * stack's config merged with Pulumi.yaml's defaults (the CLI merges them before the program runs).
 * @throws a `pulumi.RunError` with {@link parseBaseConfig}'s message.
 */
export function loadBaseConfig(): BaseConfig {
  try {
    return parseBaseConfig(pulumi.getStack(), pulumi.runtime.allConfig());
  } catch (error) {
    // A RunError is printed as its message alone: the operator sees the problems, not a stack trace.
    throw new pulumi.RunError((error as Error).message);
  }
}
