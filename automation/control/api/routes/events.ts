/** Events, the audit log and webhooks (receivers and their delivery logs). */
import { z } from "zod";
import { listAudit, listEvents } from "../../store/events";
import { createWebhook, disableWebhook, listDeliveries, listWebhooks } from "../../webhooks";
import { audit, parse, principalOf, requirePermission } from "../http";
import type { Route } from "../route";
import * as S from "../schemas";
import { notFound } from "./common";

const WebhookPath = z.object({ id: z.string() });

export const EVENT_ROUTES: readonly Route[] = [
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
