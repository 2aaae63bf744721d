/** One route of the API table (automation/control/api/routes.ts). */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Permission } from "../auth";
import type { ApiContext } from "./context";

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
