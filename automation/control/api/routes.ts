/**
 * Every route of the API in one table: method, path, who may call it, its schemas and its
 * handler. The server registers the table and the OpenAPI document is generated from it, so a
 * route cannot exist without being documented.
 */
import * as crypto from "crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { appSecretsProblems } from "../../../tenants/secretNames";
import type { TenantSpec } from "../../../tenants/spec";
import { canonicalJson } from "../../../tenants/contract";
import type { Permission } from "../auth";
import type { OperationKind } from "../core";
import { fieldProblems, HttpProblem, invalidInput } from "../problems";
import { mergeSpec, readSpec } from "../specs";
import { listAudit, listEvents } from "../store/events";
import { getOperation, listOperations } from "../store/operations";
import { getTenant, getTenantEnvs, listTenantEnvs } from "../store/tenants";
import { createWebhook, disableWebhook, listDeliveries, listWebhooks } from "../webhooks";
import type { ApiContext } from "./context";
import {
  accepted,
  audit,
  operationParam,
  parse,
  principalOf,
  requirePermission,
  requireTenantScope,
  requireUnscoped,
  tenantParam,
} from "./http";
import { openApiDocument } from "./openapi";
import * as S from "./schemas";
import { streamOperationEvents } from "./sse";
import { decodeCursor, encodeCursor, operationView, tenantEnvView, tenantListItem } from "./views";

/** The API's version (the `/v1` contract's revision). */
export const API_VERSION = "1.0.0";

