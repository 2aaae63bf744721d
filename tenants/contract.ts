/**
 * The tenant stack's contract, one owner (STYLE.md 13b): the project name, the stack name, the
 * config keys, the spec → stack config function the automation service sets before every run, and
 * the config parse the one program entry ({@link loadTenantConfig}, tenants/program.ts
 * `tenantProgram`) runs under `pulumi -C tenants up`, the Automation API and the offline recorder
 * alike. The spec reaches the program by one channel: `tenant:spec`.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  defaultBaseStackName,
  Environment,
  failed,
  ok,
  parseTenantStackName,
  Parsed,
  Problem,
  tenantStackName,
  valueOrThrow,
  withPathPrefix,
} from "../common";
import { Decommission, DECOMMISSION_FIELD, parseDecommission } from "./decommission";
import { specDisplayPath } from "./registry";
import { APP_SECRETS_FIELD, appSecretsProblems } from "./secretNames";
import { readTenantSpec, TenantSpec } from "./spec";

export { parseTenantStackName, tenantStackName };

/** The Pulumi project of tenant stacks (tenants/Pulumi.yaml `name`). */
export const TENANT_PROJECT = "tenant";

/** Fully qualified config keys of the tenant project. */
export const TENANT_CONFIG_KEYS = Object.freeze({
  /** The validated spec, as JSON (tenants/spec.ts). */
  spec: "tenant:spec",
  /** The base stack reference. @default `organization/platform/<env>` */
  baseStackName: "tenant:baseStackName",
  /**
   * Set by `tenant offboard` to the time offboarding started (ISO-8601 UTC, `2026-11-22T01:30:00Z`):
   * the stack is being decommissioned. See {@link Decommission}.
   */
  decommission: DECOMMISSION_FIELD,
  /**
   * The application's own secrets (API tokens and the like): one secret JSON object of environment
   * variable names to values, set by `tenant onboard/update --secret NAME=VALUE`. The program keeps
   * the values in a Secrets Manager secret that ECS hands the container as environment variables.
   * See {@link parseAppSecrets}.
   */
  secrets: APP_SECRETS_FIELD,
});

/** One stack config value as the Automation API sets it (`ConfigMap` entries). */
export interface StackConfigValue {
  readonly value: string;
  readonly secret: boolean;
}

/** JSON with object keys sorted at every level: equal specs give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The config a tenant stack runs with: the spec (canonical JSON), the base stack reference and,
 * when given, the application's secrets as secret config. What {@link loadTenantConfig} reads back.
 */
export function stackConfig(
  spec: TenantSpec,
  baseStackName: string,
  secrets?: Readonly<Record<string, string>>,
): Record<string, StackConfigValue> {
  const config: Record<string, StackConfigValue> = {
    [TENANT_CONFIG_KEYS.spec]: { value: canonicalJson(spec), secret: false },
    [TENANT_CONFIG_KEYS.baseStackName]: { value: baseStackName, secret: false },
  };
  if (secrets && Object.keys(secrets).length > 0) {
    config[TENANT_CONFIG_KEYS.secrets] = { value: canonicalJson(secrets), secret: true };
  }
  return config;
}

/** The `tenant:decommission` config value for a decommission at `at` (ISO-8601 UTC). */
export function decommissionConfig(at: string): Record<string, StackConfigValue> {
  return { [TENANT_CONFIG_KEYS.decommission]: { value: at, secret: false } };
}

/**
 * `tenant:spec` as a stack's config (or an update's history) holds it: JSON text.
 * @returns the spec, undefined when unset, or the problems (paths within the spec).
 */
