/**
 * The tenant registry, as an API: one validated spec per file in `tenants/registry/<tenant>.yaml`.
 * Nothing else opens a registry file or builds its path: the fleet operations, the offline plan and
 * the policy check read it with {@link loadRegistry} (or {@link readSpec} for one tenant), the
 * onboarding CLI writes one spec with {@link writeSpec}, offboarding takes an environment out with
 * {@link removeEnvironment}, and messages name a file with {@link specDisplayPath}.
 */
import * as fs from "fs";
import * as path from "path";
import { isScalar, parseDocument, stringify as stringifyYaml, visit } from "yaml";
import { readTenantSpec, TENANT_SPEC_KEYS, TenantSpec } from "./spec";
import { LISTENER_PRIORITY_RANGE, listenerPriority } from "./routing";
import {
  Environment,
  Parsed,
  Problem,
  ProblemsError,
  SIZING_OVERRIDE_KEYS,
  withFileLock,
  withPathPrefix,
} from "../common";

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
 * The largest spec file read, in bytes. A spec is a few hundred bytes; the bound keeps the parse
 * cheap (the YAML library's work grows faster than the file) before anything is parsed.
 */
export const MAX_SPEC_BYTES = 64 * 1024;

/** At most this many problems are listed per file; the rest are counted in one more line. */
export const MAX_PROBLEMS_PER_FILE = 20;

/** A registry entry that is a spec: `<name>.yaml`, lowercase extension, nothing after it. */
const SPEC_FILE = /^[^.][^/]*\.yaml$/;

/**
 * A registry entry that looks like YAML without being a spec file (`acme.yml`, `acme.YAML`,
 * `acme.yaml.bak`, `acme.yaml~`, a temporary file `writeSpec` left behind, `.acme.yaml`): it is
 * refused, never silently skipped, since whoever put it there meant it as a spec or forgot it.
 */
const YAML_LIKE = /\.ya?ml\b/i;

/**
 * Reads and validates every `*.yaml` spec in `dir`.
 * Checks each spec, that each file is named `<id>.yaml`, that no two tenants share a host name
 * (`<subdomain or id>.<domain>`) or a listener rule priority (routing.ts). Entries that look like
 * YAML but are not `<id>.yaml` files (`acme.yml`, `acme.YAML`, `acme.yaml.bak`) are problems, not
 * skipped; other files (a README) are left alone.
 * @returns the specs sorted by id, frozen.
 * @throws RegistryError listing every problem of every file at once.
 */
export function loadRegistry(dir: string = REGISTRY_DIR): readonly TenantSpec[] {
  const { specs, problems } = readRegistry(dir);
  problems.push(...hostCollisions(specs), ...priorityCollisions(specs));
  if (problems.length > 0) {
    throw new RegistryError(dir, problems);
  }
  return Object.freeze([...specs].sort((a, b) => a.id.localeCompare(b.id)));
}

/** Every file of the registry read on its own: the valid specs, and the problems of the others. */
function readRegistry(
  dir: string,
  opts: { missingIsEmpty?: boolean } = {},
): { specs: TenantSpec[]; problems: Problem[] } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    if (opts.missingIsEmpty && (error as NodeJS.ErrnoException).code === "ENOENT") {
      return { specs: [], problems: [] };
    }
    return {
      specs: [],
      problems: [{ path: "", message: `cannot read the registry directory: ${(error as Error).message}` }],
    };
  }
  const problems: Problem[] = [];
  const specs: TenantSpec[] = [];
  for (const entry of entries) {
    if (SPEC_FILE.test(entry.name)) {
      const parsed = readSpecFile(dir, entry.name);
      if (parsed.problems) {
        problems.push(...parsed.problems);
      } else {
        specs.push(parsed.value);
      }
    } else if (YAML_LIKE.test(entry.name)) {
      problems.push(notASpecFile(entry.name));
    }
  }
  return { specs, problems };
}

function notASpecFile(name: string): Problem {
  const base = name.replace(/^\.+/, "").replace(/\.ya?ml\b.*$/i, "");
  return {
    path: name,
    message:
      `is not read: registry specs are files named <tenant id>.yaml (lowercase .yaml); ` +
      `rename it to ${specFileName(base.toLowerCase())} if it is a spec, or move it out of the registry`,
  };
}

