/** Fleet runs: reconcile, preview and drift of every tenant in an environment. */
import type { Permission } from "../../auth";
import type { OperationKind } from "../../core";
import { accepted, audit, parse, requirePermission, requireUnscoped } from "../http";
import type { Route } from "../route";
import * as S from "../schemas";
import { operationView } from "../views";
import { op202, request } from "./common";

export const FLEET_ROUTES: readonly Route[] = [
  fleetRoute("reconcile", "fleet-operate"),
  fleetRoute("preview", "fleet-preview"),
  fleetRoute("drift", "fleet-operate"),
];

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