export function specFromConfigValue(raw: string | undefined): Parsed<TenantSpec | undefined> {
  if (raw === undefined) {
    return ok(undefined);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return failed([{ path: "", message: `is not JSON: ${(error as Error).message}` }]);
  }
  return readTenantSpec(json);
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
 * @returns the secrets (undefined when unset or empty), or the problems (which never include a value).
 */
export function parseAppSecrets(raw: string | undefined): Parsed<AppSecrets | undefined> {
  if (raw === undefined || raw.trim() === "") {
    return ok(undefined);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // The text may be a secret itself: say where, not what.
    return failed([
      {
        path: TENANT_CONFIG_KEYS.secrets,
        message: 'is not valid JSON; expected a JSON object of NAME: "value"',
      },
    ]);
  }
  const problems = appSecretsProblems(parsed, TENANT_CONFIG_KEYS.secrets);
  if (problems.length > 0) {
    return failed(problems);
  }
  const values = Object.fromEntries(
    Object.entries(parsed as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const names = Object.keys(values);
  return ok(names.length === 0 ? undefined : { names, values: pulumi.secret(values) });
}

/**
 * The one check that a spec lists the environment it is deployed to.
 * @param fix what to do, after `;`. @default add it to the tenant's registry file
 */
export function environmentNotListed(
  spec: TenantSpec,
  environment: Environment,
  fix = `add it to ${specDisplayPath(spec.id)} to deploy the tenant there`,
): Problem[] {
  return spec.environments.includes(environment)
    ? []
    : [
        {
          path: "environments",
          value: spec.environments,
          allowed: `a list that includes "${environment}"`,
          message: `${JSON.stringify(spec.environments)} does not include "${environment}"; ${fix}`,
        },
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
 * @returns the frozen config, or every problem at once: the stack name, `tenant:spec` (each spec
 * field), the spec's id against the stack, the environment against `environments`,
 * `tenant:decommission`, the names and kinds of `tenant:secrets` (never their values).
 */
export function parseTenantConfig(raw: RawTenantConfig): Parsed<TenantConfig> {
  const problems: Problem[] = [];
  const K = TENANT_CONFIG_KEYS;
  const stack = parseTenantStackName(raw.stackName);
  if (!stack) {
    problems.push({
      path: "stack name",
      value: raw.stackName,
      allowed: "<tenant>-<environment>",
      message:
        `"${raw.stackName}" is not <tenant>-<environment> (e.g. acme-staging, acme-production) ` +
        `with a valid tenant id`,
    });
  }
  let spec: TenantSpec | undefined;
  if (raw.spec === undefined) {
    problems.push({
      path: K.spec,
      message:
        `is not set; set the tenant's spec with ` +
        `\`pulumi config set --path ${K.spec}.id <tenant>\` (and the other fields) or \`pulumi config set-all\``,
    });
  } else {
    const parsed = readTenantSpec(textFields(raw.spec));
    if (parsed.problems) {
      problems.push(...withPathPrefix(K.spec, parsed.problems));
    } else {
      spec = parsed.value;
    }
  }
  if (spec && stack) {
    if (spec.id !== stack.tenant) {
      problems.push({
        path: `${K.spec}.id`,
        value: spec.id,
        message:
          `"${spec.id}" does not match the stack "${raw.stackName}" ` +
          `(tenant "${stack.tenant}"); a tenant stack holds its own tenant's spec`,
      });
    }
    problems.push(...withPathPrefix(K.spec, environmentNotListed(spec, stack.environment)));
  }
  const baseStackName = raw.baseStackName?.trim();
  if (baseStackName && !BASE_STACK_NAME_PATTERN.test(baseStackName)) {
    problems.push({
      path: K.baseStackName,
      value: raw.baseStackName,
      message:
        `"${raw.baseStackName}" is not a stack name (<org>/<project>/<stack> or <stack>: ` +
        `letters, digits, "-", "_" and "."); leave it empty for organization/platform/<env>`,
    });
  }
  const decommission = parseDecommission(raw.decommission);
  problems.push(...(decommission.problems ?? []));
  const appSecrets = parseAppSecrets(raw.secrets);
  problems.push(...(appSecrets.problems ?? []));
  if (problems.length > 0 || !spec || !stack) {
    return failed(problems);
  }
  return ok(
    Object.freeze({
      stackName: raw.stackName,
      environment: stack.environment,
      spec,
      baseStackName: baseStackName || defaultBaseStackName(stack.environment),
      ...(decommission.value ? { decommission: decommission.value } : {}),
      ...(appSecrets.value ? { appSecrets: appSecrets.value } : {}),
    }),
  );
}

/** How a misconfigured stack's problems are headed, everywhere they are shown. */
export function misconfiguredHeading(stackName: string): string {
  return `tenant stack "${stackName}" is misconfigured`;
}

/**
 * Reads and validates the running stack's configuration: the program entry's boundary
 * (`pulumi up`, Automation API, recorder).
 * @throws naming every problem at once ({@link parseTenantConfig}), before any resource exists.
 */
export function loadTenantConfig(): TenantConfig {
  // The keys' namespace is the project's name; each is read by its key above, never respelled.
  const config = new pulumi.Config(TENANT_PROJECT);
  const local = (key: string) => key.slice(`${TENANT_PROJECT}:`.length);
  const K = TENANT_CONFIG_KEYS;
  const stackName = pulumi.getStack();
  const parsed = parseTenantConfig({
    stackName,
    spec: config.getObject<unknown>(local(K.spec)),
    baseStackName: config.get(local(K.baseStackName)),
    decommission: config.get(local(K.decommission)),
    // Read as text so the names can be checked before any resource exists; the values go on only
    // inside a secret Output (parseAppSecrets).
    secrets: config.get(local(K.secrets)),
  });
  return valueOrThrow(parsed, misconfiguredHeading(stackName));
}