/** One registry file, parsed and checked against its name. */
function readSpecFile(dir: string, file: string): Parsed<TenantSpec> {
  const expectedId = file.slice(0, -".yaml".length);
  const raw = readYamlFile(path.join(dir, file));
  if (raw.problems) {
    return { problems: withPathPrefix(file, raw.problems, ": ") };
  }
  const parsed = readTenantSpec(raw.value);
  if (parsed.problems) {
    return { problems: capped(file, withPathPrefix(file, parsed.problems, ": ")) };
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
 * A YAML file's content, with its cost bounded before it is parsed: a regular file of at most
 * {@link MAX_SPEC_BYTES}, aliases limited, and duplicate keys found in one pass (the YAML library's
 * own check compares every key with every other, which never ends on a large file).
 */
function readYamlFile(file: string): Parsed<unknown> {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return { problems: [{ path: "", message: "is not a regular file" }] };
    }
    if (stat.size > MAX_SPEC_BYTES) {
      return {
        problems: [
          {
            path: "",
            value: stat.size,
            message: `is ${stat.size} bytes; a spec file is at most ${MAX_SPEC_BYTES} bytes (a spec takes a few hundred)`,
          },
        ],
      };
    }
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return { problems: [{ path: "", message: `cannot be read: ${(error as Error).message}` }] };
  }
  try {
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length > 0) {
      return { problems: [{ path: "", message: `not valid YAML: ${doc.errors[0].message.split("\n")[0]}` }] };
    }
    const duplicates = duplicateKeys(doc);
    if (duplicates.length > 0) {
      return {
        problems: duplicates.slice(0, MAX_PROBLEMS_PER_FILE).map((key) => ({
          path: key,
          message: "appears more than once in the same mapping; keep one",
        })),
      };
    }
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return {
      problems: [{ path: "", message: `not valid YAML: ${(error as Error).message.split("\n")[0]}` }],
    };
  }
}

/** The paths of keys that appear twice in one mapping (`sizing.cpu`), in one pass over the document. */
function duplicateKeys(doc: ReturnType<typeof parseDocument>): string[] {
  const found: string[] = [];
  visit(doc, {
    Map(_key, map, ancestors) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          const where = ancestors
            .filter((a) => "key" in (a as object) && isScalar((a as { key: unknown }).key))
            .map((a) => String((a as { key: { value: unknown } }).key.value));
          found.push([...where, key].join("."));
        }
        seen.add(key);
      }
    },
  });
  return found;
}

/** At most {@link MAX_PROBLEMS_PER_FILE} problems of one file, and a line counting the rest. */
function capped(file: string, problems: readonly Problem[]): Problem[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) {
    return [...problems];
  }
  return [
    ...problems.slice(0, MAX_PROBLEMS_PER_FILE),
    {
      path: file,
      message: `${problems.length - MAX_PROBLEMS_PER_FILE} more problems not listed (${problems.length} in all)`,
    },
  ];
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

/**
 * One tenant's registry file read on its own, without the rest of the registry (offboarding edits
 * the tenant's own file, which other files' problems must not block).
 * @returns the spec, undefined when the tenant has no file, or the file's problems.
 */
export function readTenantFile(tenant: string, dir: string = REGISTRY_DIR): Parsed<TenantSpec | undefined> {
  if (!fs.existsSync(specPath(tenant, dir))) {
    return { value: undefined };
  }
  return readSpecFile(dir, specFileName(tenant));
}

/**
 * What is wrong with the registry once `spec` is in it (added, or replacing the tenant's own file),
 * for onboarding to check before it writes or creates anything: every problem of the other files,
 * and every host name or listener rule priority `spec` would share with another tenant, each
 * naming the other tenant, its file and the fix. Paths are `spec`'s fields (`subdomain`, `id`,
 * `listenerRulePriority`) for its own collisions, `<file>: <field>` for the other files. Empty
 * when {@link loadRegistry} would accept the registry with `spec` written.
 */
export function registryProblemsWith(spec: TenantSpec, dir: string = REGISTRY_DIR): Problem[] {
  // The first onboarding creates the directory.
  const { specs, problems } = readRegistry(dir, { missingIsEmpty: true });
  const ownFile = `${specFileName(spec.id)}: `;
  const others = specs.filter((s) => s.id !== spec.id);
  return [
    ...problems.filter((p) => p.path !== specFileName(spec.id) && !p.path.startsWith(ownFile)),
    ...hostCollisions(others),
    ...priorityCollisions(others),
    ...collisionsWith(spec, others, dir),
  ];
}

/** Where messages say another tenant's file is. */
function fileOf(tenant: string, dir: string): string {
  return path.resolve(dir) === path.resolve(REGISTRY_DIR) ? specDisplayPath(tenant) : specPath(tenant, dir);
}

/** The host names and listener rule priorities `spec` would share with `others`. */
function collisionsWith(spec: TenantSpec, others: readonly TenantSpec[], dir: string): Problem[] {
  const problems: Problem[] = [];
  const label = hostLabel(spec);
  for (const other of others.filter((o) => hostLabel(o) === label)) {
    problems.push({
      path: spec.subdomain !== undefined ? "subdomain" : "id",
      value: label,
      message:
        `tenant ${spec.id} would be served at ${label}.<domain>, which tenant ${other.id} already uses ` +
        `(${other.subdomain !== undefined ? "its subdomain" : "its id"}, ${fileOf(other.id, dir)}); ` +
        `give ${spec.id} a subdomain no other tenant uses`,
    });
  }
  const priority = listenerPriority(spec);
  const taken = new Set(others.map(listenerPriority));
  for (const other of others.filter((o) => listenerPriority(o) === priority)) {
    problems.push({
      path: "listenerRulePriority",
      value: priority,
      message:
        `${priority} (${spec.listenerRulePriority === undefined ? `derived from the id "${spec.id}"` : "set in the spec"}) ` +
        `is already tenant ${other.id}'s listener rule priority (${fileOf(other.id, dir)}; ALB rule priorities are ` +
        `unique per listener); give ${spec.id} a free listenerRulePriority, e.g. ${freePriority(priority, taken)}`,
    });
  }
  return problems;
}

