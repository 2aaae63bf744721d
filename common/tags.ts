/**
 * The tagging strategy (DESIGN.md, "Tags"): which keys every taggable resource carries, which values
 * are allowed, and the one builder that produces them. Programs hand the result to the AWS
 * provider's `defaultTags`; the tagging policy checks against the same constants.
 */
import { ENVIRONMENTS, Environment } from "./environments";
import { formatProblems, show } from "./problems";

/** Keys every taggable resource carries, on base and tenant stacks alike. */
export const REQUIRED_TAG_KEYS = [
  "Tenant",
  "Environment",
  "Owner",
  "CostCenter",
  "DataClassification",
  "ManagedBy",
] as const;

/** Keys tenant stacks carry on top of {@link REQUIRED_TAG_KEYS}. */
export const TENANT_TAG_KEYS = [...REQUIRED_TAG_KEYS, "Tier"] as const;

/** A required tag key. */
export type TagKey = (typeof TENANT_TAG_KEYS)[number];

/** The tag that carries a tenant's tier (AWS Backup selects copies by it). */
export const TIER_TAG_KEY: TagKey = "Tier";

/** The `Tenant` value of resources shared by every tenant (the base stack). */
export const SHARED_TENANT = "shared";

/** The `ManagedBy` value; anything else means the resource was not created by this code. */
export const MANAGED_BY = "pulumi";

/** Data classification levels, least to most sensitive. */
export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;

/** One of {@link DATA_CLASSIFICATIONS}. */
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];

/**
 * Tag key that AWS Backup selects on: data stores tagged `<key>=<environment>` join the base stack's
 * backup plan for that environment.
 */
export const BACKUP_TAG_KEY = "Backup";

/** What the tag builder needs. `tier` is set for tenant stacks only. */
export interface TagInput {
  readonly tenant: string;
  readonly environment: Environment;
  readonly owner: string;
  readonly costCenter: string;
  readonly dataClassification: DataClassification;
  readonly tier?: string;
}

/** AWS tag value rules: at most 256 characters of letters, digits, spaces and `_.:/=+-@`. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/** Problems with a tag value, empty when it is valid. Used by the builder and the tagging policy. */
export function tagValueProblem(key: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") {
    return `tag ${key} must be a non-empty string, got ${show(value)}`;
  }
  if (!TAG_VALUE.test(value)) {
    return `tag ${key}=${show(value)} must be 1-256 characters of letters, digits, spaces and _.:/=+-@`;
  }
  if (key === "Environment" && !(ENVIRONMENTS as readonly string[]).includes(value)) {
    return `tag Environment=${show(value)} must be one of ${ENVIRONMENTS.join(", ")}`;
  }
  if (key === "DataClassification" && !(DATA_CLASSIFICATIONS as readonly string[]).includes(value)) {
    return `tag DataClassification=${show(value)} must be one of ${DATA_CLASSIFICATIONS.join(", ")}`;
  }
  if (key === "ManagedBy" && value !== MANAGED_BY) {
    return `tag ManagedBy=${show(value)} must be "${MANAGED_BY}"`;
  }
  return undefined;
}

/**
 * Builds the required tags, in a fixed key order, frozen.
 * @throws listing every invalid value at once, before any resource is created.
 */
export function buildTags(input: TagInput): Readonly<Record<string, string>> {
  const tags: Record<string, string> = {
    Tenant: input.tenant,
    Environment: input.environment,
    Owner: input.owner,
    CostCenter: input.costCenter,
    DataClassification: input.dataClassification,
    ManagedBy: MANAGED_BY,
  };
  if (input.tier !== undefined) {
    tags.Tier = input.tier;
  }
  const problems = Object.entries(tags)
    .map(([k, v]) => tagValueProblem(k, v))
    .filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    throw new Error(formatProblems("invalid tags", problems));
  }
  return Object.freeze(tags);
}
