/**
 * The tenant registry, as an API: one validated spec per file in `tenants/registry/<tenant>.yaml`.
 * Nothing else opens a registry file or builds its path: the fleet operations, the offline plan and
 * the policy check read it with {@link loadRegistry} (or {@link readSpec} for one tenant), the
 * onboarding CLI writes one spec with {@link writeSpec}, offboarding takes an environment out with
 * {@link removeEnvironment}, and messages name a file with {@link specDisplayPath}.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { readTenantSpec, TENANT_SPEC_KEYS, TenantSpec } from "./spec";
import { LISTENER_PRIORITY_RANGE, listenerPriority } from "./routing";
import { Environment, Parsed, Problem, ProblemsError, SIZING_OVERRIDE_KEYS, withPathPrefix } from "../common";

/** The registry directory of this checkout. */
export const REGISTRY_DIR = path.join(__dirname, "registry");

/** The registry directory as the repository names it, for messages and reports. */
export const REGISTRY_DISPLAY_DIR = "tenants/registry";

/** The file name of a tenant's spec: `<tenant>.yaml`. */
export function specFileName(tenant: string): string {
  return `${tenant}.yaml`;
}

/** The path of a tenant's spec in `dir`: `<dir>/<tenant>.yaml`. */
export function specPath(tenant: string, dir: string = REGISTRY_DIR): string {
  return path.join(dir, specFileName(tenant));
}

/** The path of a tenant's spec relative to the repository root, `tenants/registry/<tenant>.yaml`. */
export function specDisplayPath(tenant: string): string {
  return `${REGISTRY_DISPLAY_DIR}/${specFileName(tenant)}`;
}

/** A registry that failed to load: every problem of every file, each path starting with the file name. */
export class RegistryError extends ProblemsError {
  constructor(
    readonly dir: string,
    /** Every problem; paths are `<file>: <field>` (`acme.yaml: tier`). */
    problems: readonly Problem[],
  ) {
    super(
      `tenant registry ${dir} has ${problems.length} problem${problems.length === 1 ? "" : "s"}`,
      problems,
    );
  }
}

/**
 * Reads and validates every `*.yaml` spec in `dir`.
 * Checks each spec, that each file is named `<id>.yaml`, that no two tenants share a host name
 * (`<subdomain or id>.<domain>`) or a listener rule priority (routing.ts).
 * @returns the specs sorted by id, frozen.
 * @throws RegistryError listing every problem of every file at once.
 */
export function loadRegistry(dir: string = REGISTRY_DIR): readonly TenantSpec[] {
  let files: string[];
  try {
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
  } catch (error) {
    throw new RegistryError(dir, [
      { path: "", message: `cannot read the registry directory: ${(error as Error).message}` },
    ]);
  }
  const problems: Problem[] = [];
  const specs: TenantSpec[] = [];
  for (const file of files) {
    const parsed = readSpecFile(dir, file);
    if (parsed.problems) {
      problems.push(...parsed.problems);
    } else {
      specs.push(parsed.value);
    }
  }
  problems.push(...hostCollisions(specs), ...priorityCollisions(specs));
  if (problems.length > 0) {
    throw new RegistryError(dir, problems);
  }
  return Object.freeze(specs.sort((a, b) => a.id.localeCompare(b.id)));
}

/** One registry file, parsed and checked against its name. */
function readSpecFile(dir: string, file: string): Parsed<TenantSpec> {
  const expectedId = file.slice(0, -".yaml".length);
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(path.join(dir, file), "utf8"));
  } catch (error) {
    return {
      problems: [{ path: file, message: `not valid YAML: ${(error as Error).message.split("\n")[0]}` }],
    };
  }
  const parsed = readTenantSpec(raw);
  if (parsed.problems) {
    return { problems: withPathPrefix(file, parsed.problems, ": ") };
  }
  const spec = parsed.value;
  if (spec.id !== expectedId) {
    return {
      problems: [
        {
          path: `${file}: id`,
          value: spec.id,
          message: `${JSON.stringify(spec.id)} does not match the file name; rename the file to ${specFileName(spec.id)}`,
        },
      ],
    };
  }
  return { value: spec };
}

/**
 * The spec of one tenant, checked with the whole registry (host names and listener priorities are
 * unique across it).
 * @returns the spec, or undefined when the tenant has no file in `dir`.
 * @throws RegistryError when the registry has problems.
 */
