/**
 * Flags of the `tenant` CLI turned into a validated spec and target: every problem at once, each
 * naming the flag and what is allowed, before anything is written or created.
 */
import {
  ENVIRONMENTS,
  environmentProblem,
  Environment,
  isEnvironment,
  Problem,
  show,
  tenantIdProblemsAt,
  UsageError,
} from "../../common";
import { readSpec, registryProblemsWith, specDisplayPath } from "../../tenants/registry";
import { appSecretsProblems } from "../../tenants/secretNames";
import { readTenantSpec, TenantSpec } from "../../tenants/spec";

/** Spec fields and the flags that set them, for error messages that name the flag. */
export const FLAG_OF_FIELD: Readonly<Record<string, string>> = Object.freeze({
  id: "<tenant>",
  displayName: "--display-name",
  tier: "--tier",
  environments: "--env",
  owner: "--owner",
  costCenter: "--cost-center",
  dataClassification: "--data-classification",
  subdomain: "--subdomain",
  imageTag: "--image-tag",
  listenerRulePriority: "--listener-rule-priority",
});

/** Flags of `tenant onboard`. */
export interface OnboardFlags {
  env?: string;
  tier?: string;
  owner?: string;
  costCenter?: string;
  dataClassification?: string;
  displayName?: string;
  imageTag?: string;
  subdomain?: string;
  listenerRulePriority?: string;
  secret?: string[];
}

/**
 * The spec `tenant onboard` writes: the flags over the tenant's existing registry spec (onboarding
 * a second environment keeps the first), validated. Every problem names the flag and what is
 * allowed.
 * @throws UsageError with every problem at once.
 */
export function specFromFlags(
  tenant: string,
  flags: OnboardFlags,
  existing?: TenantSpec,
): { spec: TenantSpec; environment: Environment; secrets: Record<string, string> } {
  const problems: Problem[] = [];
  const envProblem = environmentProblem("--env", flags.env);
  if (envProblem) {
    problems.push(envProblem);
  }
  const secrets = parseSecrets(flags.secret ?? [], problems);
  const environments = [
    ...new Set([...(existing?.environments ?? []), ...(isEnvironment(flags.env) ? [flags.env] : [])]),
  ];
  const raw: Record<string, unknown> = {
    ...(existing ?? {}),
    id: tenant,
    displayName: flags.displayName ?? existing?.displayName ?? tenant,
    tier: flags.tier ?? existing?.tier,
    environments: environments.length > 0 ? environments : [ENVIRONMENTS[0]],
    owner: flags.owner ?? existing?.owner,
    costCenter: flags.costCenter ?? existing?.costCenter,
    dataClassification: flags.dataClassification ?? existing?.dataClassification,
    subdomain: flags.subdomain ?? existing?.subdomain,
    imageTag: flags.imageTag ?? existing?.imageTag,
    listenerRulePriority:
      flags.listenerRulePriority !== undefined
        ? numberOrText(flags.listenerRulePriority)
        : existing?.listenerRulePriority,
  };
  for (const key of Object.keys(raw)) {
    if (raw[key] === undefined) {
      delete raw[key];
    }
  }
  // The one parse of the spec on its way in; after it the spec travels typed.
  const parsed = readTenantSpec(raw);
  problems.push(...(parsed.problems ?? []).map(withFlag));
  if (problems.length > 0 || !parsed.value) {
    throw new UsageError(problems);
  }
  const shared = existing ? sharedSpecProblems(existing, parsed.value, flags.env as Environment) : [];
  if (shared.length > 0) {
    throw new UsageError(shared);
  }
  return { spec: parsed.value, environment: flags.env as Environment, secrets };
}

/**
 * One spec serves every environment of a tenant: a flag that changes it while onboarding another
 * environment would change the environments already running too (at their next update or
 * reconcile), which nobody asked for. Refused, naming each flag, the two values and the two ways on.
 */
function sharedSpecProblems(existing: TenantSpec, next: TenantSpec, environment: Environment): Problem[] {
  const others = existing.environments.filter((e) => e !== environment);
  if (others.length === 0) {
    return [];
  }
  const fields = new Set(
    [...Object.keys(existing), ...Object.keys(next)].filter((k) => k !== "environments"),
  );
  const value = (spec: TenantSpec, key: string) => (spec as unknown as Record<string, unknown>)[key];
  return [...fields]
    .filter((key) => JSON.stringify(value(existing, key)) !== JSON.stringify(value(next, key)))
    .sort()
    .map((key) => ({
      path: FLAG_OF_FIELD[key] ? `${FLAG_OF_FIELD[key]} (${key})` : key,
      value: value(next, key),
      message:
        `${show(value(next, key))} would change ${key} for ${others.join(" and ")} too (the registry has ${show(value(existing, key))}): ` +
        `one spec serves all of the tenant's environments. Leave the flag out to onboard ${environment} ` +
        `with the registry's value, or change the spec first (edit ${specDisplayPath(existing.id)}, then ` +
        `tenant update ${existing.id} --env ${others[0]})`,
    }));
}

/**
 * A spec problem as the flag that sets its field: path `tier` → `--tier (tier)`, `owner` →
 * `--owner (owner)`; fields no flag sets keep their path.
 */
