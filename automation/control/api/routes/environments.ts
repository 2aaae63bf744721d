/** Environments: the base stack's outputs and last update. */
import { z } from "zod";
import { parse } from "../http";
import type { Route } from "../route";
import * as S from "../schemas";
import { notFound } from "./common";

const EnvPath = z.object({ env: S.EnvironmentSchema });

export const ENVIRONMENT_ROUTES: readonly Route[] = [
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
];
