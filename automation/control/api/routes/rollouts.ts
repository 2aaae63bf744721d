/**
 * Rollouts (issue 13, "Everywhere"): start one (or plan it with `dryRun`), list them, follow one
 * (its report, and its state over SSE), pause, resume and abort. The runner and the wave plan are
 * automation/rollout's, the state is in the store (automation/control/rollouts.ts).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Environment } from "../../../../common";
import { rolloutReport } from "../../../rollout/report";
import { RolloutRefusedError } from "../../../rollout/runner";
import type { RolloutState } from "../../../rollout/state";
import { parseWavePlan } from "../../../rollout/waves";
import type { ControlRollouts } from "../../rollouts";
import { fieldProblems, HttpProblem, invalidInput } from "../../problems";
import { listRollouts, readRollout } from "../../store/rollouts";
import type { ApiContext } from "../context";
import { audit, parse, requirePermission, requireUnscoped } from "../http";
import type { Route } from "../route";
import * as S from "../schemas";
import { notFound } from "./common";

const RolloutPath = z.object({ id: S.RolloutIdSchema });

/** The rollout as the API shows it. */
export function rolloutView(state: RolloutState): Record<string, unknown> {
  return {
    id: state.id,
    environment: state.environment,
    image: state.image,
    plan: state.plan,
    status: state.status,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    report: rolloutReport(state) as unknown as Record<string, unknown>,
    links: { self: `/v1/rollouts/${state.id}`, events: `/v1/rollouts/${state.id}/events` },
  };
}

export const ROLLOUT_ROUTES: readonly Route[] = [
  {
    operationId: "startRollout",
    method: "POST",
    path: "/v1/rollouts",
    summary: "Roll an image out across an environment's tenants in waves (or plan it: dryRun)",
    tag: "rollouts",
    permission: "operate",
    body: S.RolloutRequest,
    responses: {
      202: { description: "Started: the rollout runs in the background", schema: S.RolloutSchema },
      200: {
        description: "Dry run: the waves and their tenants; nothing changed",
        schema: z.record(z.string(), z.unknown()),
      },
      409: { description: "Another rollout of the environment is not finished", schema: S.ProblemSchema },
    },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "operate", "run rollouts");
      requireUnscoped(req, "a rollout");
      const body = parse(S.RolloutRequest, req.body, "body");
      audit(req, { action: body.dryRun ? "rollout.plan" : "rollout.start", environment: body.environment });
      const plan = parseWavePlan(body.waves);
      if (plan.problems)
        throw invalidInput("the wave plan is invalid", fieldProblems(plan.problems, "body.waves"));
      const rollouts = rolloutsOf(ctx);
      const env = body.environment as Environment;
      return refusals(async () => {
        if (body.dryRun) return rollouts.dryRun(plan.value, env, body.image);
        const state = await rollouts.start(plan.value, env, body.image);
        reply.code(202).header("location", `/v1/rollouts/${state.id}`);
        return rolloutView(state);
      });
    },
  },
  {
    operationId: "listRollouts",
    method: "GET",
    path: "/v1/rollouts",
    summary: "Rollouts, newest first",
    tag: "rollouts",
    permission: "read",
    query: S.RolloutListQuery,
    responses: { 200: { description: "Rollouts", schema: S.RolloutListSchema } },
    handler: async (ctx, req) => {
      const q = parse(S.RolloutListQuery, req.query, "query");
      return { items: (await listRollouts(ctx.control.store.db, q.env)).map(rolloutView) };
    },
  },
  {
    operationId: "getRollout",
    method: "GET",
    path: "/v1/rollouts/{id}",
    summary: "A rollout: plan, status, and its report per wave and tenant",
    tag: "rollouts",
    permission: "read",
    params: RolloutPath,
    responses: { 200: { description: "The rollout", schema: S.RolloutSchema } },
    handler: async (ctx, req) => rolloutView(await rolloutOr404(ctx, req)),
  },
  {
    operationId: "rolloutEvents",
    method: "GET",
    path: "/v1/rollouts/{id}/events",
    summary: "Server-Sent Events: the rollout's state each time it changes; ends when it stops",
    tag: "rollouts",
    permission: "read",
    params: RolloutPath,
    responses: {
      200: {
        description: "An event stream of `rollout` events; ends with `event: end`",
        contentType: "text/event-stream",
      },
    },
    handler: async (ctx, req, reply) => {
      const first = await rolloutOr404(ctx, req);
      await streamRollout(ctx, first.id, req, reply);
      return reply;
    },
  },
  rolloutAction("pause", "Pause between tenants (in-flight tenants finish their step)"),
  rolloutAction("resume", "Resume a paused or interrupted rollout; finished tenants are not redone"),
  rolloutAction("abort", "Abort between tenants (a paused rollout aborts at once)"),
];

