/**
 * The registry side of a rollout: the image of the tenants that ended on it, written to their specs
 * in `tenants/registry/` (only the `imageTag` line changes), so the change is one diff to review
 * and commit, and a later `fleet reconcile` keeps them on it.
 */
import * as path from "path";
import { loadRegistry, REGISTRY_DIR, writeSpec } from "../../tenants/registry";
import type { RegistryWriter } from "./runner";

/**
 * A writer over the registry directory `dir`.
 * @param displayRoot paths in reports are relative to it (the repository root); files outside it
 *   are reported with their absolute path.
 */
export function registryWriter(dir: string = REGISTRY_DIR, displayRoot?: string): RegistryWriter {
  return {
    setImage(tenants, image) {
      if (tenants.length === 0) {
        return [];
      }
      const specs = new Map(loadRegistry(dir).map((s) => [s.id, s]));
      const written: string[] = [];
      for (const tenant of tenants) {
        const spec = specs.get(tenant);
        if (!spec || spec.imageTag === image) {
          continue;
        }
        const file = writeSpec({ ...spec, imageTag: image }, dir);
        const relative = displayRoot ? path.relative(displayRoot, file) : "..";
        written.push(relative.startsWith("..") ? file : relative);
      }
      return written;
    },
  };
}
