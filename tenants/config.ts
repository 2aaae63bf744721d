/**
 * The tenant stack's configuration: the stack name says which tenant and environment, `tenant:spec`
 * holds the spec, `tenant:baseStackName` names the base stack. Parsed once, validated, frozen.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { defaultBaseStackName, Environment, parseTenantStackName, TENANT_SPEC_CONFIG_KEY } from "../common";
import { parseTenantSpec, TenantSpec, TenantSpecError } from "./spec";

/** Fully qualified config keys of the tenant project. */
export const TENANT_CONFIG_KEYS = Object.freeze({
  spec: TENANT_SPEC_CONFIG_KEY,
  baseStackName: "tenant:baseStackName",
  /**
   * Set by `tenant offboard` to the time offboarding started (ISO-8601 UTC, `2026-11-22T01:30:00Z`):
   * the stack is being decommissioned. See {@link Decommission}.
   */
  decommission: "tenant:decommission",
  /**
   * The application's own secrets (API tokens and the like): one secret JSON object of environment
   * variable names to values, set by `tenant onboard/update --secret NAME=VALUE`. The program keeps
   * the values in a Secrets Manager secret that ECS hands the container as environment variables.
   * See {@link parseAppSecrets}.
   */
  secrets: "tenant:secrets",
});

/** What an application secret's name must look like: an environment variable name. */
export const APP_SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** At most this many application secrets per tenant (one container `secrets` entry each). */
export const APP_SECRETS_MAX = 50;
/** Secrets Manager's limit on a secret's value: the JSON of all of them, bytes. */
export const APP_SECRETS_MAX_BYTES = 65_536;
/**
 * Environment variables the program itself sets on the container (tenants/program.ts), which an
 * application secret may not shadow; program.test.ts checks the container against this list.
 */
export const PLATFORM_ENV_NAMES: readonly string[] = Object.freeze([
  "APP_ENV",
  "APP_PORT",
  "AWS_REGION",
  "DB_HOST",
  "DB_NAME",
  "DB_PASSWORD",
  "DB_PORT",
  "DB_USER",
  "REDIS_AUTH_TOKEN",
  "REDIS_HOST",
  "REDIS_TLS",
  "S3_BUCKET",
  "TENANT_ID",
]);
/**
 * Prefixes reserved for the platform: its database and cache variables (today's and future ones)
 * and what AWS and the ECS agent set in a task (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
 * ECS_CONTAINER_METADATA_URI_V4, ...), which a secret must never override.
 */
export const RESERVED_ENV_PREFIXES: readonly string[] = Object.freeze(["AWS_", "ECS_", "DB_", "REDIS_"]);

/** What {@link appSecretsProblems} allows, for messages. */
const APP_SECRET_NAME_RULE =
  "an environment variable name: an upper-case letter, then upper-case letters, digits or _, at most 64 characters";

/** One application secret's name: an environment variable the platform does not set itself. */
const AppSecretNameSchema = z
  .string()
  .regex(APP_SECRET_NAME_PATTERN, { message: `is not ${APP_SECRET_NAME_RULE} (e.g. API_TOKEN)` })
  .refine((name) => !PLATFORM_ENV_NAMES.includes(name), {
    message: "is set by the platform itself; choose another name",
  })
  .refine((name) => !RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix)), {
    message: `starts with a prefix reserved for the platform (${RESERVED_ENV_PREFIXES.join(", ")}); choose another name`,
  });

/** One application secret's value: a non-empty string. */
const AppSecretValueSchema = z.string().min(1);

/**
 * Problems with application secrets (`tenant:secrets`, `--secret`), empty when none: not an object,
 * too many, a name that is not an environment variable name or is the platform's, a value that is
 * not a non-empty string, all of them too large for one secret. Messages name the key and what is
 * allowed, never a value.
 * @param field how messages name the whole. @default `tenant:secrets`
 */
