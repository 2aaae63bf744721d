/**
 * Where recorded stacks come from, for reports that point at source, and which tenants are
 * registered: for callers above offline/ (the policy check) that must not read the registry or
 * build its paths themselves. Light: loads no program.
 */
import { REGISTRY_DISPLAY_DIR, loadRegistry, specDisplayPath } from "../tenants/registry";

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

/**
 * The ids of the registered tenants (the policy check's `--tenant`).
 * @throws on a registry error.
 */
export function registeredTenantIds(registryDir?: string): string[] {
  return loadRegistry(registryDir).map((spec) => spec.id);
}