/** One route. */
export interface Route {
  readonly operationId: string;
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** OpenAPI form: `/v1/tenants/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** What the caller needs; undefined only for /healthz. */
  readonly permission?: Permission;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** Whether the route honours `Idempotency-Key`. */
  readonly idempotent?: boolean;
  /**
   * Whether Fastify serializes the 200 response from its schema (fast-json-stringify, compiled
   * once) instead of `JSON.stringify`: the hot reads. Fields outside the schema are dropped, so
   * the schema must describe the view exactly (the API tests compare them).
   */
  readonly compiledResponse?: boolean;
  readonly responses: Readonly<
    Record<number, { description: string; schema?: z.ZodType; contentType?: string }>
  >;
  readonly handler: (ctx: ApiContext, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

const TenantPath = z.object({ id: S.TenantIdSchema });
const OperationPath = z.object({ id: S.OperationIdSchema });
const WebhookPath = z.object({ id: z.string() });
const EnvPath = z.object({ env: S.EnvironmentSchema });

const op202 = { description: "Accepted: the operation is durable and queued", schema: S.OperationSchema };

const OnboardEnvelope = S.OnboardRequest.extend({ spec: z.unknown() });
const PreviewRequest = S.EnvRequest.extend({
  spec: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("A merge patch to preview instead of the stored spec"),
});

/** `GET /v1/tenants`'s page size without `limit` (a small page is a fast read; up to 500 with `limit`). */
export const TENANT_PAGE = 50;

/** The table. */
export const ROUTES: readonly Route[] = [
  {
    operationId: "healthz",
    method: "GET",
    path: "/healthz",
    summary: "Liveness: the process answers",
    tag: "service",
    responses: { 200: { description: "Alive", schema: z.object({ status: z.literal("ok") }) } },
    handler: async () => ({ status: "ok" }),
  },
  {
    operationId: "readyz",
    method: "GET",
    path: "/readyz",
    summary: "Readiness: the store and the Pulumi CLI are reachable",
    tag: "service",
    permission: "read",
    responses: {
      200: {
        description: "Ready",
        schema: z.object({ ready: z.boolean(), checks: z.record(z.string(), z.string()) }),
      },
      503: { description: "Not ready", schema: S.ProblemSchema },
    },
    handler: async (ctx) => {
      const r = await ctx.readiness();
      if (!r.ready) {
        throw new HttpProblem(
          503,
          "not-ready",
          "Not ready",
          Object.entries(r.checks)
            .filter(([, v]) => v !== "ok")
            .map(([k, v]) => `${k}: ${v}`)
            .join("; "),
          { checks: r.checks },
        );
      }
      return r;
    },
  },
  {
    operationId: "metrics",
    method: "GET",
    path: "/metrics",
    summary: "Prometheus metrics",
    tag: "service",
    permission: "read",
    responses: { 200: { description: "Prometheus text format", contentType: "text/plain" } },
    handler: async (ctx, _req, reply) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  },
  {
    operationId: "openapi",
    method: "GET",
    path: "/openapi.json",
    summary: "This document (OpenAPI 3.1)",
    tag: "service",
    permission: "read",
    responses: { 200: { description: "The OpenAPI document", schema: z.record(z.string(), z.unknown()) } },
    handler: async () => openApiDocument(ROUTES, { version: API_VERSION }),
  },
  {
    operationId: "onboardTenant",
    method: "POST",
    path: "/v1/tenants",
    summary: "Onboard a tenant in one environment",
    tag: "tenants",
    permission: "operate",
    body: S.OnboardRequest,
    idempotent: true,
    responses: {
      202: op202,
      200: { description: "Already onboarded with this spec: its last operation", schema: S.OperationSchema },
      409: {
        description: "The tenant exists with another spec, or its state refuses",
        schema: S.ProblemSchema,
      },
    },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "operate", "onboard tenants");
      const body = parse(OnboardEnvelope, req.body, "body");
      const spec = specOrThrow(body.spec, "body.spec");
      requireTenantScope(req, spec.id);
      const environment = body.environment ?? spec.environments[0];
      audit(req, { action: "tenant.onboard", tenant: spec.id, environment });
      checkEnvironment(spec, environment);
      checkSecrets(body.secrets);
      const r = await request(ctx, req, {
        kind: "onboard",
        tenant: spec.id,
        environment,
        spec,
        storeSpec: true,
        secrets: body.secrets,
      });
      if (r.existing && !req.headers["idempotency-key"]) {
        return operationView(r.operation);
      }
      return accepted(reply, operationView(r.operation), `/v1/operations/${r.operation.id}`, r.existing);
    },
  },
  {
    operationId: "listTenants",
    method: "GET",
    path: "/v1/tenants",
    summary: "List tenants per environment, filtered by env, tier and state",
    tag: "tenants",
    permission: "read",
    query: S.TenantListQuery,
    compiledResponse: true,
    responses: { 200: { description: "A page of tenants", schema: S.TenantListSchema } },
    handler: async (ctx, req) => {
      const p = principalOf(req);
      const q = parse(S.TenantListQuery, req.query, "query");
      const after = q.cursor ? cursorKey(q.cursor) : undefined;
      const limit = q.limit ?? TENANT_PAGE;
      const rows = await listTenantEnvs(ctx.control.store.db, {
        environment: q.env,
        tier: q.tier,
        state: q.state,
        tenants: p.tenants,
        after,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(tenantListItem),
        ...(rows.length > limit && last
          ? { nextCursor: encodeCursor({ t: last.tenant, e: last.environment }) }
          : {}),
      };
    },
  },
  {
    operationId: "getTenant",
    method: "GET",
    path: "/v1/tenants/{id}",
    summary: "A tenant: spec, state per environment, last operation, outputs",
    tag: "tenants",
    permission: "read",
    params: TenantPath,
    responses: { 200: { description: "The tenant", schema: S.TenantSchema } },
    handler: async (ctx, req) => {
      const id = tenantParam((req.params as { id: string }).id);
      requireTenantScope(req, id);
      const db = ctx.control.store.db;
      const tenant = await getTenant(db, id);
      if (!tenant) throw notFound(`tenant ${id} does not exist`);
      const envs = await getTenantEnvs(db, id);
      const environments = [];
      for (const env of envs) {
        const last = env.lastOperationId ? await getOperation(db, env.lastOperationId) : undefined;
        environments.push(tenantEnvView(env, last));
      }
      return {
        id,
        spec: tenant.spec,
        environments,
        createdAt: tenant.createdAt,
        updatedAt: tenant.updatedAt,
      };
    },
  },
  {
    operationId: "updateTenant",
    method: "PATCH",
    path: "/v1/tenants/{id}",
    summary: "Change the spec (merge patch) and update the tenant's stacks",
    tag: "tenants",
    permission: "operate",
    params: TenantPath,
    body: S.UpdateRequest,
    idempotent: true,
    responses: { 202: { description: "Accepted: one update per environment", schema: S.OperationsAccepted } },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "operate", "update tenants");
      const id = tenantParam((req.params as { id: string }).id);
      requireTenantScope(req, id);
      const body = parse(S.UpdateRequest, req.body, "body");
      audit(req, { action: "tenant.update", tenant: id, environment: body.environment });
      const db = ctx.control.store.db;
      const current = await getTenant(db, id);
      if (!current) throw notFound(`tenant ${id} does not exist; onboard it with POST /v1/tenants`);
      const spec = patchedSpec(id, current.spec, body.spec ?? {});
      checkSecrets(body.secrets);
      const envs = body.environment
        ? [body.environment]
        : (await getTenantEnvs(db, id)).filter((e) => e.state !== "offboarded").map((e) => e.environment);
      if (envs.length === 0) {
        throw new HttpProblem(
          409,
          "conflict",
          "Conflict",
          `tenant ${id} is not onboarded in any environment`,
          { tenant: id },
        );
      }
      for (const env of envs) checkEnvironment(spec, env);
      const operations = [];
      for (const environment of envs) {
        const r = await request(
          ctx,
          req,
          { kind: "update", tenant: id, environment, spec, storeSpec: true, secrets: body.secrets },
          environment,
        );
        operations.push(operationView(r.operation));
      }
      audit(req, { operationId: String(operations[0]?.id) });
      return accepted(reply, { tenant: id, operations }, `/v1/tenants/${id}`, false);
    },
  },
  {
    operationId: "offboardTenant",
    method: "DELETE",
    path: "/v1/tenants/{id}",
    summary: "Offboard a tenant from one environment (production: admin, confirm=<id>)",
    tag: "tenants",
    permission: "operate",
    params: TenantPath,
    query: S.OffboardQuery,
    idempotent: true,
    responses: { 202: op202 },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "operate", "offboard tenants");
      const id = tenantParam((req.params as { id: string }).id);
      requireTenantScope(req, id);
      const q = parse(S.OffboardQuery, req.query, "query");
      audit(req, { action: "tenant.offboard", tenant: id, environment: q.env });
      if (q.env === "production") {
        requirePermission(req, "offboard-production", "offboard in production");
        if (q.confirm !== id) {
          throw invalidInput("offboarding in production destroys the tenant's resources", [
            {
              path: "query.confirm",
              message: `must equal the tenant id ${JSON.stringify(id)}`,
              ...(q.confirm !== undefined ? { value: q.confirm } : {}),
            },
          ]);
        }
      }
      if (!(await getTenant(ctx.control.store.db, id))) throw notFound(`tenant ${id} does not exist`);
      const r = await request(ctx, req, {
        kind: "offboard",
        tenant: id,
        environment: q.env,
        params: { confirm: q.confirm },
      });
      return accepted(reply, operationView(r.operation), `/v1/operations/${r.operation.id}`, r.existing);
    },
  },
  tenantAction(
    "preview",
    "previewTenant",
    "Preview the stored spec, or a merge patch of it",
    "preview",
    PreviewRequest,
  ),
  tenantAction(
    "drift",
    "driftTenant",
    "Check for drift (a refresh that changes nothing)",
    "operate",
    S.EnvRequest,
  ),
  tenantAction(
    "repair",
    "repairTenant",
    "Repair a stack an interrupted run left locked",
    "operate",
    S.EnvRequest,
  ),
  {
    operationId: "listOperations",
    method: "GET",
    path: "/v1/operations",
    summary: "Operations, newest first",
    tag: "operations",
    permission: "read",
    query: S.OperationListQuery,
    responses: { 200: { description: "A page of operations", schema: S.OperationListSchema } },
    handler: async (ctx, req) => {
      const p = principalOf(req);
      const q = parse(S.OperationListQuery, req.query, "query");
      const limit = q.limit ?? 50;
      const rows = await listOperations(ctx.control.store.db, {
        tenant: q.tenant,
        tenants: p.tenants,
        status: q.status,
        kind: q.kind,
        before: q.cursor,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map(operationView),
        ...(rows.length > limit ? { nextCursor: page[page.length - 1].id } : {}),
      };
    },
  },
  {
    operationId: "getOperation",
    method: "GET",
    path: "/v1/operations/{id}",
    summary: "An operation: status, result or problem",
    tag: "operations",
    permission: "read",
    params: OperationPath,
    compiledResponse: true,
    responses: { 200: { description: "The operation", schema: S.OperationSchema } },
    handler: async (ctx, req) => operationView(await visibleOperation(ctx, req)),
  },
  {
    operationId: "operationEvents",
    method: "GET",
    path: "/v1/operations/{id}/events",
    summary: "Server-Sent Events: the engine's progress, resource by resource (resumes with Last-Event-ID)",
    tag: "operations",
    permission: "read",
    params: OperationPath,
    responses: {
      200: { description: "An event stream; ends with `event: end`", contentType: "text/event-stream" },
    },
    handler: async (ctx, req, reply) => {
      const op = await visibleOperation(ctx, req);
      const header = req.headers["last-event-id"];
      const after = Number(
        Array.isArray(header) ? header[0] : (header ?? (req.query as { after?: string }).after ?? 0),
      );
      await streamOperationEvents(
        ctx.control.store,
        op.id,
        Number.isFinite(after) && after >= 0 ? after : 0,
        req,
        reply,
      );
      return reply;
    },
  },
  {
    operationId: "cancelOperation",
    method: "POST",
    path: "/v1/operations/{id}/cancel",
    summary: "Cancel a queued operation at once, or a running one at its next heartbeat",
    tag: "operations",
    permission: "operate",
    params: OperationPath,
    responses: { 202: { description: "Cancelled or cancelling", schema: S.OperationSchema } },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "operate", "cancel operations");
      const op = await visibleOperation(ctx, req);
      audit(req, {
        action: "operation.cancel",
        tenant: op.tenant ?? undefined,
        environment: op.environment,
        operationId: op.id,
      });
      const after = await ctx.control.cancel(op.id);
      reply.code(202);
      return operationView(after);
    },
  },
  fleetRoute("reconcile", "fleet-operate"),
  fleetRoute("preview", "fleet-preview"),
  fleetRoute("drift", "fleet-operate"),
  {
    operationId: "getEnvironment",
    method: "GET",
    path: "/v1/environments/{env}",
    summary: "The base stack of an environment: outputs and last update",
    tag: "environments",
    permission: "read",
    params: EnvPath,
    responses: { 200: { description: "The environment", schema: S.EnvironmentInfoSchema } },
    handler: async (ctx, req) => {
      const { env } = parse(EnvPath, req.params, "path");
      const info = await ctx.environment(env);
      if (!info) throw notFound(`the base stack of ${env} does not exist; deploy it first`);
      return info;
    },
  },
  {
    operationId: "listEvents",
    method: "GET",
    path: "/v1/events",
    summary: "Events (state transitions, operation results), oldest first, paged by id",
    tag: "events",
    permission: "read",
    query: S.EventListQuery,
    responses: { 200: { description: "A page of events", schema: S.EventListSchema } },
    handler: async (ctx, req) => {
      const p = principalOf(req);
      const q = parse(S.EventListQuery, req.query, "query");
      const limit = q.limit ?? 100;
      const items = await listEvents(ctx.control.store.db, {
        tenant: q.tenant,
        tenants: p.tenants,
        environment: q.env,
        type: q.type,
        operationId: q.operation,
        after: q.after,
        limit,
      });
      return { items, ...(items.length === limit ? { nextCursor: String(items[items.length - 1].id) } : {}) };
    },
  },
  {
    operationId: "listAudit",
    method: "GET",
    path: "/v1/audit",
    summary: "The audit log (admin only)",
    tag: "audit",
    permission: "admin",
    query: S.AuditListQuery,
    responses: { 200: { description: "A page of audit entries", schema: S.AuditListSchema } },
    handler: async (ctx, req) => {
      requirePermission(req, "admin", "read the audit log");
      const q = parse(S.AuditListQuery, req.query, "query");
      const limit = q.limit ?? 100;
      const items = await listAudit(ctx.control.store.db, {
        tenant: q.tenant,
        actor: q.actor,
        after: q.after,
        limit,
      });
      return { items, ...(items.length === limit ? { nextCursor: String(items[items.length - 1].id) } : {}) };
    },
  },
  {
    operationId: "createWebhook",
    method: "POST",
    path: "/v1/webhooks",
    summary: "Add a webhook receiver; the signing secret is returned once",
    tag: "webhooks",
    permission: "admin",
    body: S.WebhookRequest,
    responses: { 201: { description: "Created", schema: S.WebhookSchema } },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "admin", "manage webhooks");
      audit(req, { action: "webhook.create" });
      const body = parse(S.WebhookRequest, req.body, "body");
      reply.code(201);
      return createWebhook(ctx.control.store.db, body);
    },
  },
  {
    operationId: "listWebhooks",
    method: "GET",
    path: "/v1/webhooks",
    summary: "Webhook receivers",
    tag: "webhooks",
    permission: "admin",
    responses: { 200: { description: "Webhooks", schema: S.WebhookListSchema } },
    handler: async (ctx, req) => {
      requirePermission(req, "admin", "manage webhooks");
      return { items: await listWebhooks(ctx.control.store.db) };
    },
  },
  {
    operationId: "deleteWebhook",
    method: "DELETE",
    path: "/v1/webhooks/{id}",
    summary: "Remove a webhook receiver (its delivery log stays)",
    tag: "webhooks",
    permission: "admin",
    params: WebhookPath,
    responses: { 204: { description: "Removed" } },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "admin", "manage webhooks");
      const { id } = req.params as { id: string };
      audit(req, { action: "webhook.delete" });
      if (!(await disableWebhook(ctx.control.store.db, id))) throw notFound(`webhook ${id} does not exist`);
      reply.code(204);
      return null;
    },
  },
  {
    operationId: "listDeliveries",
    method: "GET",
    path: "/v1/webhooks/{id}/deliveries",
    summary: "The delivery log of a webhook: what was sent, attempts, answers",
    tag: "webhooks",
    permission: "admin",
    params: WebhookPath,
    responses: { 200: { description: "Deliveries, newest first", schema: S.DeliveryListSchema } },
    handler: async (ctx, req) => {
      requirePermission(req, "admin", "manage webhooks");
      const { id } = req.params as { id: string };
      return { items: await listDeliveries(ctx.control.store.db, id) };
    },
  },
];

function tenantAction(
  kind: "preview" | "drift" | "repair",
  operationId: string,
  summary: string,
  permission: Permission,
  body: z.ZodObject,
): Route {
  return {
    operationId,
    method: "POST",
    path: `/v1/tenants/{id}/${kind}`,
    summary,
    tag: "tenants",
    permission,
    params: TenantPath,
    body,
    idempotent: true,
    responses: { 202: op202 },
    handler: async (ctx, req, reply) => {
      requirePermission(req, permission, `${kind} tenants`);
      const id = tenantParam((req.params as { id: string }).id);
      requireTenantScope(req, id);
      const parsed = parse(body, req.body ?? {}, "body") as {
        environment?: string;
        spec?: Record<string, unknown>;
      };
      const tenant = await getTenant(ctx.control.store.db, id);
      if (!tenant) throw notFound(`tenant ${id} does not exist`);
      let spec = specOrThrow(tenant.spec, "spec");
      if (parsed.spec) {
        spec = patchedSpec(id, tenant.spec, parsed.spec);
      }
      const environment = parsed.environment ?? spec.environments[0];
      audit(req, { action: `tenant.${kind}`, tenant: id, environment });
      const r = await request(ctx, req, { kind, tenant: id, environment, spec });
      return accepted(reply, operationView(r.operation), `/v1/operations/${r.operation.id}`, r.existing);
    },
  };
}

function fleetRoute(kind: "reconcile" | "preview" | "drift", permission: Permission): Route {
  return {
    operationId: `fleet${kind[0].toUpperCase()}${kind.slice(1)}`,
    method: "POST",
    path: `/v1/fleet/${kind}`,
    summary: `Fleet ${kind} of every tenant in an environment, with bounded concurrency; the result is the fleet report`,
    tag: "fleet",
    permission,
    body: S.FleetRequest,
    idempotent: true,
    responses: { 202: op202 },
    handler: async (ctx, req, reply) => {
      requirePermission(req, permission, `run fleet ${kind}`);
      requireUnscoped(req, `fleet ${kind}`);
      const body = parse(S.FleetRequest, req.body, "body");
      audit(req, { action: `fleet.${kind}`, environment: body.environment });
      const r = await request(ctx, req, {
        kind: `fleet-${kind}` as OperationKind,
        environment: body.environment,
        params: { concurrency: body.concurrency ?? 4 },
      });
      return accepted(reply, operationView(r.operation), `/v1/operations/${r.operation.id}`, r.existing);
    },
  };
}

/** Queues an operation for the caller, with its Idempotency-Key (refusals are ControlErrors). */
async function request(
  ctx: ApiContext,
  req: FastifyRequest,
  r: {
    kind: OperationKind;
    tenant?: string;
    environment: string;
    spec?: TenantSpec;
    storeSpec?: boolean;
    secrets?: Record<string, string>;
    params?: Record<string, unknown>;
  },
  keySuffix?: string,
) {
  const p = principalOf(req);
  const key = idempotencyKey(req);
  const result = await ctx.control.request({
    ...r,
    requestedBy: p.name,
    ...(key
      ? {
          idempotencyKey: `${p.tokenId}:${key}${keySuffix ? `:${keySuffix}` : ""}`,
          requestHash: requestHash(req),
        }
      : {}),
  });
  audit(req, { operationId: result.operation.id });
  return result;
}

function idempotencyKey(req: FastifyRequest): string | undefined {
  const raw = req.headers["idempotency-key"];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw invalidInput("Idempotency-Key is invalid", [
      { path: "header.idempotency-key", message: "must be 1 to 200 visible ASCII characters (a UUID, say)" },
    ]);
  }
  return key;
}

/** A hash of the request without secret values (their names count). */
function requestHash(req: FastifyRequest): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const secrets = body.secrets as Record<string, unknown> | undefined;
  const safe = { ...body, ...(secrets ? { secrets: Object.keys(secrets).sort() } : {}) };
  return crypto
    .createHash("sha256")
    .update(`${req.method} ${req.url}\n${canonicalJson(safe)}`)
    .digest("hex");
}

/** The stored spec with a merge patch applied, validated; the id cannot change. */
function patchedSpec(
  id: string,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): TenantSpec {
  const merged = mergeSpec(current, patch);
  if (merged.id !== id) {
    throw invalidInput("the id cannot change", [
      { path: "body.spec.id", message: `cannot change (it is ${JSON.stringify(id)})`, value: merged.id },
    ]);
  }
  return specOrThrow(merged, "body.spec");
}

function specOrThrow(raw: unknown, where: string): TenantSpec {
  const r = readSpec(raw, where);
  if (r.problems) throw invalidInput("the tenant spec is invalid", r.problems);
  return r.spec;
}

function checkEnvironment(spec: TenantSpec, environment: string): void {
  if (!spec.environments.includes(environment as never)) {
    throw invalidInput(`the spec does not run in ${environment}`, [
      {
        path: "body.environment",
        message: `${JSON.stringify(environment)} is not one of the spec's environments (${spec.environments.join(", ")})`,
        value: environment,
        allowed: spec.environments,
      },
    ]);
  }
}

