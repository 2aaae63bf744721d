/**
 * Where a tenant sits on the ingress: its shard and the priority of its listener rule there. The
 * rules live in common/ingress.ts (the policy pack and the capacity command read them too); this
 * module is the tenant side's name for them (docs/decisions/0007-ingress-shards-and-placement.md).
 *
 * ALB rule priorities are unique per listener (1 to 50,000). A tenant's priority defaults to a hash
 * of its id and its shard to 0, so an existing tenant's placement never changes; onboarding records
 * a new tenant's shard and, when the derived priority is taken on that shard, a free one.
 */
import { derivedListenerPriority, ingressPlacement, LISTENER_PRIORITY_RANGE } from "../common";

export { derivedListenerPriority, LISTENER_PRIORITY_RANGE };

/** A tenant's listener rule priority: its explicit one, or the one derived from its id. */
export function listenerPriority(spec: {
  readonly id: string;
  readonly listenerRulePriority?: number;
}): number {
  return ingressPlacement(spec).priority;
}