export function appSecretsProblems(raw: unknown, field: string = TENANT_CONFIG_KEYS.secrets): string[] {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const kind = raw === null ? "null" : Array.isArray(raw) ? "an array" : `a ${typeof raw}`;
    return [`${field}: is ${kind}; expected a JSON object of NAME: "value" (e.g. {"API_TOKEN": "..."})`];
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  const problems: string[] = [];
  if (entries.length > APP_SECRETS_MAX) {
    problems.push(`${field}: has ${entries.length} secrets; at most ${APP_SECRETS_MAX} are allowed`);
  }
  for (const [name, value] of entries) {
    const nameResult = AppSecretNameSchema.safeParse(name);
    if (!nameResult.success) {
      problems.push(
        ...nameResult.error.issues.map((i) => `${field}.${name}: ${JSON.stringify(name)} ${i.message}`),
      );
    }
    if (!AppSecretValueSchema.safeParse(value).success) {
      problems.push(
        `${field}.${name}: the value is ${typeof value === "string" ? "empty" : `a ${value === null ? "null" : typeof value}`}; ` +
          `expected a non-empty string`,
      );
    }
  }
  if (problems.length === 0 && Buffer.byteLength(JSON.stringify(raw), "utf8") > APP_SECRETS_MAX_BYTES) {
    problems.push(
      `${field}: the secrets take more than ${APP_SECRETS_MAX_BYTES} bytes as JSON (Secrets Manager's limit)`,
    );
  }
  return problems;
}

/**
 * The application's secrets as the program uses them: the names (not secret: they become the
 * container's variable names) and the values, a secret Output end to end.
 */
export interface AppSecrets {
  /** Sorted. */
  readonly names: readonly string[];
  /** Name to value; marked secret, so neither state nor previews show it. */
  readonly values: pulumi.Output<Record<string, string>>;
}

/**
 * Parses `tenant:secrets` as the stack config holds it (JSON text; a secret, decrypted by the
 * engine for the program). The names are checked right away, before any resource exists; the values
 * leave this function only inside a secret Output.
 * @returns the secrets, undefined when unset or empty, or the problems (which never include a value).
 */
export function parseAppSecrets(raw: string | undefined): { secrets?: AppSecrets; problems: string[] } {
  if (raw === undefined || raw.trim() === "") {
    return { problems: [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // The text may be a secret itself: say where, not what.
    return {
      problems: [`${TENANT_CONFIG_KEYS.secrets}: is not valid JSON; expected a JSON object of NAME: "value"`],
    };
  }
  const problems = appSecretsProblems(parsed);
  if (problems.length > 0) {
    return { problems };
  }
  const values = Object.fromEntries(
    Object.entries(parsed as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const names = Object.keys(values);
  if (names.length === 0) {
    return { problems: [] };
  }
  return { secrets: { names, values: pulumi.secret(values) }, problems: [] };
}

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
  /** The application's secrets (`tenant:secrets`). @default undefined (none) */
  readonly appSecrets?: AppSecrets;
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
  /** `tenant:secrets`, the JSON text; empty or undefined when the application has none. */
  readonly secrets?: string;
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
 * against the stack, the environment against `environments`, `tenant:decommission`, the names and
 * kinds of `tenant:secrets` (never their values).
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
  const appSecrets = parseAppSecrets(raw.secrets);
  problems.push(...appSecrets.problems);
  if (problems.length > 0 || !spec || !stack) {
    throw new Error(`tenant stack "${raw.stackName}" is misconfigured:\n  - ${problems.join("\n  - ")}`);
  }
  return Object.freeze({
    stackName: raw.stackName,
    environment: stack.environment,
    spec,
    baseStackName: baseStackName || defaultBaseStackName(stack.environment),
    ...(decommission ? { decommission } : {}),
    ...(appSecrets.secrets ? { appSecrets: appSecrets.secrets } : {}),
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
    // Read as text so the names can be checked before any resource exists; the values go on only
    // inside a secret Output (parseAppSecrets).
    secrets: config.get("secrets"),
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

/**
 * Reads and validates `tenant:secrets` alone, for callers that take the spec from elsewhere (the
 * automation service's inline program).
 * @throws naming each bad key and what is allowed, never a value.
 */
export function loadAppSecrets(): AppSecrets | undefined {
  const { secrets, problems } = parseAppSecrets(new pulumi.Config("tenant").get("secrets"));
  if (problems.length > 0) {
    throw new Error(`tenant stack "${pulumi.getStack()}" is misconfigured:\n  - ${problems.join("\n  - ")}`);
  }
  return secrets;
}