export function readSpec(tenant: string, dir: string = REGISTRY_DIR): TenantSpec | undefined {
  if (!fs.existsSync(specPath(tenant, dir))) {
    return undefined;
  }
  return loadRegistry(dir).find((s) => s.id === tenant);
}

/** The label a tenant takes below the platform domain. */
function hostLabel(spec: TenantSpec): string {
  return spec.subdomain ?? spec.id;
}

function hostCollisions(specs: readonly TenantSpec[]): Problem[] {
  const byLabel = new Map<string, string[]>();
  for (const spec of specs) {
    byLabel.set(hostLabel(spec), [...(byLabel.get(hostLabel(spec)) ?? []), spec.id]);
  }
  return [...byLabel.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([label, ids]) => ({
      path: `${ids.map(specFileName).join(", ")}: subdomain`,
      value: label,
      message: `"${label}" (host ${label}.<domain>) is used by ${ids.length} tenants; give each its own subdomain`,
    }));
}

function priorityCollisions(specs: readonly TenantSpec[]): Problem[] {
  const byPriority = new Map<number, string[]>();
  for (const spec of specs) {
    const p = listenerPriority(spec);
    byPriority.set(p, [...(byPriority.get(p) ?? []), spec.id]);
  }
  return [...byPriority.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([priority, ids]) => ({
      path: `${ids.map(specFileName).join(", ")}: listenerRulePriority`,
      value: priority,
      message:
        `${priority} is taken by ${ids.length} tenants ` +
        `(ALB rule priorities are unique per listener); set listenerRulePriority in one of them to a free value ` +
        `from ${LISTENER_PRIORITY_RANGE.min} to ${LISTENER_PRIORITY_RANGE.max}`,
    }));
}

/**
 * The YAML text of a spec: fields in schema order, sizing fields in catalog order, so the same spec
 * always gives the same bytes (clean diffs in the registry).
 */
export function specToYaml(spec: TenantSpec): string {
  const ordered: Record<string, unknown> = {};
  for (const key of TENANT_SPEC_KEYS) {
    if (spec[key] !== undefined) {
      ordered[key] = spec[key];
    }
  }
  if (spec.sizing) {
    const sizing: Record<string, unknown> = {};
    for (const key of SIZING_OVERRIDE_KEYS) {
      if (spec.sizing[key] !== undefined) {
        sizing[key] = spec.sizing[key];
      }
    }
    ordered.sizing = sizing;
  }
  return `# Tenant spec (tenants/spec.ts; docs/readme-sections/tenants.md).\n${stringifyYaml(ordered, { lineWidth: 0 })}`;
}

/**
 * Writes a validated spec to `<dir>/<id>.yaml` (atomically: a temporary file, then a rename).
 * @returns the path written.
 */
export function writeSpec(spec: TenantSpec, dir: string = REGISTRY_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const target = specPath(spec.id, dir);
  const temp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temp, specToYaml(spec), "utf8");
  fs.renameSync(temp, target);
  return target;
}

/** What {@link removeEnvironment} did to the registry. */
export type RegistryRemoval =
  | { readonly kind: "none" }
  | { readonly kind: "environment-removed"; readonly file: string; readonly spec: TenantSpec }
  | { readonly kind: "spec-removed"; readonly file: string };

/**
 * Takes `environment` out of the tenant's spec (after offboarding there, so the next fleet
 * reconcile does not onboard it again); removes the file when no environment is left.
 * @returns what changed: nothing when the tenant has no spec or does not list the environment.
 * @throws RegistryError when the registry has problems.
 */
export function removeEnvironment(
  tenant: string,
  environment: Environment,
  dir: string = REGISTRY_DIR,
): RegistryRemoval {
  const spec = readSpec(tenant, dir);
  if (!spec || !spec.environments.includes(environment)) {
    return { kind: "none" };
  }
  const environments = spec.environments.filter((e) => e !== environment);
  if (environments.length === 0) {
    fs.rmSync(specPath(tenant, dir));
    return { kind: "spec-removed", file: specPath(tenant, dir) };
  }
  const next = readTenantSpec({ ...spec, environments });
  if (next.problems) {
    throw new RegistryError(dir, withPathPrefix(specFileName(tenant), next.problems, ": "));
  }
  return { kind: "environment-removed", file: writeSpec(next.value, dir), spec: next.value };
}
