/**
 * The tenant registry: one validated spec per file in `tenants/registry/<tenant>.yaml`. The fleet
 * operations, the offline plan and the policy check read it with {@link loadRegistry}; the
 * onboarding CLI writes it with {@link writeSpec}.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { parseTenantSpec, TENANT_SPEC_KEYS, TenantSpec, TenantSpecError } from "./spec";
import { LISTENER_PRIORITY_RANGE, listenerPriority } from "./routing";
import { SIZING_OVERRIDE_KEYS } from "../common";

/** The registry directory of this checkout. */
export const REGISTRY_DIR = path.join(__dirname, "registry");

/** A registry that failed to load: every problem of every file, each starting with the file name. */
export class RegistryError extends Error {
  constructor(
    readonly dir: string,
    /** One line per problem: `<file>: <field>: <value> <what is allowed>`. */
    readonly problems: readonly string[],
  ) {
    super(
      `tenant registry ${dir} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n  - ${problems.join("\n  - ")}`,
    );
    this.name = "RegistryError";
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
    throw new RegistryError(dir, [`cannot read the registry directory: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  const specs: TenantSpec[] = [];
  for (const file of files) {
    const expectedId = file.slice(0, -".yaml".length);
    let raw: unknown;
    try {
      raw = parseYaml(fs.readFileSync(path.join(dir, file), "utf8"));
    } catch (error) {
      problems.push(`${file}: not valid YAML: ${(error as Error).message.split("\n")[0]}`);
      continue;
    }
    try {
      const spec = parseTenantSpec(raw, file);
      if (spec.id !== expectedId) {
        problems.push(
          `${file}: id: ${JSON.stringify(spec.id)} does not match the file name; rename the file to ${spec.id}.yaml`,
        );
        continue;
      }
      specs.push(spec);
    } catch (error) {
      if (!(error instanceof TenantSpecError)) {
        throw error;
      }
      problems.push(...error.problems.map((p) => `${file}: ${p}`));
    }
  }
  problems.push(...hostCollisions(specs), ...priorityCollisions(specs));
  if (problems.length > 0) {
    throw new RegistryError(dir, problems);
  }
  return Object.freeze(specs.sort((a, b) => a.id.localeCompare(b.id)));
}

/** The label a tenant takes below the platform domain. */
function hostLabel(spec: TenantSpec): string {
  return spec.subdomain ?? spec.id;
}

function hostCollisions(specs: readonly TenantSpec[]): string[] {
  const byLabel = new Map<string, string[]>();
  for (const spec of specs) {
    byLabel.set(hostLabel(spec), [...(byLabel.get(hostLabel(spec)) ?? []), spec.id]);
  }
  return [...byLabel.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(
      ([label, ids]) =>
        `${ids.map((id) => `${id}.yaml`).join(", ")}: subdomain: "${label}" (host ${label}.<domain>) is used by ` +
        `${ids.length} tenants; give each its own subdomain`,
    );
}

function priorityCollisions(specs: readonly TenantSpec[]): string[] {
  const byPriority = new Map<number, string[]>();
  for (const spec of specs) {
    const p = listenerPriority(spec);
    byPriority.set(p, [...(byPriority.get(p) ?? []), spec.id]);
  }
  return [...byPriority.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(
      ([priority, ids]) =>
        `${ids.map((id) => `${id}.yaml`).join(", ")}: listenerRulePriority: ${priority} is taken by ${ids.length} tenants ` +
        `(ALB rule priorities are unique per listener); set listenerRulePriority in one of them to a free value ` +
        `from ${LISTENER_PRIORITY_RANGE.min} to ${LISTENER_PRIORITY_RANGE.max}`,
    );
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
 * Validates `spec` and writes it to `<dir>/<id>.yaml` (atomically: a temporary file, then a rename).
 * @returns the path written.
 * @throws TenantSpecError when the spec is invalid; nothing is written then.
 */
export function writeSpec(spec: unknown, dir: string = REGISTRY_DIR): string {
  const valid = parseTenantSpec(spec, "to write");
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${valid.id}.yaml`);
  const temp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temp, specToYaml(valid), "utf8");
  fs.renameSync(temp, target);
  return target;
}
