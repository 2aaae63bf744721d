/**
 * Physical names and tenant ids (DESIGN.md, "Stacks and names").
 *
 * One function, {@link physicalName}, decides every AWS physical name we set ourselves, cut to the
 * service's limit. Everything else keeps Pulumi's auto-naming. Names are deterministic: the same
 * inputs always give the same name, so a re-run never replaces a resource.
 */
import { createHash } from "crypto";
import { Environment, ENVIRONMENT_PROFILES, ENVIRONMENTS } from "./environments";
import { Problem, show } from "./problems";

/** The platform's prefix on every physical name. */
export const NAME_PREFIX = "plat";

/** Tenant ids are DNS labels: lowercase letters, digits and single hyphens. */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;
/** Shortest tenant id. */
export const TENANT_ID_MIN_LENGTH = 3;
/** Longest tenant id; chosen so every derived physical name fits without truncation. */
export const TENANT_ID_MAX_LENGTH = 20;

/** Ids a tenant may not take: they collide with platform hostnames or stack names. */
export const RESERVED_TENANT_IDS: readonly string[] = Object.freeze([
  "www",
  "api",
  "admin",
  "app",
  "apps",
  "platform",
  "shared",
  "staging",
  "production",
  "prod",
  "stage",
  "dev",
  "test",
  "mail",
  "smtp",
  "status",
  "support",
  "help",
  "docs",
  "console",
  "dashboard",
  "internal",
  "system",
  "root",
  "aws",
  "amazon",
  "pulumi",
]);

/**
 * Every problem with a tenant id, empty when it is valid. Each message names the value and what is
 * allowed, so callers can report all problems at once.
 */
export function tenantIdProblems(id: unknown): string[] {
  if (typeof id !== "string") {
    return [`tenant id must be a string, got ${show(id)}`];
  }
  const problems: string[] = [];
  if (id.length < TENANT_ID_MIN_LENGTH || id.length > TENANT_ID_MAX_LENGTH) {
    problems.push(
      `tenant id ${show(id)} is ${id.length} characters; allowed ${TENANT_ID_MIN_LENGTH} to ${TENANT_ID_MAX_LENGTH} ` +
        `(longer ids do not fit the 32-character target group name)`,
    );
  }
  if (!TENANT_ID_PATTERN.test(id)) {
    problems.push(
      `tenant id ${show(id)} must be a lowercase DNS label: start with a letter, then letters, digits or hyphens, ` +
        `ending with a letter or digit (${TENANT_ID_PATTERN.source})`,
    );
  }
  if (id.includes("--")) {
    problems.push(`tenant id ${show(id)} must not contain "--"`);
  }
  if (RESERVED_TENANT_IDS.includes(id)) {
    problems.push(`tenant id ${show(id)} is reserved; reserved ids: ${RESERVED_TENANT_IDS.join(", ")}`);
  }
  return problems;
}

/** {@link tenantIdProblems} as problems at `path` (a field, a flag, an argument). */
export function tenantIdProblemsAt(path: string, id: unknown): Problem[] {
  return tenantIdProblems(id).map((message) => ({ path, message, value: id }));
}

/** AWS services we set physical names for, with their rules. */
export const NAME_RULES = {
  /** ALB target groups: 32 characters, alphanumerics and hyphens. */
  targetGroup: { max: 32, lowercase: false },
  /** Application load balancers: 32 characters. */
  loadBalancer: { max: 32, lowercase: false },
  /** ElastiCache replication group ids: 40 characters, lowercase. */
  elasticache: { max: 40, lowercase: true },
  /** RDS instance, parameter group and subnet group identifiers: 63 characters, lowercase. */
  rds: { max: 63, lowercase: true },
  /** S3 buckets: 63 characters, lowercase, globally unique. */
  s3: { max: 63, lowercase: true },
  /** IAM roles: 64 characters. */
  iamRole: { max: 64, lowercase: false },
  /** ECS services and clusters: 255 characters; we keep them short anyway. */
  ecs: { max: 255, lowercase: false },
  /** ECR repositories: 256 characters, lowercase. */
  ecr: { max: 256, lowercase: true },
  /** Secrets Manager secret names: 512 characters, `/` allowed. */
  secret: { max: 512, lowercase: false },
  /** CloudWatch log groups: 512 characters, `/` allowed. */
  logGroup: { max: 512, lowercase: false },
  /** CloudWatch dashboards: 255 characters. */
  dashboard: { max: 255, lowercase: false },
  /** KMS alias names after the `alias/` prefix: 256 characters in all, so 250. */
  kmsAlias: { max: 250, lowercase: false },
  /** Lambda function names: 64 characters. */
  lambda: { max: 64, lowercase: false },
  /**
   * Serverless Application Repository stacks: CloudFormation's 128 characters, less the
   * `serverlessrepo-` prefix AWS puts in front.
   */
  sarStack: { max: 113, lowercase: false },
} as const;

/** A service in {@link NAME_RULES}. */
export type NamedService = keyof typeof NAME_RULES;

/** What a physical name is made of. */
export interface NameParts {
  readonly environment: Environment;
  /** The tenant id; omit for base (shared) resources. */
  readonly tenant?: string;
  /** What the resource is for, e.g. `db`, `app`, `logs`. */
  readonly role?: string;
}

/**
 * The physical name of a resource: `plat-<env>-<tenant>-<role>` (`plat-prd-acme-db`), with parts that
 * are absent left out, lowercased where the service requires it, and cut to the service's limit.
 *
 * When a name is too long it is cut and ends with a hash of the full name, so two long names never
 * collide. With tenant ids of at most {@link TENANT_ID_MAX_LENGTH} characters and our roles, no name
 * needs cutting; the tests prove it for the longest id.
 */
export function physicalName(service: NamedService, parts: NameParts): string {
  const rule = NAME_RULES[service];
  const segments = [NAME_PREFIX, ENVIRONMENT_PROFILES[parts.environment].shortName, parts.tenant, parts.role]
    .map((s) => (s ?? "").replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, ""))
    .filter((s) => s !== "");
  let name = segments.join("-").replace(/-{2,}/g, "-");
  if (rule.lowercase) {
    name = name.toLowerCase();
  }
  if (name.length <= rule.max) {
    return name;
  }
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 7);
  return `${name.slice(0, rule.max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * The stack reference a tenant stack reads its base through by default: `organization/platform/<env>`,
 * the fully qualified name of the base stack on a self-managed backend (DESIGN.md, "Stacks and names").
 */
export function defaultBaseStackName(environment: Environment): string {
  return `organization/platform/${environment}`;
}

/**
 * The tenant stack's name: `<tenant>-<env>`, e.g. `acme-staging`. The rule lives here, below every
 * folder that needs it (the policy pack reads it too); tenants/contract.ts is the tenant stack's
 * contract and re-exports it.
 */
export function tenantStackName(tenant: string, environment: Environment): string {
  return `${tenant}-${environment}`;
}

/** `<tenant>-<environment>`, the environments from {@link ENVIRONMENTS}. */
const TENANT_STACK_NAME_PATTERN = new RegExp(`^(.+)-(${ENVIRONMENTS.join("|")})$`);

/** Splits a tenant stack name into tenant and environment, or undefined if it is not one. */
export function parseTenantStackName(
  stack: string,
): { tenant: string; environment: Environment } | undefined {
  const match = TENANT_STACK_NAME_PATTERN.exec(stack);
  if (!match || tenantIdProblems(match[1]).length > 0) {
    return undefined;
  }
  return { tenant: match[1], environment: match[2] as Environment };
}