function rolloutAction(action: "pause" | "resume" | "abort", summary: string): Route {
  return {
    operationId: `${action}Rollout`,
    method: "POST",
    path: `/v1/rollouts/{id}/${action}`,
    summary,
    tag: "rollouts",
    permission: "operate",
    params: RolloutPath,
    responses: {
      202: { description: "Requested", schema: S.RolloutSchema },
      409: { description: "The rollout's status does not allow it", schema: S.ProblemSchema },
    },
    handler: async (ctx, req, reply) => {
      requirePermission(req, "operate", `${action} rollouts`);
      requireUnscoped(req, "a rollout");
      const state = await rolloutOr404(ctx, req);
      audit(req, { action: `rollout.${action}`, environment: state.environment });
      const rollouts = rolloutsOf(ctx);
      const after = await refusals(async () =>
        action === "resume" ? rollouts.resume(state.id) : rollouts.act(state.id, action),
      );
      reply.code(202);
      return rolloutView(after);
    },
  };
}

function rolloutsOf(ctx: ApiContext): ControlRollouts {
  if (!ctx.rollouts) {
    throw new HttpProblem(
      503,
      "not-ready",
      "Not ready",
      "this instance runs no rollouts (it has no health probe)",
    );
  }
  return ctx.rollouts;
}

async function rolloutOr404(ctx: ApiContext, req: FastifyRequest): Promise<RolloutState> {
  const { id } = parse(RolloutPath, req.params, "path");
  const state = ctx.rollouts?.store.load(id) ?? (await readRollout(ctx.control.store.db, id));
  if (!state) throw notFound(`rollout ${id} does not exist`);
  return state;
}

/** The runner's refusals as problems: a busy environment or status is 409, a bad plan 400. */
async function refusals<T>(body: () => Promise<T> | T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof RolloutRefusedError)) throw error;
    const conflict = error.problems.some((p) => p.path === "env" || p.path === "id");
    if (conflict) {
      throw new HttpProblem(409, "conflict", "Conflict", error.problems.map((p) => p.message).join("; "), {
        errors: fieldProblems(error.problems, "body"),
      });
    }
    throw invalidInput("the rollout is refused", fieldProblems(error.problems, "body.waves"));
  }
}

/** Sends the rollout's state as `rollout` events whenever it changes, until it stops. */
async function streamRollout(ctx: ApiContext, id: string, req: FastifyRequest, reply: FastifyReply) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  let closed = false;
  req.raw.on("close", () => (closed = true));
  let seen = "";
  let n = 0;
  while (!closed) {
    const state = ctx.rollouts?.store.load(id) ?? (await readRollout(ctx.control.store.db, id));
    if (!state) break;
    if (state.updatedAt !== seen) {
      seen = state.updatedAt;
      res.write(`id: ${++n}\nevent: rollout\ndata: ${JSON.stringify(rolloutView(state))}\n\n`);
    }
    if (state.status !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!closed) res.write("event: end\ndata: {}\n\n");
  res.end();
}
