/**
 * The tenant stack's configuration: the stack name says which tenant and environment, `tenant:spec`
 * holds the spec, `tenant:baseStackName` names the base stack. Parsed once, validated, frozen.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Environment, parseTenantStackName } from "../common";
import { parseTenantSpec, TenantSpec, TenantSpecError } from "./spec";

/** Fully qualified config keys of the tenant project. */
export const TENANT_CONFIG_KEYS = Object.freeze({
  spec: "tenant:spec",
  baseStackName: "tenant:baseStackName",
  /**
   * Set by `tenant offboard` to the time offboarding started (ISO-8601 UTC, `2026-11-22T01:30:00Z`):
   * the stack is being decommissioned. See {@link Decommission}.
   */
  decommission: "tenant:decommission",
});

/**
 * A stack being decommissioned (`tenant:decommission` is set): the next update lifts the database's
 * deletion protection and names the final snapshots of the database and the cache after
 * {@link Decommission.stamp}; in environments that protect data stores the bucket (and the
 * dedicated key that encrypts it and the snapshots) are retained in AWS when the stack is destroyed.
 */
export interface Decommission {
  /** The timestamp as set, normalized to `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly at: string;
  /** `yyyymmddhhmm` (UTC) of {@link at}: the suffix of final snapshot names. */
  readonly stamp: string;
}

/** What `tenant:decommission` accepts, for messages. */
export const DECOMMISSION_FORMAT =
  "an ISO-8601 UTC timestamp, YYYY-MM-DDTHH:MM:SSZ (e.g. 2026-11-22T01:30:00Z)";

/**
 * `tenant:decommission`: a UTC timestamp ending in `Z` (fractional seconds allowed, no offsets: a
 * snapshot name must not depend on the reader's time zone) that is a real date.
 */
const DecommissionSchema = z.iso
  .datetime({ offset: false, local: false })
  .refine((value) => !Number.isNaN(Date.parse(value)), { message: "not a real date" });

/**
 * Parses `tenant:decommission`. Empty or unset means the stack is not being decommissioned.
 * @returns the decommission, undefined when unset, or a problem naming the key, the value and the format.
 */
export function parseDecommission(raw: unknown): { decommission?: Decommission; problem?: string } {
  if (raw === undefined || raw === null || raw === "") {
    return {};
  }
  const parsed = DecommissionSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      problem:
        `${TENANT_CONFIG_KEYS.decommission}: ${JSON.stringify(raw)} is not ${DECOMMISSION_FORMAT}; ` +
        `\`tenant offboard\` sets it, \`pulumi config rm ${TENANT_CONFIG_KEYS.decommission}\` clears it`,
    };
  }
  const at = new Date(Date.parse(parsed.data)).toISOString().replace(/\.\d{3}Z$/, "Z");
  return { decommission: { at, stamp: at.slice(0, 16).replace(/[-T:]/g, "") } };
}

/** RDS and ElastiCache snapshot names: letters, digits and hyphens, at most 255 characters. */
export const SNAPSHOT_NAME_MAX = 255;

/**
 * The final snapshot of a data store destroyed while decommissioning:
 * `<identifier>-final-<yyyymmddhhmm>`, a fresh name per offboarding so offboarding the same tenant
 * again never collides with an earlier snapshot. Made safe for RDS and ElastiCache: letters, digits
 * and hyphens only, starting with a letter, no double hyphen, no trailing hyphen, at most 255
 * characters (the identifier is cut, never the timestamp).
 */
export function finalSnapshotName(identifier: string, decommission: Decommission): string {
  const suffix = `-final-${decommission.stamp}`;
  let head = identifier
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^A-Za-z]+/, "");
  head = (head || "snapshot").slice(0, SNAPSHOT_NAME_MAX - suffix.length).replace(/-+$/, "");
  return `${head}${suffix}`;
}

/** The base stack a tenant stack reads by default: `organization/platform/<env>` (self-managed backend). */
export function defaultBaseStackName(environment: Environment): string {
  return `organization/platform/${environment}`;
}

/** Problems with deploying `spec` to `environment`, empty when none. */
export function tenantEnvironmentProblems(spec: TenantSpec, environment: Environment): string[] {
  return spec.environments.includes(environment)
    ? []
    : [
        `environments: ${JSON.stringify(spec.environments)} does not include "${environment}"; ` +
          `add it to tenants/registry/${spec.id}.yaml to deploy the tenant there`,
      ];
}

/** A tenant stack's validated configuration. */
export interface TenantConfig {
  /** `<tenant>-<env>`. */
  readonly stackName: string;
  readonly environment: Environment;
  readonly spec: TenantSpec;
  /** The base stack to reference. @default `organization/platform/<env>` */
  readonly baseStackName: string;
  /** Set while the stack is being offboarded (`tenant:decommission`). @default undefined */
  readonly decommission?: Decommission;
}

