/**
 * Tenant placement on ingress shards (common/ingress.ts): property tests over random sequences of
 * onboardings and offboardings (fast-check, already a dev dependency for the CIDR properties), and
 * the capacity refusal with the real quota.
 */
import fc from "fast-check";
import {
  ALB_TARGET_GROUP_QUOTA,
  derivedListenerPriority,
  ingressPlacement,
  IngressPlacement,
  INGRESS_SHARDS_KEY,
  Placeable,
  placementConflicts,
  placementFields,
  placeTenant,
  QUOTAS,
  SHARD_CAPACITY,
  SHARD_HEADROOM,
  shardLoads,
} from "./index";

/** A registry as onboarding writes it: each tenant's spec with its recorded placement fields. */
type Registry = Map<string, Placeable>;

/** Onboards `id` the way the CLI does; returns the problem when it is refused. */
function onboard(registry: Registry, id: string, shardCount: number, capacity: number): string | undefined {
  const placed = placeTenant({ id }, [...registry.values()], shardCount, { capacity });
  if (placed.problem !== undefined) {
    return placed.problem;
  }
  registry.set(id, { id, ...placementFields(id, placed.placement) });
  return undefined;
}

/** Tenant ids drawn from a small alphabet so that derived priorities collide now and then. */
const ids = fc.stringMatching(/^[a-c][a-c0-9]{2,5}$/);
/** An operation: onboard an id, offboard the i-th present tenant, or add shards. */
const operation = fc.oneof(
  { weight: 6, arbitrary: ids.map((id) => ({ kind: "add" as const, id })) },
  { weight: 2, arbitrary: fc.nat().map((i) => ({ kind: "remove" as const, i })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((n) => ({ kind: "shards" as const, n })) },
);

describe("placement (properties)", () => {
  it("never collides, never overfills, and never moves a tenant while others come and go", () => {
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 120 }),
        fc.integer({ min: 1, max: 3 }),
        (ops, startShards) => {
          const capacity = 4;
          const registry: Registry = new Map();
          const placedAt = new Map<string, IngressPlacement>();
          let shards = startShards;
          for (const op of ops) {
            if (op.kind === "add" && !registry.has(op.id)) {
              const full = shardLoads([...registry.values()], shards).every((n) => n >= capacity);
              const problem = onboard(registry, op.id, shards, capacity);
              // Refused exactly when every shard is full, and then with the fix named.
              expect(problem !== undefined).toBe(full);
              if (problem !== undefined) {
                expect(problem).toContain(`raise ${INGRESS_SHARDS_KEY} to ${shards + 1}`);
              } else {
                placedAt.set(op.id, ingressPlacement(registry.get(op.id)!));
              }
            } else if (op.kind === "remove" && registry.size > 0) {
              const id = [...registry.keys()][op.i % registry.size];
              registry.delete(id);
              placedAt.delete(id);
            } else if (op.kind === "shards") {
              shards = Math.min(shards + op.n, 6);
            }
            // No two tenants share a priority on a shard, no shard holds more than its capacity.
            expect(placementConflicts([...registry.values()], { capacity })).toEqual([]);
            // Every tenant is where it was placed: the placement is the spec's, whatever else changed.
            for (const [id, spec] of registry) {
              expect(ingressPlacement(spec)).toEqual(placedAt.get(id));
            }
          }
        },
      ),
      { seed: 20261201, numRuns: 300 },
    );
  });

  it("is deterministic: the same registry and the same newcomer give the same placement", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(ids, { maxLength: 30 }),
        ids,
        fc.integer({ min: 1, max: 4 }),
        (present, id, n) => {
          const registry: Registry = new Map();
          present.forEach((p) => onboard(registry, p, n, 10));
          const others = [...registry.values()].filter((s) => s.id !== id);
          expect(placeTenant({ id }, others, n, { capacity: 10 })).toEqual(
            placeTenant({ id }, [...others].reverse(), n, { capacity: 10 }),
          );
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("spreads new tenants onto the least loaded shard, the lowest index on a tie", () => {
    const registry: Registry = new Map();
    for (const id of ["aaa", "bbb", "ccc"]) {
      onboard(registry, id, 1, 10);
    }
    // Shards added: the next tenants go to the new, empty shards first, in index order.
    onboard(registry, "ddd", 3, 10);
    onboard(registry, "eee", 3, 10);
    onboard(registry, "fff", 3, 10);
    expect([...registry.values()].map((s) => [s.id, ingressPlacement(s).shard])).toEqual([
      ["aaa", 0],
      ["bbb", 0],
      ["ccc", 0],
      ["ddd", 1],
      ["eee", 2],
      ["fff", 1],
    ]);
    // Adding shards moved nobody: the first three still have no placement fields at all.
    expect(["aaa", "bbb", "ccc"].map((id) => registry.get(id))).toEqual([
      { id: "aaa" },
      { id: "bbb" },
      { id: "ccc" },
    ]);
  });

  it("records only what differs from the defaults (shard 0, the derived priority)", () => {
    expect(placementFields("acme", { shard: 0, priority: derivedListenerPriority("acme") })).toEqual({});
    expect(placementFields("acme", { shard: 2, priority: 1234 })).toEqual({
      ingressShard: 2,
      listenerRulePriority: 1234,
    });
  });

  it("takes the next free priority when the derived one is taken on the shard, and only on that shard", () => {
    const taken = derivedListenerPriority("acme");
    expect(derivedListenerPriority("tdzfaa")).toBe(taken);
    expect(placeTenant({ id: "tdzfaa" }, [{ id: "acme" }], 1)).toEqual({
      placement: { shard: 0, priority: taken + 1 },
    });
    // acme is on shard 0; on shard 1 the derived priority is free.
    expect(placeTenant({ id: "tdzfaa", ingressShard: 1 }, [{ id: "acme" }], 2)).toEqual({
      placement: { shard: 1, priority: taken },
    });
  });
});

