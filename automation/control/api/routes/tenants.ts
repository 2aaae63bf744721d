/** Tenants: onboard, list, get, update (merge patch), offboard, preview, drift, repair. */
import { z } from "zod";
import type { Permission } from "../../auth";
import { HttpProblem, invalidInput } from "../../problems";
import { getOperation } from "../../store/operations";
import { getTenant, getTenantEnvs, listTenantEnvs } from "../../store/tenants";
import {
  accepted,
  audit,
  parse,
  principalOf,
  requirePermission,
  requireTenantScope,
  tenantParam,
} from "../http";
import type { Route } from "../route";
import * as S from "../schemas";
import { decodeCursor, encodeCursor, operationView, tenantEnvView, tenantListItem } from "../views";
import {
  checkEnvironment,
  checkSecrets,
  notFound,
  op202,
  patchedSpec,
  request,
  specOrThrow,
  TenantPath,
} from "./common";

const OnboardEnvelope = S.OnboardRequest.extend({ spec: z.unknown() });
const PreviewRequest = S.EnvRequest.extend({
  spec: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("A merge patch to preview instead of the stored spec"),
});

/** `GET /v1/tenants`'s page size without `limit` (a small page is a fast read; up to 500 with `limit`). */
export const TENANT_PAGE = 50;

export const TENANT_ROUTES: readonly Route[] = [
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
        ingressShards: await ctx.ingressShards(environment),
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
