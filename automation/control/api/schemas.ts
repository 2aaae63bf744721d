/**
 * The API's schemas, in zod: request bodies and queries are validated with them, and the OpenAPI
 * document is generated from them (`z.toJSONSchema`). The tenant spec is the library's own
 * `TenantSpecSchema` (tenants/spec.ts), the one the CLI validates with.
 */
import { z } from "zod";
import { ENVIRONMENTS, TENANT_ID_MAX_LENGTH, TENANT_ID_MIN_LENGTH, TENANT_ID_PATTERN } from "../../../common";
import { IMAGE_TAG_PATTERN, TenantSpecSchema } from "../../../tenants/spec";
import { ROLLOUT_ID_PATTERN } from "../../rollout/state";
import { ROLES } from "../auth";
import { OPERATION_KINDS } from "../core";
import { TENANT_STATES } from "../lifecycle";
import { EVENT_TYPES } from "../store/events";
import { OPERATION_STATUSES } from "../store/operations";

/** Schemas that appear in the document's components, by name. */
export const apiRegistry = z.registry<{ id: string; description?: string }>();

function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  apiRegistry.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
}

export const EnvironmentSchema = z.enum(ENVIRONMENTS);

/** A tenant id in a path: the spec's id rules (common/naming.ts) decide; this is their shape. */
export const TenantIdSchema = z
  .string()
  .min(TENANT_ID_MIN_LENGTH)
  .max(TENANT_ID_MAX_LENGTH)
  .regex(TENANT_ID_PATTERN)
  .describe("Tenant id: a lowercase DNS label, 3 to 20 characters, not a reserved word");

/** Operation ids (`op_` + 21 base36/hex characters). */
export const OPERATION_ID_PATTERN = /^op_[0-9a-z]{21}$/;
export const OperationIdSchema = z.string().regex(OPERATION_ID_PATTERN);

export const TenantSpec = named("TenantSpec", TenantSpecSchema, "A tenant spec (tenants/spec.ts)");

/** App secrets: names in SCREAMING_SNAKE_CASE, values strings; never returned or stored here. */
export const SecretsSchema = z
  .record(z.string(), z.string())
  .describe(
    "App secrets, stored only in the stack's secret config; never returned, logged or kept by the service",
  );

export const OnboardRequest = named(
  "OnboardRequest",
  z.strictObject({
    spec: TenantSpec,
    environment: EnvironmentSchema.optional().describe("@default the first environment of the spec"),
    secrets: SecretsSchema.optional(),
  }),
);

export const UpdateRequest = named(
  "UpdateRequest",
  z.strictObject({
    spec: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("A JSON merge patch (RFC 7396) of the spec; the id cannot change"),
    environment: EnvironmentSchema.optional().describe(
      "@default every environment the tenant is onboarded in",
    ),
    secrets: SecretsSchema.optional(),
  }),
);

export const EnvRequest = named(
  "EnvironmentRequest",
  z.strictObject({
    environment: EnvironmentSchema.optional().describe("@default the spec's first environment"),
  }),
);

export const FleetRequest = named(
  "FleetRequest",
  z.strictObject({
    environment: EnvironmentSchema,
    concurrency: z.number().int().min(1).max(32).optional().describe("@default 4"),
  }),
);

export const ProblemSchema = named(
  "Problem",
  z
    .looseObject({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string().optional(),
      instance: z.string().optional(),
      errors: z
        .array(
          z.object({
            path: z.string(),
            message: z.string(),
            value: z.unknown().optional(),
            allowed: z.union([z.string(), z.array(z.string())]).optional(),
          }),
        )
        .optional(),
    })
    .describe("RFC 9457 problem details"),
);

export const OperationSchema = named(
  "Operation",
  z.object({
    id: z.string(),
    kind: z.enum(OPERATION_KINDS),
    status: z.enum(OPERATION_STATUSES),
    tenant: z.string().optional(),
    environment: EnvironmentSchema,
    requestedBy: z.string(),
    attempt: z.number().int(),
    parentId: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    result: z.unknown().optional(),
    error: ProblemSchema.optional(),
    links: z.object({ self: z.string(), events: z.string() }),
  }),
);

export const TenantEnvironmentSchema = named(
  "TenantEnvironment",
  z.object({
    environment: EnvironmentSchema,
    state: z.enum(TENANT_STATES),
    tier: z.string(),
    reason: z.string().optional(),
    lastOperation: OperationSchema.optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
    updatedAt: z.string(),
  }),
);

