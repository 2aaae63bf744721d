/**
 * Synthetic tenants for measuring the offline check and plan at scale (`npm run bench:check`) and
 * for the tests that compare the parallel, cached run with the sequential one. Every spec is valid
 * and the registry as a whole loads (no host name or listener priority collision); every tenant is
 * in both environments and the tiers rotate, so each environment has every tier.
 */
import * as fs from "fs";
import * as path from "path";
import {
  ENVIRONMENTS,
  INGRESS_SHARDS_KEY,
  placeTenant,
  placementFields,
  SHARD_CAPACITY,
  TIER_NAMES,
} from "../common";
import { loadRegistry, RegistryError, writeSpec } from "../tenants/registry";
import { TenantSpec } from "../tenants/spec";

/** The ingress shards `count` synthetic tenants need (the base config the check must record). */
export function syntheticShardCount(count: number): number {
  return Math.max(1, Math.ceil(count / SHARD_CAPACITY));
}

/** The base config over the stack files' that a synthetic registry of `count` tenants needs. */
export function syntheticBaseConfig(count: number): Record<string, string> {
  return { [INGRESS_SHARDS_KEY]: String(syntheticShardCount(count)) };
}

/** The id of synthetic tenant `i`: `t0001`, `t0002`, ... (plus a suffix when a priority collides). */
function syntheticId(i: number, attempt: number): string {
  const id = `t${String(i).padStart(4, "0")}`;
  return attempt === 0 ? id : `${id}x${attempt}`;
}

/** The spec of synthetic tenant `i`. */
export function syntheticSpec(i: number, attempt = 0): TenantSpec {
  const tier = TIER_NAMES[i % TIER_NAMES.length];
  const environments = [...ENVIRONMENTS];
  const id = syntheticId(i, attempt);
  return {
    id,
    displayName: `Synthetic tenant ${i}`,
    tier,
    environments,
    owner: `owner-${id}@example.com`,
    costCenter: `CC-${String(1000 + (i % 9000)).padStart(4, "0")}`,
    dataClassification: "internal",
    imageTag: "1.4.2",
  } as TenantSpec;
}

/**
 * Writes `count` synthetic tenants into `dir` (which should be empty) and returns their specs.
 * Ids whose listener priority or host name collides with an earlier one get a suffix, as an operator
 * would fix the collision, so the registry loads whatever the routing scheme is.
 * @throws when the registry still does not load (a bug here, not in the registry).
 */
export function writeSyntheticRegistry(dir: string, count: number): readonly TenantSpec[] {
  fs.mkdirSync(dir, { recursive: true });
  const attempts = new Map<number, number>();
  // Placed as onboarding places them (common/ingress.ts): over as many shards as they need.
  const shards = syntheticShardCount(count);
  const placed: TenantSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const spec = syntheticSpec(i);
    const where = placeTenant(spec, placed, shards);
    if (!where.placement) {
      throw new Error(`synthetic tenant ${spec.id}: ${where.problem}`);
    }
    const withPlacement = { ...spec, ...placementFields(spec.id, where.placement) } as TenantSpec;
    placed.push(withPlacement);
    writeSpec(withPlacement, dir);
  }
  for (let round = 0; ; round++) {
    try {
      return loadRegistry(dir);
    } catch (error) {
      if (!(error instanceof RegistryError) || round > 20) {
        throw error;
      }
      // A clash names both files (`a.yaml, b.yaml: ...`): rename the later one.
      const clashing = new Set<number>();
      for (const p of error.problems) {
        const files = p.path.split(": ")[0].split(", ");
        const last = files[files.length - 1].match(/^t(\d{4})(x\d+)?\.yaml$/);
        if (!last) {
          throw error;
        }
        clashing.add(Number(last[1]));
      }
      for (const i of clashing) {
        const attempt = (attempts.get(i) ?? 0) + 1;
        fs.rmSync(path.join(dir, `${syntheticId(i, attempt - 1)}.yaml`), { force: true });
        attempts.set(i, attempt);
        writeSpec(syntheticSpec(i, attempt), dir);
      }
    }
  }
}
