/**
 * What every handler shares: validation of params, query and body against the route's zod
 * schemas (problems name the field, the value and what is allowed), and the caller's rights.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { tenantIdProblemsAt } from "../../../common";
import { can, inScope, Permission, Principal } from "../auth";
import { FieldProblem, HttpProblem, invalidInput } from "../problems";
import { OPERATION_ID_PATTERN } from "./schemas";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** What the audit entry of this request names (set by handlers as they learn it). */
    auditInfo?: { action?: string; tenant?: string; environment?: string; operationId?: string };
  }
}

/** Field problems of a zod error, under `where` (`body`, `query`, `path`). */
export function zodProblems(error: z.ZodError, input: unknown, where: string): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const parts = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => ({
        path: [where, ...parts, k].join("."),
        message: "unknown field",
      }));
    }
    let value: unknown = input;
    for (const p of parts)
      value = value && typeof value === "object" ? (value as Record<string, unknown>)[p] : undefined;
    const path = [where, ...parts].join(".");
    const shown = value === undefined ? "is required" : `${JSON.stringify(value)} is invalid`;
    return [{ path, message: `${shown}: ${issue.message}`, ...(value !== undefined ? { value } : {}) }];
  });
}

/** The input parsed by `schema`, or a 400 naming every problem. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input ?? (where === "body" ? undefined : {}));
  if (!result.success) {
    throw invalidInput(`the ${where} is invalid`, zodProblems(result.error, input, where));
  }
  return result.data;
}

/** The tenant id of a path, checked against the spec's id rules. */
export function tenantParam(value: string): string {
  const problems = tenantIdProblemsAt("path.id", value);
  if (problems.length > 0) {
    throw invalidInput(`${JSON.stringify(value)} is not a tenant id`, problems);
  }
  return value;
}

/** The operation id of a path. */
export function operationParam(value: string): string {
  if (!OPERATION_ID_PATTERN.test(value)) {
    throw invalidInput(`${JSON.stringify(value)} is not an operation id`, [
      {
        path: "path.id",
        message: `${JSON.stringify(value)} is not an operation id (op_ + 21 characters)`,
        value,
      },
    ]);
  }
  return value;
}

/** The caller; 401 when there is none (every route but /healthz and the console's page has one). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) {
    throw new HttpProblem(
      401,
      "unauthorized",
      "Authentication required",
      "send Authorization: Bearer <token>",
    );
  }
  return req.principal;
}

/** 403 unless the caller holds the permission. */
export function requirePermission(req: FastifyRequest, permission: Permission, what: string): Principal {
  const p = principalOf(req);
  if (!can(p, permission)) {
    throw new HttpProblem(403, "forbidden", "Forbidden", `role ${p.role} may not ${what}`, {
      role: p.role,
      required: permission,
    });
  }
  return p;
}

/** 403 unless the caller's token covers the tenant. */
export function requireTenantScope(req: FastifyRequest, tenant: string): void {
  const p = principalOf(req);
  if (!inScope(p, tenant)) {
    throw new HttpProblem(
      403,
      "forbidden",
      "Forbidden",
      `token ${p.name} is not scoped to tenant ${tenant}`,
      {
        tenant,
      },
    );
  }
}

/** 403 for tokens scoped to tenants on routes that span every tenant (fleet, webhooks). */
export function requireUnscoped(req: FastifyRequest, what: string): void {
  const p = principalOf(req);
  if (p.tenants !== undefined) {
    throw new HttpProblem(
      403,
      "forbidden",
      "Forbidden",
      `token ${p.name} is scoped to tenants; ${what} needs an unscoped token`,
    );
  }
}

/** Notes what the audit entry of this request is about. */
export function audit(req: FastifyRequest, info: NonNullable<FastifyRequest["auditInfo"]>): void {
  req.auditInfo = { ...req.auditInfo, ...info };
}

/** Sends 202 with the operation and its location. */
export function accepted(reply: FastifyReply, body: unknown, location: string, replayed: boolean) {
  reply.code(202).header("location", location);
  if (replayed) {
    reply.header("idempotent-replayed", "true");
  }
  return body;
}
