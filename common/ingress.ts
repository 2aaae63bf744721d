/**
 * Ingress shards and tenant placement (docs/decisions/0007-ingress-shards-and-placement.md).
 *
 * The base stack creates `platform:ingressShards` ALBs, each with its HTTPS and redirect listeners.
 * Every tenant has a placement: the shard whose HTTPS listener carries its host rule, and the
 * rule's priority there. A placement is a function of the tenant's own spec only (`ingressShard`,
 * default 0; `listenerRulePriority`, default a hash of the id), so adding or removing other tenants
 * never changes it. Onboarding chooses a new tenant's placement with {@link placeTenant} and
 * records it in the spec where it differs from those defaults; the registry refuses two tenants
 * with the same priority on one shard, and a shard holding more than {@link SHARD_CAPACITY}.
 *
 * Pure and below every folder: the registry, the programs, the policy pack and the capacity command
 * all read the same rules from here.
 */
import { createHash } from "crypto";
import { QUOTAS } from "./quotas";

/** The base stack's config key of the shard count. */
export const INGRESS_SHARDS_KEY = "platform:ingressShards";

/**
 * Allowed values of `platform:ingressShards`. At 95 tenants a shard, 100 shards hold 9,500 tenants:
 * an environment that needs more belongs in more accounts (and ALBs per region is 50 by default,
 * `npm run capacity` says when to ask for more).
 */
export const INGRESS_SHARDS_RANGE = Object.freeze({ min: 1, max: 100 });

/** Priorities tenants may use on a shard's HTTPS listener; below 1000 is left to the base stack. */
export const LISTENER_PRIORITY_RANGE = Object.freeze({ min: 1000, max: 49999 });

/** Target groups one tenant puts on its shard's ALB (tenants/service.ts: one, behind one rule). */
export const TARGET_GROUPS_PER_TENANT = 1;

/**
 * Target groups per ALB kept free: a target group replaced create-before-delete briefly needs a
 * second one (fleet operations run 4 at a time by default), and a tenant moved onto a shard needs room.
 */
export const SHARD_HEADROOM = 5;

/** AWS's hard limit of target groups per ALB, from the quota data (common/quotas.ts). */
export const ALB_TARGET_GROUP_QUOTA: number = (() => {
  const quota = QUOTAS.find((q) => q.id === "albTargetGroupsPerAlb");
  if (!quota) {
    throw new Error("common/quotas.ts has no albTargetGroupsPerAlb quota");
  }
  return quota.default;
})();

/** Tenants one shard holds: the target group quota less {@link SHARD_HEADROOM}, one group a tenant. */
export const SHARD_CAPACITY = Math.floor(
  (ALB_TARGET_GROUP_QUOTA - SHARD_HEADROOM) / TARGET_GROUPS_PER_TENANT,
);

/** Where a tenant is served: its shard and its listener rule's priority on that shard. */
export interface IngressPlacement {
  readonly shard: number;
  readonly priority: number;
}

/** What a placement is read from: the spec's id and its two optional fields. */
export interface Placeable {
  readonly id: string;
  /** @default 0 */
  readonly ingressShard?: number;
  /** @default {@link derivedListenerPriority} of the id */
  readonly listenerRulePriority?: number;
}

/** The priority derived from a tenant id: a hash of the id into {@link LISTENER_PRIORITY_RANGE}. */
export function derivedListenerPriority(tenantId: string): number {
  const span = LISTENER_PRIORITY_RANGE.max - LISTENER_PRIORITY_RANGE.min + 1;
  const hash = parseInt(createHash("sha256").update(tenantId).digest("hex").slice(0, 12), 16);
  return LISTENER_PRIORITY_RANGE.min + (hash % span);
}

/** A tenant's placement, from its spec alone: stable whatever else the registry holds. */
export function ingressPlacement(spec: Placeable): IngressPlacement {
  return {
    shard: spec.ingressShard ?? 0,
    priority: spec.listenerRulePriority ?? derivedListenerPriority(spec.id),
  };
}

/**
 * The spec fields that record `placement` for tenant `id`: only what differs from the defaults, so a
 * tenant on shard 0 at its derived priority has neither field (as every spec before sharding).
 */
export function placementFields(
  id: string,
  placement: IngressPlacement,
): { ingressShard?: number; listenerRulePriority?: number } {
  return {
    ...(placement.shard !== 0 ? { ingressShard: placement.shard } : {}),
    ...(placement.priority !== derivedListenerPriority(id)
      ? { listenerRulePriority: placement.priority }
      : {}),
  };
}

/**
 * How many ingress shards a deployed base stack has, from its `ingressShards` output: its length,
 * or 1 for a base from before sharding (no such output) or one that cannot be read.
 */
export function shardCountOf(ingressShardsOutput: unknown): number {
  return Array.isArray(ingressShardsOutput) && ingressShardsOutput.length > 0
    ? ingressShardsOutput.length
    : 1;
}

/** The Pulumi name of shard `k`'s Ingress component: shard 0 keeps the name of the single ALB. */
export function shardComponentName(shard: number): string {
  return shard === 0 ? "ingress" : `ingress-${shard}`;
}

/** The role in shard `k`'s ALB physical name (`plat-prd-alb`, `plat-prd-alb-1`). */
export function shardLoadBalancerRole(shard: number): string {
  return shard === 0 ? "alb" : `alb-${shard}`;
}

/**
 * The DNS name of shard `k` ≥ 1 below the platform domain: `shard-<k>.platform.<domain>` (`platform`
 * is a reserved tenant id, so no tenant host can take it). Shard 0 answers at the apex and the
 * wildcard, as the single ALB did.
 */
