/**
 * What the route modules share: path schemas, the 202 response, queuing an operation for the
 * caller (Idempotency-Key), spec and secret checks, and visibility of an operation.
 */
import * as crypto from "crypto";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { appSecretsProblems } from "../../../../tenants/secretNames";
import type { TenantSpec } from "../../../../tenants/spec";
import { canonicalJson } from "../../../../tenants/contract";
import type { OperationKind } from "../../core";
import { fieldProblems, HttpProblem, invalidInput } from "../../problems";
import { mergeSpec, readSpec } from "../../specs";
import { getOperation } from "../../store/operations";
import type { ApiContext } from "../context";
import { audit, operationParam, principalOf } from "../http";
import * as S from "../schemas";

export const TenantPath = z.object({ id: S.TenantIdSchema });
export const OperationPath = z.object({ id: S.OperationIdSchema });

export const op202 = {
  description: "Accepted: the operation is durable and queued",
  schema: S.OperationSchema,
};

/** Queues an operation for the caller, with its Idempotency-Key (refusals are ControlErrors). */
export async function request(
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
    ingressShards?: number;
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

export function idempotencyKey(req: FastifyRequest): string | undefined {
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
export function requestHash(req: FastifyRequest): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const secrets = body.secrets as Record<string, unknown> | undefined;
  const safe = { ...body, ...(secrets ? { secrets: Object.keys(secrets).sort() } : {}) };
  return crypto
    .createHash("sha256")
    .update(`${req.method} ${req.url}\n${canonicalJson(safe)}`)
    .digest("hex");
}

/** The stored spec with a merge patch applied, validated; the id cannot change. */
export function patchedSpec(
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

export function specOrThrow(raw: unknown, where: string): TenantSpec {
  const r = readSpec(raw, where);
  if (r.problems) throw invalidInput("the tenant spec is invalid", r.problems);
  return r.spec;
}

export function checkEnvironment(spec: TenantSpec, environment: string): void {
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

export function checkSecrets(secrets: Record<string, string> | undefined): void {
  if (!secrets || Object.keys(secrets).length === 0) return;
  const problems = appSecretsProblems(secrets, "secrets");
  if (problems.length > 0) throw invalidInput("the app secrets are invalid", fieldProblems(problems, "body"));
}

export async function visibleOperation(ctx: ApiContext, req: FastifyRequest) {
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

export function notFound(detail: string): HttpProblem {
  return new HttpProblem(404, "not-found", "Not found", detail);
}
