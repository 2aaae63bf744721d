/**
 * Cross-resource references in stack policies. The engine gives stack policies each resource's
 * outputs; one resource names another by id, name or ARN (an encryption configuration's `bucket`,
 * a rule's `securityGroupId`). These helpers match such a value against the resources it may name.
 */
import type { PolicyResource } from "@pulumi/policy";

/** The identifiers other resources may use to point at `r`. */
export function identifiers(
  r: PolicyResource,
  fields: readonly string[] = ["id", "arn", "name", "bucket"],
): string[] {
  const props = r.props as Record<string, unknown>;
  return fields.map((f) => props[f]).filter((v): v is string => typeof v === "string" && v !== "");
}

/** The resource among `candidates` that `ref` names, if any. */
export function resolveRef(
  ref: unknown,
  candidates: readonly PolicyResource[],
  fields?: readonly string[],
): PolicyResource | undefined {
  if (typeof ref !== "string" || ref === "") {
    return undefined;
  }
  return candidates.find((c) => identifiers(c, fields).includes(ref));
}
