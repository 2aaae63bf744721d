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
  tenantIdProblemsAt,
  UsageError,
} from "../../common";
import { readSpec } from "../../tenants/registry";
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
  return { spec: parsed.value, environment: flags.env as Environment, secrets };
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

/**
 * `--secret NAME=value`, or `--secret NAME` with the value in the environment variable NAME: that
 * form keeps the value out of the process's arguments (`/proc/<pid>/cmdline` is readable by anyone
 * on the host while the command runs).
 */
function parseSecrets(
  pairs: readonly string[],
  problems: Problem[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const pair of pairs) {
    if (/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(pair)) {
      const value = env[pair];
      if (value === undefined || value === "") {
        problems.push({
          path: "--secret",
          allowed: "NAME with the value in the environment variable NAME, or NAME=VALUE",
          message: `${pair}: the environment variable ${pair} is not set or empty; export it with the secret's value (kept out of process arguments), or give ${pair}=VALUE`,
        });
      } else {
        secrets[pair] = value;
      }
      continue;
    }
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq) : "";
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key) || eq === pair.length - 1) {
      // Never the value: only the name part is shown.
      problems.push({
        path: "--secret",
        allowed: "KEY=VALUE or KEY (the value in the environment variable KEY)",
        message: `${JSON.stringify(pair.replace(/=.*/, "=..."))} is not KEY=VALUE with KEY a letter then letters, digits or _`,
      });
      continue;
    }
    secrets[key] = pair.slice(eq + 1);
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
