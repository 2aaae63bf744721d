/**
 * The synthetic registry of `npm run bench:check` is a registry onboarding could have written: valid,
 * placed over as many ingress shards as it needs, and the base config that records those shards
 * reaches the base stacks (and their cache keys).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ingressPlacement, shardLoads, SHARD_CAPACITY } from "../common";
import { loadRegistry } from "../tenants/registry";
import { stackKey } from "./batch/run";
import { baseConfigFromEnv, stacksToRecord } from "./stacks";
import { syntheticBaseConfig, syntheticShardCount, writeSyntheticRegistry } from "./synthetic";

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "synthetic-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it("places more tenants than one shard holds over several shards, none over capacity, no collision", () => {
  const count = SHARD_CAPACITY * 2 + 10;
  const specs = writeSyntheticRegistry(dir, count);
  expect(specs).toHaveLength(count);
  expect(loadRegistry(dir)).toHaveLength(count); // the registry's own capacity and priority checks pass
  expect(syntheticShardCount(count)).toBe(3);
  const loads = shardLoads(specs, 3);
  expect(loads.reduce((a, b) => a + b)).toBe(count);
  expect(Math.max(...loads)).toBeLessThanOrEqual(SHARD_CAPACITY);
  const slots = specs.map((s) => `${ingressPlacement(s).shard}/${ingressPlacement(s).priority}`);
  expect(new Set(slots).size).toBe(count);
  expect(syntheticBaseConfig(1000)).toEqual({ "platform:ingressShards": "11" });
});

it("the base config override reaches the base stacks and their cache keys; a malformed one is named", () => {
  writeSyntheticRegistry(dir, 3);
  const plain = stacksToRecord({ registryDir: dir, baseConfig: undefined, environments: ["staging"] })[0]
    .base;
  const sharded = stacksToRecord({ registryDir: dir, baseConfig: { "platform:ingressShards": "2" } })[0].base;
  expect(sharded.config).toEqual({ "platform:ingressShards": "2" });
  expect(stackKey("common", sharded)).not.toBe(stackKey("common", plain));
  expect(baseConfigFromEnv({ PLATFORM_OFFLINE_BASE_CONFIG: '{"platform:ingressShards":"11"}' })).toEqual({
    "platform:ingressShards": "11",
  });
  expect(baseConfigFromEnv({})).toBeUndefined();
  expect(() => baseConfigFromEnv({ PLATFORM_OFFLINE_BASE_CONFIG: '{"platform:ingressShards":11}' })).toThrow(
    /PLATFORM_OFFLINE_BASE_CONFIG = .* is not a JSON object of strings/,
  );
});
