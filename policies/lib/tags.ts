/**
 * The tags a resource will carry: the AWS provider's `defaultTags` merged with its own `tags` (its
 * own win, as in the provider's `tagsAll`). Provider properties reach policies JSON-encoded from a
 * Node program (`defaultTags: '{"tags":{...}}'`) and as objects from other SDKs and the offline
 * recorder's consumers; both are read.
 */
import type { PolicyProviderResource } from "@pulumi/policy";

/** A provider's default tags, whatever the encoding; empty when it has none. */
export function providerDefaultTags(provider: PolicyProviderResource | undefined): Record<string, string> {
  if (!provider || !provider.type.startsWith("pulumi:providers:aws")) {
    return {};
  }
  let defaultTags: unknown = provider.props.defaultTags;
  if (typeof defaultTags === "string") {
    try {
      defaultTags = JSON.parse(defaultTags);
    } catch {
      return {};
    }
  }
  // The schema allows a list of one block in some encodings.
  if (Array.isArray(defaultTags)) {
    defaultTags = defaultTags[0];
  }
  const tags = (defaultTags as { tags?: unknown } | undefined)?.tags;
  return tags && typeof tags === "object" ? stringValues(tags as Record<string, unknown>) : {};
}

function stringValues(tags: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    out[k] = v as string;
  }
  return out;
}

/** Default tags merged with the resource's own `tags`. */
export function effectiveTags(
  props: Record<string, any>,
  provider: PolicyProviderResource | undefined,
): Record<string, string> {
  const own = props.tags && typeof props.tags === "object" ? stringValues(props.tags) : {};
  return { ...providerDefaultTags(provider), ...own };
}
