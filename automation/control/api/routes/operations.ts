/** Operations: list, get, the SSE event stream, cancel. */
import { listOperations } from "../../store/operations";
import { audit, parse, principalOf, requirePermission } from "../http";
import type { Route } from "../route";
import * as S from "../schemas";
import { streamOperationEvents } from "../sse";
import { operationView } from "../views";
import { OperationPath, visibleOperation } from "./common";

export const OPERATION_ROUTES: readonly Route[] = [
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
];
