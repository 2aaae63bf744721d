/**
 * platform-lb-listener-shard: a tenant's host rule sits on the HTTPS listener of the ingress shard
 * the registry places it on, at the priority placed with it (common/ingress.ts,
 * docs/decisions/0007-ingress-shards-and-placement.md). The registry keeps placements unique per
 * shard; this keeps every stack to its placement, so priorities stay unique on every listener.
 *
 * The placement comes from the stack's `tenant:spec` config, never from the resource. The shard's
 * listener comes from the base outputs where the policy sees the StackReference (the offline check);
 * the engine hands stack policies no StackReference, so there the listener is known by the load
 * balancer its ARN names (`listener/app/<name>/...`), the name the base program gives the shard.
 */
import * as aws from "@pulumi/aws";
import {
  ingressPlacement,
  IngressPlacement,
  physicalName,
  shardLoadBalancerRole,
  TENANT_SPEC_CONFIG_KEY,
} from "../../common";
import { ofClass, PlatformPolicy, stackPolicy } from "../lib/policy";
import { stackConfig } from "../lib/stack-config";
import { show } from "../lib/values";

/** The placement `tenant:spec` says, or undefined when the config holds no readable spec. */
function placementOfConfig(config: Readonly<Record<string, string>>): IngressPlacement | undefined {
  try {
    const spec = JSON.parse(config[TENANT_SPEC_CONFIG_KEY] ?? "null") as Record<string, unknown> | null;
    if (!spec || typeof spec.id !== "string") {
      return undefined;
    }
    const number = (v: unknown) => (typeof v === "number" ? v : undefined);
    return ingressPlacement({
      id: spec.id,
      ingressShard: number(spec.ingressShard),
      listenerRulePriority: number(spec.listenerRulePriority),
    });
  } catch {
    return undefined;
  }
}

/** The load balancer name an ALB listener ARN carries. */
function loadBalancerOfListener(listenerArn: unknown): string | undefined {
  return typeof listenerArn === "string" ? /:listener\/app\/([^/]+)\//.exec(listenerArn)?.[1] : undefined;
}

export const lbListenerShard: PlatformPolicy = stackPolicy(
  {
    name: "platform-lb-listener-shard",
    description:
      "A tenant's listener rule sits on its ingress shard's HTTPS listener, at its placed priority.",
    category: "network",
    severity: "high",
    controls: {
      none: "a platform rule (ingress shards and unique listener priorities); FSBP and CIS have no control for listener rules",
    },
    rules: [
      "a tenant's listener rule attaches to the HTTPS listener of the ingress shard its spec places it on",
      "the rule's priority is the one its spec places it at",
      "no two rules of the stack share a listener and a priority",
    ],
    remediationSteps:
      "Take the listener from the base outputs' ingressShards[<ingressShard>].httpsListenerArn and the priority from the spec (tenants/program.ts does); move a tenant by changing its spec (docs/runbooks/move-tenant-shard.md).",
  },
  (resources, ctx, report) => {
    if (ctx.stack.kind !== "tenant") {
      return;
    }
    const rules = ofClass(resources, aws.lb.ListenerRule, aws.alb.ListenerRule);
    const placement = placementOfConfig(stackConfig());
    if (rules.length === 0) {
      return;
    }
    if (!placement) {
      report(
        `cannot check the listener rules' shard and priority: the stack's ${TENANT_SPEC_CONFIG_KEY} config holds no readable spec ` +
          `(the automation service sets it from tenants/registry/${ctx.stack.tenant}.yaml)`,
      );
      return;
    }
    const base = resources
      .filter((r) => r.type === "pulumi:pulumi:StackReference")
      .map((r) => (r.props.outputs ?? {}) as Record<string, unknown>)[0];
    const shards = base?.ingressShards as { httpsListenerArn?: unknown }[] | undefined;
    const expectedListener =
      base === undefined
        ? undefined
        : Array.isArray(shards)
          ? shards[placement.shard]?.httpsListenerArn
          : placement.shard === 0
            ? base.httpsListenerArn
            : undefined;
    const expectedAlb = physicalName("loadBalancer", {
      environment: ctx.stack.environment,
      role: shardLoadBalancerRole(placement.shard),
    });
    const seen = new Map<string, string>();
    for (const rule of rules) {
      const where = `listener rule "${rule.name}"`;
      const listener = rule.props.listenerArn;
      if (base !== undefined && expectedListener === undefined) {
        report(
          `${where}: the tenant is placed on ingress shard ${placement.shard}, which the base stack does not export ` +
            `(${Array.isArray(shards) ? shards.length : 1} shard(s)); raise platform:ingressShards or move the tenant.`,
          rule.urn,
        );
      } else if (
        base !== undefined ? listener !== expectedListener : loadBalancerOfListener(listener) !== expectedAlb
      ) {
        report(
          `${where}: attaches to listener ${show(listener)}, not the HTTPS listener of ingress shard ${placement.shard} ` +
            `(${base !== undefined ? show(expectedListener) : `load balancer ${expectedAlb}`}) its spec places it on. ` +
            `Use ingressShards[${placement.shard}].httpsListenerArn of the base outputs.`,
          rule.urn,
        );
      }
      if (rule.props.priority !== placement.priority) {
        report(
          `${where}: priority ${show(rule.props.priority)} is not ${placement.priority}, the priority its spec places it at ` +
            `on shard ${placement.shard}; another tenant may hold that one. Use the placed priority.`,
          rule.urn,
        );
      }
      const key = `${String(listener)} ${String(rule.props.priority)}`;
      const other = seen.get(key);
      if (other !== undefined) {
        report(
          `${where} and "${other}" share listener ${show(listener)} and priority ${show(rule.props.priority)}; ` +
            "ALB rule priorities are unique per listener.",
          rule.urn,
        );
      }
      seen.set(key, rule.name);
    }
  },
);