/** What {@link parseTenantConfig} reads: the stack name and the raw config values. */
export interface RawTenantConfig {
  readonly stackName: string;
  /** `tenant:spec`, as an object (or undefined when unset). */
  readonly spec: unknown;
  /** `tenant:baseStackName`; empty or undefined for the default. */
  readonly baseStackName?: string;
  /** `tenant:decommission`; empty or undefined when the stack is not being decommissioned. */
  readonly decommission?: string;
}

/** `<stack>`, `<project>/<stack>` or `<org>/<project>/<stack>`. */
const BASE_STACK_NAME_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

/** Spec fields that are strings even when `pulumi config set --path` stored them as numbers. */
const STRING_FIELDS = ["id", "displayName", "owner", "costCenter", "imageTag", "subdomain"] as const;

/**
 * `pulumi config set --path tenant:spec.costCenter 4100` stores an integer (the CLI turns values that
 * look like numbers or booleans into them); a spec's text fields are turned back into text here.
 */
function textFields(spec: unknown): unknown {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    return spec;
  }
  const copy: Record<string, unknown> = { ...(spec as Record<string, unknown>) };
  for (const key of STRING_FIELDS) {
    if (typeof copy[key] === "number" || typeof copy[key] === "boolean") {
      copy[key] = String(copy[key]);
    }
  }
  return copy;
}

/**
 * Validates a tenant stack's configuration.
 * @throws naming every problem at once: the stack name, `tenant:spec` (each spec field), the spec's id
 * against the stack, the environment against `environments`, `tenant:decommission`.
 */
export function parseTenantConfig(raw: RawTenantConfig): TenantConfig {
  const problems: string[] = [];
  const stack = parseTenantStackName(raw.stackName);
  if (!stack) {
    problems.push(
      `stack name: "${raw.stackName}" is not <tenant>-<environment> (e.g. acme-staging, acme-production) ` +
        `with a valid tenant id`,
    );
  }
  let spec: TenantSpec | undefined;
  if (raw.spec === undefined) {
    problems.push(
      `${TENANT_CONFIG_KEYS.spec}: is not set; set the tenant's spec with ` +
        `\`pulumi config set --path ${TENANT_CONFIG_KEYS.spec}.id <tenant>\` (and the other fields) or \`pulumi config set-all\``,
    );
  } else {
    try {
      spec = parseTenantSpec(textFields(raw.spec), TENANT_CONFIG_KEYS.spec);
    } catch (error) {
      if (!(error instanceof TenantSpecError)) {
        throw error;
      }
      problems.push(...error.problems.map((p) => `${TENANT_CONFIG_KEYS.spec}.${p}`));
    }
  }
  if (spec && stack) {
    if (spec.id !== stack.tenant) {
      problems.push(
        `${TENANT_CONFIG_KEYS.spec}.id: "${spec.id}" does not match the stack "${raw.stackName}" ` +
          `(tenant "${stack.tenant}"); a tenant stack holds its own tenant's spec`,
      );
    }
    problems.push(
      ...tenantEnvironmentProblems(spec, stack.environment).map((p) => `${TENANT_CONFIG_KEYS.spec}.${p}`),
    );
  }
  const baseStackName = raw.baseStackName?.trim();
  if (baseStackName && !BASE_STACK_NAME_PATTERN.test(baseStackName)) {
    problems.push(
      `${TENANT_CONFIG_KEYS.baseStackName}: "${raw.baseStackName}" is not a stack name (<org>/<project>/<stack> or <stack>: ` +
        `letters, digits, "-", "_" and "."); leave it empty for organization/platform/<env>`,
    );
  }
  const { decommission, problem } = parseDecommission(raw.decommission);
  if (problem) {
    problems.push(problem);
  }
  if (problems.length > 0 || !spec || !stack) {
    throw new Error(`tenant stack "${raw.stackName}" is misconfigured:\n  - ${problems.join("\n  - ")}`);
  }
  return Object.freeze({
    stackName: raw.stackName,
    environment: stack.environment,
    spec,
    baseStackName: baseStackName || defaultBaseStackName(stack.environment),
    ...(decommission ? { decommission } : {}),
  });
}

/** Reads and validates the running stack's configuration (`pulumi up`, Automation API, recorder). */
export function loadTenantConfig(): TenantConfig {
  const config = new pulumi.Config("tenant");
  return parseTenantConfig({
    stackName: pulumi.getStack(),
    spec: config.getObject<unknown>("spec"),
    baseStackName: config.get("baseStackName"),
    decommission: config.get("decommission"),
  });
}

/**
 * Reads and validates `tenant:decommission` alone, for callers that take the spec from elsewhere
 * (the automation service's inline program).
 * @throws naming the key, the value and the allowed format.
 */
export function loadDecommission(): Decommission | undefined {
  const { decommission, problem } = parseDecommission(new pulumi.Config("tenant").get("decommission"));
  if (problem) {
    throw new Error(`tenant stack "${pulumi.getStack()}" is misconfigured:\n  - ${problem}`);
  }
  return decommission;
}