export function shardHostname(shard: number, domain: string): string {
  return `shard-${shard}.platform.${domain}`;
}

/** Options of {@link placeTenant}. */
export interface PlaceOptions {
  /** Tenants a shard holds. @default SHARD_CAPACITY */
  readonly capacity?: number;
}

/** Tenants per shard among `specs` (their placements), for shards 0 to `shardCount - 1`. */
export function shardLoads(specs: readonly Placeable[], shardCount: number): number[] {
  const loads = new Array<number>(shardCount).fill(0);
  for (const spec of specs) {
    const { shard } = ingressPlacement(spec);
    if (shard < shardCount) {
      loads[shard] += 1;
    }
  }
  return loads;
}

/**
 * The placement of a tenant joining a registry of `others` (the tenant itself not among them) in an
 * environment of `shardCount` shards. Deterministic: the same registry gives the same answer.
 * - shard: the spec's `ingressShard` when set; else the least loaded shard with room, the lowest
 *   index on a tie (new shards fill before old ones grow);
 * - priority: the spec's `listenerRulePriority` when set; else the derived one when no tenant of the
 *   shard has it, else the next free one after it (wrapping within the range).
 * Never moves a tenant already placed: call it only for a tenant that is not yet in the registry.
 * @returns the placement, or why there is none (every shard full, or a shard that does not exist).
 */
export function placeTenant(
  spec: Placeable,
  others: readonly Placeable[],
  shardCount: number,
  opts: PlaceOptions = {},
): { placement: IngressPlacement; problem?: undefined } | { placement?: undefined; problem: string } {
  const capacity = opts.capacity ?? SHARD_CAPACITY;
  const loads = shardLoads(others, shardCount);
  let shard = spec.ingressShard;
  if (shard !== undefined && shard >= shardCount) {
    return {
      problem:
        `ingress shard ${shard} does not exist: the base stack has ${shardCount} (0 to ${shardCount - 1}); ` +
        `raise ${INGRESS_SHARDS_KEY} to at least ${shard + 1} and run the base stack's up first`,
    };
  }
  if (shard === undefined) {
    const withRoom = loads.map((n, k) => [n, k] as const).filter(([n]) => n < capacity);
    if (withRoom.length === 0) {
      return {
        problem:
          `every ingress shard is full (${shardCount} shard${shardCount === 1 ? "" : "s"}, ${capacity} tenants each: ` +
          `${ALB_TARGET_GROUP_QUOTA} target groups per ALB less ${SHARD_HEADROOM} of headroom); ` +
          `raise ${INGRESS_SHARDS_KEY} to ${shardCount + 1} (pulumi config set ${INGRESS_SHARDS_KEY} ${shardCount + 1} -s <env>), ` +
          `run the base stack's up, then onboard again`,
      };
    }
    shard = withRoom.reduce((best, next) => (next[0] < best[0] ? next : best))[1];
  }
  const taken = new Set(
    others
      .map(ingressPlacement)
      .filter((p) => p.shard === shard)
      .map((p) => p.priority),
  );
  const priority = spec.listenerRulePriority ?? freePriority(derivedListenerPriority(spec.id), taken);
  return { placement: { shard, priority } };
}

/** `from` when free, else the first priority after it (wrapping within the range) no tenant takes. */
export function freePriority(from: number, taken: ReadonlySet<number>): number {
  const { min, max } = LISTENER_PRIORITY_RANGE;
  const span = max - min + 1;
  for (let i = 0; i < span; i++) {
    const candidate = min + ((from - min + i) % span);
    if (!taken.has(candidate)) {
      return candidate;
    }
  }
  return from;
}

/** A conflict among a registry's placements. */
export type PlacementConflict =
  /** Tenants sharing one priority on one shard's listener (ALB rule priorities are unique per listener). */
  | {
      readonly kind: "priority";
      readonly shard: number;
      readonly priority: number;
      readonly ids: readonly string[];
    }
  /** A shard holding more tenants than {@link SHARD_CAPACITY}. */
  | {
      readonly kind: "capacity";
      readonly shard: number;
      readonly ids: readonly string[];
      readonly capacity: number;
    };

/**
 * Every conflict among the placements of `specs`: shared priorities per shard, shards over capacity.
 * The registry counts a shard's tenants over every environment (a shard is the same slot in each),
 * so adding an environment to a tenant can never create a conflict.
 */
export function placementConflicts(
  specs: readonly Placeable[],
  opts: PlaceOptions = {},
): PlacementConflict[] {
  const capacity = opts.capacity ?? SHARD_CAPACITY;
  const byShard = new Map<number, string[]>();
  const byPriority = new Map<string, { shard: number; priority: number; ids: string[] }>();
  for (const spec of specs) {
    const p = ingressPlacement(spec);
    byShard.set(p.shard, [...(byShard.get(p.shard) ?? []), spec.id]);
    const key = `${p.shard}/${p.priority}`;
    const entry = byPriority.get(key) ?? { shard: p.shard, priority: p.priority, ids: [] };
    entry.ids.push(spec.id);
    byPriority.set(key, entry);
  }
  const conflicts: PlacementConflict[] = [...byPriority.values()]
    .filter((e) => e.ids.length > 1)
    .map((e) => ({ kind: "priority", ...e }));
  for (const [shard, ids] of [...byShard.entries()].sort(([a], [b]) => a - b)) {
    if (ids.length > capacity) {
      conflicts.push({ kind: "capacity", shard, ids, capacity });
    }
  }
  return conflicts;
}
