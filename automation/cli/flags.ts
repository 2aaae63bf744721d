/**
 * Flags of the `tenant` CLI turned into a validated spec and target: every problem at once, each
 * naming the flag and what is allowed, before anything is written or created.
 */
import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENTS, isEnvironment, tenantIdProblems } from "../../common";
import { appSecretsProblems } from "../../tenants/config";
import { loadRegistry } from "../../tenants/registry";
import { parseTenantSpec, TenantSpec, tenantSpecProblems } from "../../tenants/spec";
import { UsageError } from "./common";

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
): { spec: TenantSpec; environment: string; secrets: Record<string, string> } {
  const problems: string[] = [];
  if (flags.env === undefined) {
    problems.push(`--env: is required (one of ${ENVIRONMENTS.join(", ")})`);
  } else if (!isEnvironment(flags.env)) {
    problems.push(`--env: ${JSON.stringify(flags.env)} is not one of ${ENVIRONMENTS.join(", ")}`);
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
  problems.push(...tenantSpecProblems(raw).map(withFlag));
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  return { spec: parseTenantSpec(raw), environment: flags.env!, secrets };
}

/** `tier: ...` → `--tier (tier): ...`, `owner: is required ...` → `--owner (owner): is required ...`. */
function withFlag(problem: string): string {
  const match = /^([A-Za-z]+)([.\w]*): /.exec(problem);
  const flag = match ? FLAG_OF_FIELD[match[1]] : undefined;
  return flag ? `${flag} (${match![1]}${match![2]}): ${problem.slice(match![0].length)}` : problem;
}

function parseSecrets(pairs: readonly string[], problems: string[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq) : "";
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key) || eq === pair.length - 1) {
      problems.push(
        `--secret: ${JSON.stringify(pair.replace(/=.*/, "=..."))} is not KEY=VALUE with KEY a letter then letters, digits or _`,
      );
      continue;
    }
    secrets[key] = pair.slice(eq + 1);
  }
  return secrets;
}

/**
 * `--secret` values checked as the tenant program checks `tenant:secrets` (tenants/config.ts: names
 * are environment variable names the platform does not set, values non-empty, at most 50); the
 * problems name the key, never the value. Empty when no secret is given.
 */
export function secretFlagProblems(secrets: Readonly<Record<string, string>>): string[] {
  return Object.keys(secrets).length > 0 ? appSecretsProblems(secrets, "--secret") : [];
}

/**
 * The `--secret KEY=VALUE` pairs of `update`, parsed and checked ({@link secretFlagProblems}).
 * @throws UsageError with every problem at once.
 */
export function secretsFromFlags(pairs: readonly string[]): Record<string, string> {
  const problems: string[] = [];
  const secrets = parseSecrets(pairs, problems);
  problems.push(...(problems.length === 0 ? secretFlagProblems(secrets) : []));
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  return secrets;
}

/** Validates `<tenant>` and `--env` of the commands that address an existing stack. */
export function validateTarget(tenant: string, env: string | undefined): string {
  const problems = tenantIdProblems(tenant).map((p) => `<tenant>: ${p}`);
  if (env === undefined) {
    problems.push(`--env: is required (one of ${ENVIRONMENTS.join(", ")})`);
  } else if (!isEnvironment(env)) {
    problems.push(`--env: ${JSON.stringify(env)} is not one of ${ENVIRONMENTS.join(", ")}`);
  }
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  return env!;
}

/** The tenant's spec in the registry, if it has one. */
export function registrySpec(dir: string, tenant: string): TenantSpec | undefined {
  if (!fs.existsSync(path.join(dir, `${tenant}.yaml`))) {
    return undefined;
  }
  return loadRegistry(dir).find((s) => s.id === tenant);
}

/** The tenant's spec in the registry; a usage error naming the fix when it has none. */
export function requireRegistrySpec(dir: string, tenant: string): TenantSpec {
  const spec = registrySpec(dir, tenant);
  if (!spec) {
    throw new UsageError([
      `<tenant>: "${tenant}" has no spec in ${dir}; onboard it first (tenant onboard ${tenant} ...)`,
    ]);
  }
  return spec;
}
