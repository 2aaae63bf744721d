/** The service's routes: liveness, readiness, metrics and the OpenAPI document. */
import { z } from "zod";
import { HttpProblem } from "../../problems";
import { openApiDocument } from "../openapi";
import type { Route } from "../route";
import * as S from "../schemas";

/** The service routes; `all` is the whole table (for the OpenAPI document). */
export function serviceRoutes(all: () => readonly Route[], version: string): Route[] {
  return [
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
      handler: async () => openApiDocument(all(), { version }),
    },
  ];
}