describe("capacity", () => {
  it("is the target group quota of common/quotas.ts less the headroom", () => {
    expect(ALB_TARGET_GROUP_QUOTA).toBe(QUOTAS.find((q) => q.id === "albTargetGroupsPerAlb")?.default);
    expect(SHARD_CAPACITY).toBe(ALB_TARGET_GROUP_QUOTA - SHARD_HEADROOM);
    expect(SHARD_CAPACITY).toBe(95);
  });

  it("refuses a tenant when every shard is full, naming the key and the value to set", () => {
    const registry: Registry = new Map();
    for (let i = 0; i < 2 * SHARD_CAPACITY; i++) {
      expect(onboard(registry, `t${i}`, 2, SHARD_CAPACITY)).toBeUndefined();
    }
    expect(onboard(registry, "one-more", 2, SHARD_CAPACITY)).toBe(
      "every ingress shard is full (2 shards, 95 tenants each: 100 target groups per ALB less 5 of headroom); " +
        "raise platform:ingressShards to 3 (pulumi config set platform:ingressShards 3 -s <env>), run the base stack's up, then onboard again",
    );
    // With a third shard it goes there.
    expect(onboard(registry, "one-more", 3, SHARD_CAPACITY)).toBeUndefined();
    expect(ingressPlacement(registry.get("one-more")!).shard).toBe(2);
  });

  it("refuses a shard that does not exist", () => {
    expect(placeTenant({ id: "acme", ingressShard: 3 }, [], 2).problem).toBe(
      "ingress shard 3 does not exist: the base stack has 2 (0 to 1); raise platform:ingressShards to at least 4 and run the base stack's up first",
    );
  });

  it("reports a shard over capacity and shared priorities per shard, not across shards", () => {
    const over = Array.from({ length: SHARD_CAPACITY + 1 }, (_, i) => ({
      id: `t${i}`,
      listenerRulePriority: 1000 + i,
    }));
    expect(placementConflicts(over)).toEqual([
      { kind: "capacity", shard: 0, ids: over.map((s) => s.id), capacity: SHARD_CAPACITY },
    ]);
    expect(
      placementConflicts([
        { id: "a", listenerRulePriority: 2000 },
        { id: "b", listenerRulePriority: 2000, ingressShard: 1 },
        { id: "c", listenerRulePriority: 2000, ingressShard: 1 },
      ]),
    ).toEqual([{ kind: "priority", shard: 1, priority: 2000, ids: ["b", "c"] }]);
  });
});