function checkSecrets(secrets: Record<string, string> | undefined): void {
  if (!secrets || Object.keys(secrets).length === 0) return;
  const problems = appSecretsProblems(secrets, "secrets");
  if (problems.length > 0) throw invalidInput("the app secrets are invalid", fieldProblems(problems, "body"));
}

async function visibleOperation(ctx: ApiContext, req: FastifyRequest) {
  const id = operationParam((req.params as { id: string }).id);
  const op = await getOperation(ctx.control.store.db, id);
  const p = principalOf(req);
  if (!op) {
    throw notFound(`operation ${id} does not exist`);
  }
  if (p.tenants !== undefined && (op.tenant === null || !p.tenants.includes(op.tenant))) {
    throw new HttpProblem(
      403,
      "forbidden",
      "Forbidden",
      `token ${p.name} is not scoped to the tenant of operation ${id}`,
    );
  }
  return op;
}

function notFound(detail: string): HttpProblem {
  return new HttpProblem(404, "not-found", "Not found", detail);
}

function cursorKey(cursor: string) {
  const key = decodeCursor(
    cursor,
    (v): v is { t: string; e: string } =>
      typeof v === "object" &&
      v !== null &&
      typeof (v as { t?: unknown }).t === "string" &&
      typeof (v as { e?: unknown }).e === "string",
  );
  if (!key)
    throw invalidInput("the cursor is invalid", [
      { path: "query.cursor", message: "is not a cursor this API returned", value: cursor },
    ]);
  return { tenant: key.t, environment: key.e };
}
