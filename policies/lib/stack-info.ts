/**
 * What a policy knows about the stack it runs on. The engine hands policies no stack name, but every
 * URN carries it (`urn:pulumi:<stack>::<project>::<type>::<name>`), and our stack names say the
 * environment and, for tenant stacks, the tenant (DESIGN.md, "Stacks and names").
 */
import { Environment, environmentOfStack, parseTenantStackName } from "../../common";

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

/** The stack of the resource with this URN. */
export function stackInfoFromUrn(urn: string): StackInfo {
  const { stack, project } = parseUrn(urn);
  const tenantStack = project === "platform" ? undefined : parseTenantStackName(stack);
  let environment: Environment = "production";
  let environmentKnown = true;
  try {
    environment = environmentOfStack(stack);
  } catch {
    environmentKnown = false;
  }
  return tenantStack
    ? { stack, project, kind: "tenant", environment, environmentKnown, tenant: tenantStack.tenant }
    : { stack, project, kind: "base", environment, environmentKnown };
}