export const TenantSchema = named(
  "Tenant",
  z.object({
    id: z.string(),
    spec: TenantSpec,
    environments: z.array(TenantEnvironmentSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
);

export const TenantListSchema = named(
  "TenantList",
  z.object({
    items: z.array(
      z.object({
        tenant: z.string(),
        environment: EnvironmentSchema,
        state: z.enum(TENANT_STATES),
        tier: z.string(),
        lastOperationId: z.string().optional(),
        updatedAt: z.string(),
      }),
    ),
    nextCursor: z.string().optional(),
  }),
);

export const TenantListQuery = z.strictObject({
  env: EnvironmentSchema.optional(),
  tier: z.string().max(40).optional(),
  state: z.enum(TENANT_STATES).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const OperationsAccepted = named(
  "OperationsAccepted",
  z.object({ tenant: z.string(), operations: z.array(OperationSchema) }),
);

export const OperationListSchema = named(
  "OperationList",
  z.object({ items: z.array(OperationSchema), nextCursor: z.string().optional() }),
);

export const OperationListQuery = z.strictObject({
  tenant: TenantIdSchema.optional(),
  status: z.enum(OPERATION_STATUSES).optional(),
  kind: z.enum(OPERATION_KINDS).optional(),
  cursor: OperationIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const EventSchema = named(
  "Event",
  z.object({
    id: z.number().int(),
    at: z.string(),
    type: z.enum(EVENT_TYPES),
    tenant: z.string().optional(),
    environment: z.string().optional(),
    operationId: z.string().optional(),
    instance: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
);

export const EventListSchema = named(
  "EventList",
  z.object({ items: z.array(EventSchema), nextCursor: z.string().optional() }),
);

export const EventListQuery = z.strictObject({
  tenant: TenantIdSchema.optional(),
  env: EnvironmentSchema.optional(),
  type: z.enum(EVENT_TYPES).optional(),
  operation: OperationIdSchema.optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const AuditListSchema = named(
  "AuditList",
  z.object({
    items: z.array(
      z.object({
        id: z.number().int(),
        at: z.string(),
        instance: z.string(),
        actor: z.string(),
        tokenId: z.string().optional(),
        role: z.string().optional(),
        action: z.string(),
        method: z.string(),
        path: z.string(),
        tenant: z.string().optional(),
        environment: z.string().optional(),
        operationId: z.string().optional(),
        status: z.number().int(),
        result: z.string(),
        remote: z.string().optional(),
      }),
    ),
    nextCursor: z.string().optional(),
  }),
);

export const AuditListQuery = z.strictObject({
  tenant: TenantIdSchema.optional(),
  actor: z.string().max(100).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const OffboardQuery = z.strictObject({
  env: EnvironmentSchema,
  confirm: z.string().max(40).optional().describe("Production only: the tenant id"),
});

export const EnvironmentInfoSchema = named(
  "EnvironmentInfo",
  z.object({
    environment: EnvironmentSchema,
    stack: z.string(),
    outputs: z.record(z.string(), z.unknown()),
    lastUpdate: z
      .object({ kind: z.string(), result: z.string(), startTime: z.string(), endTime: z.string().optional() })
      .optional(),
  }),
);

export const WebhookRequest = named(
  "WebhookRequest",
  z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    events: z.array(z.enum(EVENT_TYPES)).min(1).optional().describe("@default every event"),
  }),
);

export const WebhookSchema = named(
  "Webhook",
  z.object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()).optional(),
    createdAt: z.string(),
    secret: z.string().optional().describe("The signing key; returned only when the webhook is created"),
  }),
);

export const WebhookListSchema = named("WebhookList", z.object({ items: z.array(WebhookSchema) }));

export const DeliveryListSchema = named(
  "DeliveryList",
  z.object({
    items: z.array(
      z.object({
        id: z.number().int(),
        eventId: z.number().int(),
        status: z.enum(["pending", "delivered", "failed"]),
        attempts: z.number().int(),
        nextAttemptAt: z.string().optional(),
        lastStatus: z.number().int().optional(),
        lastError: z.string().optional(),
        body: z.string(),
        signedAt: z.string().optional(),
        createdAt: z.string(),
        deliveredAt: z.string().optional(),
      }),
    ),
  }),
);

export const TokenRoleSchema = z.enum(ROLES);

export const RolloutRequest = named(
  "RolloutRequest",
  z.strictObject({
    environment: EnvironmentSchema,
    image: z
      .string()
      .regex(IMAGE_TAG_PATTERN, "a release tag (1.5.0) or an image digest (sha256:<64 hex>)")
      .describe("The image every tenant of the plan moves to"),
    waves: z
      .string()
      .min(1)
      .max(4000)
      .describe("The wave plan, as `fleet rollout --waves` takes it (docs/rollouts.md, 'The wave plan')"),
    dryRun: z
      .boolean()
      .optional()
      .describe("Plan only: the waves and their tenants; nothing changes. @default false"),
  }),
);

export const RolloutIdSchema = z
  .string()
  .regex(ROLLOUT_ID_PATTERN, "a rollout id (<env>-<yyyymmddThhmmssZ>)");

export const RolloutSchema = named(
  "Rollout",
  z.object({
    id: z.string(),
    environment: EnvironmentSchema,
    image: z.string(),
    plan: z.string(),
    status: z.enum(["running", "paused", "succeeded", "halted", "aborted"]),
    createdAt: z.string(),
    updatedAt: z.string(),
    report: z.record(z.string(), z.unknown()).describe("The rollout's report (waves, tenants, outcome)"),
    links: z.object({ self: z.string(), events: z.string() }),
  }),
);

export const RolloutListSchema = named("RolloutList", z.object({ items: z.array(RolloutSchema) }));

export const RolloutListQuery = z.strictObject({ env: EnvironmentSchema.optional() });