function withFlag(problem: Problem): Problem {
  const field = problem.path.split(".")[0];
  const flag = Object.prototype.hasOwnProperty.call(FLAG_OF_FIELD, field) ? FLAG_OF_FIELD[field] : undefined;
  return flag ? { ...problem, path: `${flag} (${problem.path})` } : problem;
}

/** A number flag as a number when it is one, so the schema reports a bad one with its text. */
function numberOrText(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** A secret's name in `NAME=value`: the names themselves are checked by {@link secretFlagProblems}. */
const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/**
 * The environment form, `--secret NAME`: an upper-case variable name. A bare lower-case argument is
 * more likely a value given without its name, and is never shown.
 */
const SECRET_ENV_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * `--secret NAME=value`, or `--secret NAME` with the value in the environment variable NAME: that
 * form keeps the value out of the process's arguments (`/proc/<pid>/cmdline` is readable by anyone
 * on the host while the command runs). Each problem says which part is wrong (no `=`, no name, an
 * empty value, a name given twice) and never shows a value; the names themselves are checked by
 * {@link secretFlagProblems}.
 */
function parseSecrets(
  pairs: readonly string[],
  problems: Problem[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const secrets: Record<string, string> = {};
  const add = (key: string, value: string) => {
    if (Object.prototype.hasOwnProperty.call(secrets, key)) {
      problems.push({ path: `--secret.${key}`, message: "is given more than once; give each secret once" });
    } else {
      secrets[key] = value;
    }
  };
  for (const pair of pairs) {
    if (SECRET_ENV_NAME.test(pair)) {
      const value = env[pair];
      if (value === undefined || value === "") {
        problems.push({
          path: "--secret",
          allowed: "NAME with the value in the environment variable NAME, or NAME=VALUE",
          message: `${pair}: the environment variable ${pair} is not set or empty; export it with the secret's value (kept out of process arguments), or give ${pair}=VALUE`,
        });
      } else {
        add(pair, value);
      }
      continue;
    }
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq) : "";
    if (eq < 0 || !SECRET_NAME.test(key)) {
      // Never the value: only the name part is shown.
      problems.push({
        path: "--secret",
        allowed: "NAME=value, or NAME with the value in the environment variable NAME",
        message:
          eq < 0
            ? `an argument has no "="; expected NAME=value, or NAME with the value in the environment variable NAME (the argument is not shown: it may be a value)`
            : `${show(pair.slice(0, eq))}=... is not NAME=value with NAME a letter then letters, digits or _`,
      });
      continue;
    }
    if (eq === pair.length - 1) {
      problems.push({
        path: `--secret.${key}`,
        allowed: "a non-empty value",
        message: `the value is empty; expected ${key}=<a non-empty value>`,
      });
      continue;
    }
    add(key, pair.slice(eq + 1));
  }
  return secrets;
}

/**
 * `--secret` values checked as the tenant program checks `tenant:secrets` (tenants/secretNames.ts: names
 * are environment variable names the platform does not set, values non-empty, at most 50); the
 * problems name the key, never the value. Empty when no secret is given.
 */
export function secretFlagProblems(secrets: Readonly<Record<string, string>>): Problem[] {
  return Object.keys(secrets).length > 0 ? appSecretsProblems(secrets, "--secret") : [];
}

/**
 * The `--secret KEY=VALUE` pairs of `update`, parsed and checked ({@link secretFlagProblems}).
 * @throws UsageError with every problem at once.
 */
export function secretsFromFlags(
  pairs: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const problems: Problem[] = [];
  const secrets = parseSecrets(pairs, problems, env);
  problems.push(...(problems.length === 0 ? secretFlagProblems(secrets) : []));
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  return secrets;
}

/**
 * Validates `<tenant>` and `--env` of the commands that address an existing stack.
 * @throws UsageError with every problem at once.
 */
export function validateTarget(tenant: string, env: string | undefined): Environment {
  const problems = tenantIdProblemsAt("<tenant>", tenant);
  const envProblem = environmentProblem("--env", env);
  if (envProblem) {
    problems.push(envProblem);
  }
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  return env as Environment;
}

/**
 * Validates an optional `--env` (`list`).
 * @throws UsageError naming the value and the environments.
 */
export function optionalEnvironment(env: string | undefined): Environment | undefined {
  const problem = environmentProblem("--env", env, { required: false });
  if (problem) {
    throw new UsageError([problem]);
  }
  return env as Environment | undefined;
}

/** The tenant's spec in the registry; a usage error naming the fix when it has none. */
export function requireRegistrySpec(dir: string, tenant: string): TenantSpec {
  const spec = readSpec(tenant, dir);
  if (!spec) {
    throw new UsageError([
      {
        path: "<tenant>",
        value: tenant,
        message: `"${tenant}" has no spec in ${dir}; onboard it first (tenant onboard ${tenant} ...)`,
      },
    ]);
  }
  return spec;
}

/**
 * The registry with `spec` in it, checked before onboarding writes or creates anything
 * (tenants/registry.ts `registryProblemsWith`): the problems of the other files, and every host name
 * or listener rule priority `spec` would share with another tenant, its own fields named by flag.
 * @throws UsageError with every problem at once.
 */
export function checkRegistryWith(spec: TenantSpec, dir: string): void {
  const problems = registryProblemsWith(spec, dir).map((p) =>
    Object.prototype.hasOwnProperty.call(FLAG_OF_FIELD, p.path) ? withFlag(p) : p,
  );
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
}
