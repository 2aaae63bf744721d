/**
 * Where a tenant sits on the shared ALB: the priority of its listener rule. Pure, so the registry can
 * check the whole fleet for collisions before anything is deployed.
 *
 * ALB rule priorities are unique per listener (1 to 50,000). Each tenant's priority is derived from
 * its id, deterministically, so it never changes between runs and needs no shared counter. Two ids
 * can hash to the same priority (about 1% chance for 30 tenants); `loadRegistry` reports it, and the
 * fix is to set `listenerRulePriority` in one of the two specs.
 */
import { createHash } from "crypto";

/** Priorities tenants may use; below 1000 is left to the base stack's own rules. */
export const LISTENER_PRIORITY_RANGE = Object.freeze({ min: 1000, max: 49999 });

/** The priority derived from a tenant id: a hash of the id into {@link LISTENER_PRIORITY_RANGE}. */
export function derivedListenerPriority(tenantId: string): number {
  const span = LISTENER_PRIORITY_RANGE.max - LISTENER_PRIORITY_RANGE.min + 1;
  const hash = parseInt(createHash("sha256").update(tenantId).digest("hex").slice(0, 12), 16);
  return LISTENER_PRIORITY_RANGE.min + (hash % span);
}

/** A tenant's listener rule priority: its explicit one, or the one derived from its id. */
export function listenerPriority(spec: {
  readonly id: string;
  readonly listenerRulePriority?: number;
}): number {
  return spec.listenerRulePriority ?? derivedListenerPriority(spec.id);
}
