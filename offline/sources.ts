/**
 * Where recorded stacks come from, for reports that point at source, and which tenants are
 * registered: for callers above offline/ (the policy check) that must not read the registry or
 * build its paths themselves. Light: loads no program.
 */
import * as path from "path";
import { Problem, problemText } from "../common";
import type { TenantSpec } from "../tenants/spec";
import { REGISTRY_DISPLAY_DIR, RegistryError, loadRegistry, specDisplayPath } from "../tenants/registry";

/** The registry directory as the repository names it (`tenants/registry`), for messages. */
export { REGISTRY_DISPLAY_DIR };

/** The program entry of base stacks, relative to the repository root. */
export const BASE_SOURCE = "infra/index.ts";

/**
 * The source a reviewer edits to change a stack: `infra/index.ts` for a base stack, the tenant's
 * registry file (`tenants/registry/<tenant>.yaml`) for a tenant stack.
 */
export function stackSource(kind: "base" | "tenant", tenant?: string): string {
  return kind === "base" || tenant === undefined ? BASE_SOURCE : specDisplayPath(tenant);
}

/** One thing wrong with a source file: which file (repository-relative when inside it), which field. */
export interface SourceProblem {
  /** e.g. `tenants/registry/acme.yaml`; undefined for a problem of no one file. */
  readonly file?: string;
  /** The field's path in that file, e.g. `sizing.cpu`. */
  readonly field?: string;
  /** What is wrong and what is allowed (the loader's words, file and field included). */
  readonly message: string;
}

/** The tenant registry could not be loaded: nothing was recorded. */
export class RegistryLoadError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: readonly SourceProblem[],
    message: string,
  ) {
    super(message);
    this.name = "RegistryLoadError";
  }
}

const REPO_ROOT = path.join(__dirname, "..");

/**
 * A registry problem (its path is `<file>: <field>`, `acme.yaml: tier`, or `<file>, <file>: <field>`
 * for a clash between files) as a {@link SourceProblem} naming the first file.
 */
function sourceProblem(dir: string, problem: Problem): SourceProblem {
  const message = problemText(problem);
  const sep = problem.path.indexOf(": ");
  const files = sep >= 0 ? problem.path.slice(0, sep) : problem.path;
  const field = sep >= 0 ? problem.path.slice(sep + 2) : undefined;
  const first = files.split(", ")[0];
  if (!/\.ya?ml$/i.test(first)) {
    return { message };
  }
  const abs = path.resolve(dir, first);
  const rel = path.relative(REPO_ROOT, abs);
  const file = rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel.split(path.sep).join("/");
  return { file, ...(field ? { field } : {}), message };
}

/**
 * Loads the registry, turning its error into a {@link RegistryLoadError} with structured problems.
 * @throws RegistryLoadError on a registry error.
 */
export function registry(dir: string | undefined): readonly TenantSpec[] {
  try {
    return loadRegistry(dir);
  } catch (error) {
    if (error instanceof RegistryError) {
      throw new RegistryLoadError(
        error.dir,
        error.problems.map((p) => sourceProblem(error.dir, p)),
        error.message,
      );
    }
    throw error;
  }
}

/**
 * The ids of the registered tenants (the policy check's `--tenant`).
 * @throws RegistryLoadError on a registry error.
 */
export function registeredTenantIds(registryDir?: string): string[] {
  return registry(registryDir).map((spec) => spec.id);
}
