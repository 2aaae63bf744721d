/**
 * What a policy knows about the stack it runs on. The engine hands policies no stack name, but every
 * URN carries it (`urn:pulumi:<stack>::<project>::<type>::<name>`), and our stack names say the
 * environment and, for tenant stacks, the tenant (DESIGN.md, "Stacks and names"). A tenant stack's
 * tier comes from the stack's config (`tenant:spec`, ./stack-config.ts), never from a resource's tags.
 */
import { Environment, environmentOfStack, parseTenantStackName, Tier, tierOfStackConfig } from "../../common";

/** The stack a resource belongs to, as the policies see it. */
export interface StackInfo {
  /** Stack name, e.g. `staging` or `acme-staging`. */
  readonly stack: string;
  /** Pulumi project, `platform` (base) or `tenant`. */
  readonly project: string;
  /** `base` for the platform stacks, `tenant` for tenant stacks. */
  readonly kind: "base" | "tenant";
  /**
   * The environment from the stack name. A stack whose name names no environment (a scratch stack)
   * is held to production's rules, the strictest, and {@link environmentKnown} is false.
   */
  readonly environment: Environment;
  readonly environmentKnown: boolean;
  /** The tenant of a tenant stack. */
  readonly tenant?: string;
  /** A tenant stack's tier, from its config; undefined on base stacks or when it cannot be read. */
  readonly tier?: Tier;
  /** Why a tenant stack's tier is unknown (no `tenant:spec` config, no valid tier in it). */
  readonly tierProblem?: string;
}

/** Splits a URN into stack, project, (qualified) type and name. @throws on anything else. */
export function parseUrn(urn: string): {
  stack: string;
  project: string;
  qualifiedType: string;
  name: string;
} {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::(.+?)::(.*)$/s.exec(urn);
  if (!m) {
    throw new Error(`"${urn}" is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)`);
  }
  return { stack: m[1], project: m[2], qualifiedType: m[3], name: m[4] };
}

/**
 * The stack of the resource with this URN.
 * @param config the stack's config, for a tenant stack's tier. @default {} (tier unknown)
 */
export function stackInfoFromUrn(urn: string, config: Readonly<Record<string, string>> = {}): StackInfo {
  const { stack, project } = parseUrn(urn);
  const tenantStack = project === "platform" ? undefined : parseTenantStackName(stack);
  let environment: Environment = "production";
  let environmentKnown = true;
  try {
    environment = environmentOfStack(stack);
  } catch {
    environmentKnown = false;
  }
  if (!tenantStack) {
    return { stack, project, kind: "base", environment, environmentKnown };
  }
  const { tier, problem } = tierOfStackConfig(config);
  return {
    stack,
    project,
    kind: "tenant",
    environment,
    environmentKnown,
    tenant: tenantStack.tenant,
    ...(tier ? { tier } : { tierProblem: problem }),
  };
}