/** The first priority after `from` (wrapping within the range) that no tenant takes. */
function freePriority(from: number, taken: ReadonlySet<number>): number {
  const { min, max } = LISTENER_PRIORITY_RANGE;
  for (let i = 1; i <= max - min + 1; i++) {
    const candidate = min + ((from - min + i) % (max - min + 1));
    if (!taken.has(candidate)) {
      return candidate;
    }
  }
  return from;
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

/**
 * The lock of a tenant's file while a run reads, compares and writes it ({@link recordOnboarded},
 * {@link removeEnvironment}): two runs finishing at once (staging and production of one tenant)
 * take turns instead of one overwriting what the other just wrote. A dot file, so no registry
 * reader mistakes it for a spec.
 */
export function tenantLockPath(tenant: string, dir: string = REGISTRY_DIR): string {
  return path.join(dir, `.${tenant}.lock`);
}

/** What {@link removeEnvironment} did to the registry. */
export type RegistryRemoval =
  | { readonly kind: "none" }
  | { readonly kind: "environment-removed"; readonly file: string; readonly spec: TenantSpec }
  | { readonly kind: "spec-removed"; readonly file: string };

/**
 * Takes `environment` out of the tenant's spec (after offboarding there, so the next fleet
 * reconcile does not onboard it again); removes the file when no environment is left. Reads and
 * writes the tenant's own file only: a problem in another tenant's file does not stop it.
 * @returns what changed: nothing when the tenant has no spec or does not list the environment.
 * @throws RegistryError when the tenant's own file has problems.
 */
export function removeEnvironment(
  tenant: string,
  environment: Environment,
  dir: string = REGISTRY_DIR,
): RegistryRemoval {
  return withFileLock(tenantLockPath(tenant, dir), () => removeEnvironmentLocked(tenant, environment, dir));
}

function removeEnvironmentLocked(tenant: string, environment: Environment, dir: string): RegistryRemoval {
  const read = readTenantFile(tenant, dir);
  if (read.problems) {
    throw new RegistryError(dir, read.problems);
  }
  const spec = read.value;
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

/** What {@link recordOnboarded} did. */
export type OnboardRecord =
  | { readonly kind: "written"; readonly file: string; readonly spec: TenantSpec }
  /** The file changed while onboarding ran, in more than its environments: it was left as it is. */
  | {
      readonly kind: "changed";
      readonly file: string;
      /** What the file holds now (undefined: removed, or no longer a valid spec). */
      readonly current: TenantSpec | undefined;
      /** Why the file could not be read, when it could not. */
      readonly problems?: readonly Problem[];
    };

/**
 * Records a tenant onboarded with `spec`, once the onboarding has succeeded (the registry says
 * what runs, never what a failed run wanted). `basis` is the tenant's spec as it was read before
 * onboarding started. When the file still holds `basis`, `spec` is written; when another run
 * meanwhile only added an environment, the two lists are merged; any other change is kept and
 * reported (`changed`), never overwritten.
 */
export function recordOnboarded(
  spec: TenantSpec,
  basis: TenantSpec | undefined,
  dir: string = REGISTRY_DIR,
): OnboardRecord {
  fs.mkdirSync(dir, { recursive: true });
  return withFileLock(tenantLockPath(spec.id, dir), () => recordOnboardedLocked(spec, basis, dir));
}

function recordOnboardedLocked(spec: TenantSpec, basis: TenantSpec | undefined, dir: string): OnboardRecord {
  const file = specPath(spec.id, dir);
  const now = readTenantFile(spec.id, dir);
  if (now.problems) {
    return { kind: "changed", file, current: undefined, problems: now.problems };
  }
  const current = now.value;
  const same = (a: TenantSpec | undefined, b: TenantSpec | undefined) =>
    (a === undefined ? "" : specToYaml(a)) === (b === undefined ? "" : specToYaml(b));
  if (same(current, basis)) {
    return { kind: "written", file: writeSpec(spec, dir), spec };
  }
  if (current && same({ ...current, environments: spec.environments }, spec)) {
    const merged = readTenantSpec({
      ...spec,
      environments: [...new Set([...current.environments, ...spec.environments])],
    });
    if (merged.value) {
      return { kind: "written", file: writeSpec(merged.value, dir), spec: merged.value };
    }
  }
  return { kind: "changed", file, current };
}
