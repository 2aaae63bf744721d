/**
 * The tenant stack's configuration: the stack name says which tenant and environment, `tenant:spec`
 * holds the spec, `tenant:baseStackName` names the base stack. Parsed once, validated, frozen.
 */
import * as pulumi from "@pulumi/pulumi";
import { Environment, parseTenantStackName } from "../common";
import { parseTenantSpec, TenantSpec, TenantSpecError } from "./spec";

/** Fully qualified config keys of the tenant project. */
export const TENANT_CONFIG_KEYS = Object.freeze({
  spec: "tenant:spec",
  baseStackName: "tenant:baseStackName",
});

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
}

/** What {@link parseTenantConfig} reads: the stack name and the raw config values. */
export interface RawTenantConfig {
  readonly stackName: string;
  /** `tenant:spec`, as an object (or undefined when unset). */
  readonly spec: unknown;
  /** `tenant:baseStackName`; empty or undefined for the default. */
  readonly baseStackName?: string;
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
 * against the stack, the environment against `environments`.
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
  if (problems.length > 0 || !spec || !stack) {
    throw new Error(`tenant stack "${raw.stackName}" is misconfigured:\n  - ${problems.join("\n  - ")}`);
  }
  return Object.freeze({
    stackName: raw.stackName,
    environment: stack.environment,
    spec,
    baseStackName: baseStackName || defaultBaseStackName(stack.environment),
  });
}

/** Reads and validates the running stack's configuration (`pulumi up`, Automation API, recorder). */
export function loadTenantConfig(): TenantConfig {
  const config = new pulumi.Config("tenant");
  return parseTenantConfig({
    stackName: pulumi.getStack(),
    spec: config.getObject<unknown>("spec"),
    baseStackName: config.get("baseStackName"),
  });
}
