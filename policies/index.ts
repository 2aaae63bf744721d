/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policies`. Constructing the PolicyPack
 * starts the analyzer's gRPC server, so nothing but the engine should import this file; the list
 * lives in ./registry.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { captureStackConfig } from "./lib/stack-config";
import { ALL_POLICIES, PACK_NAME } from "./registry";

// Before the server starts: keeps the stack config the engine sends (a tenant stack's tier).
captureStackConfig();

new PolicyPack(PACK_NAME, {
  policies: [...ALL_POLICIES],
  // Each policy reports at its own level per environment (lib/config.ts); this is only the fallback.
  enforcementLevel: "mandatory",
  description:
    "Platform guardrails: tagging, encryption with customer keys, per-tier resource limits and network exposure.",
  displayName: "Platform guardrails",
  provider: "aws",
});
