/**
 * The HTTP server: Fastify (well kept, fast, with the body limit, content-type parsing, hooks and
 * `inject` for tests built in; @fastify/rate-limit for per-token limits) over the route table.
 * Every route but /healthz and the console's static page needs a bearer token; every error is an
 * RFC 9457 problem document; every mutation is audited, denied ones included.
 */
import * as fs from "fs";
import * as path from "path";
import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import rateLimit from "@fastify/rate-limit";
import { z } from "zod";
import { authenticate, Principal } from "../auth";
import { ControlError } from "../core";
import { HttpProblem } from "../problems";
import { writeAudit } from "../store/events";
import type { ApiContext } from "./context";
import { ROUTES } from "./routes";

/** Knobs of the server. */
export interface ServerOptions {
  /**
   * Largest request body, bytes.
   * @default 65536 (PLATFORM_BODY_LIMIT)
   */
  readonly bodyLimit?: number;
  /**
   * Requests per token per window.
   * @default 600 per minute (PLATFORM_RATE_LIMIT)
   */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number };
  /** Errors the service did not expect (500s), for the log. */
  readonly log?: (line: string) => void;
}

/** Paths served without a token: liveness, and the console's static page (it asks for a token). */
const PUBLIC_PATHS = new Set(["/healthz", "/", "/console.js", "/console.css"]);

const CONSOLE_DIR = path.join(__dirname, "..", "console");
const CONSOLE_FILES: Readonly<Record<string, [string, string]>> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/console.js": ["console.js", "text/javascript; charset=utf-8"],
  "/console.css": ["console.css", "text/css; charset=utf-8"],
};

/** Builds the server (not listening yet). */
export async function buildServer(ctx: ApiContext, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 64 * 1024, logger: false, return503OnClosing: true });
  // JSON only: Fastify's default text/plain parser goes; anything but application/json gets 415.
  app.removeContentTypeParser("text/plain");

  const tokens = new TokenCache((token) => authenticate(ctx.control.store.db, token));
  app.addHook("onRequest", async (req) => {
    const url = req.url.split("?")[0];
    if (PUBLIC_PATHS.has(url)) return;
    const header = req.headers.authorization;
    const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new HttpProblem(
        401,
        "unauthorized",
        "Authentication required",
        "send Authorization: Bearer <token>",
      );
    }
    const principal = await tokens.check(match[1]);
    if (!principal) {
      throw new HttpProblem(
        401,
        "unauthorized",
        "Authentication required",
        "the token is unknown or revoked",
      );
    }
    req.principal = principal;
  });

  const limit = opts.rateLimit ?? { max: 600, windowMs: 60_000 };
  await app.register(rateLimit, {
    global: true,
    hook: "preHandler",
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (req) => req.principal?.tokenId ?? req.ip,
    allowList: (req) => req.url === "/healthz",
    errorResponseBuilder: (_req, context) =>
      new HttpProblem(
        429,
        "rate-limited",
        "Too many requests",
        `at most ${context.max} requests per ${context.after} per token`,
      ),
  });

  app.setErrorHandler((error: FastifyError | HttpProblem | ControlError, req, reply) =>
    sendProblem(req, reply, toProblem(error, opts.log)),
  );
  app.setNotFoundHandler((req, reply) =>
    sendProblem(
      req,
      reply,
      new HttpProblem(404, "not-found", "Not found", `no route ${req.method} ${req.url.split("?")[0]}`),
    ),
  );

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    if (req.method === "POST" || req.method === "PATCH" || req.method === "DELETE") {
      await auditRequest(ctx, req, reply.statusCode).catch((e) =>
        opts.log?.(`audit: ${(e as Error).message}`),
      );
    }
  });

  for (const route of ROUTES) {
    const ok = route.responses[200]?.schema;
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ":$1"),
      ...(route.compiledResponse && ok ? { schema: { response: { 200: responseJsonSchema(ok) } } } : {}),
      handler: (req, reply) => route.handler(ctx, req, reply),
    });
  }
  for (const [url, [file, type]] of Object.entries(CONSOLE_FILES)) {
    app.get(url, async (_req, reply) => {
      reply.type(type).header("cache-control", "no-cache");
      return fs.promises.readFile(path.join(CONSOLE_DIR, file), "utf8");
    });
  }
  return app;
}

/** A response's JSON Schema for Fastify's serializer (the output side; no meta-schema URI). */
function responseJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _meta, ...json } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" });
  return json;
}

/**
 * Checked tokens, for a few seconds: a read then costs no store round trip for its token.
 * A revoked token therefore stops working within {@link TOKEN_CACHE_MS} on every instance.
 */
class TokenCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();
  constructor(private readonly lookup: (token: string) => Promise<Principal | undefined>) {}

  async check(token: string): Promise<Principal | undefined> {
    // Keyed by the token as presented: it is in this process's memory with every request anyway,
    // and a map lookup costs less than hashing it again (the store still keeps only hashes).
    const key = token;
    const hit = this.entries.get(key);
    const now = Date.now();
    if (hit && hit.until > now) return hit.principal;
    const principal = await this.lookup(token);
    if (this.entries.size > 10_000) this.entries.clear();
    if (principal) this.entries.set(key, { principal, until: now + TOKEN_CACHE_MS });
    else this.entries.delete(key);
    return principal;
  }
}

/** How long a checked token is trusted without asking the store again. */
export const TOKEN_CACHE_MS = 5000;

function toProblem(
  error: FastifyError | HttpProblem | ControlError,
  log?: (line: string) => void,
): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ControlError) {
    const status = { conflict: 409, "not-found": 404, "idempotency-mismatch": 409, invalid: 400 }[error.kind];
    return new HttpProblem(
      status,
      error.kind,
      error.kind === "not-found" ? "Not found" : "Conflict",
      error.message,
      error.extra,
    );
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HttpProblem(413, "body-too-large", "Body too large", error.message);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new HttpProblem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "send the body as application/json",
      );
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new HttpProblem(400, "malformed-json", "Malformed JSON", error.message);
  }
  if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpProblem(error.statusCode, "bad-request", "Bad request", error.message);
  }
  log?.(`http: unexpected error: ${error.stack ?? error.message}`);
  return new HttpProblem(500, "internal", "Internal error", "the service failed; see its log");
}

function sendProblem(req: FastifyRequest, reply: FastifyReply, problem: HttpProblem) {
  if (problem.status === 401) reply.header("www-authenticate", 'Bearer realm="platform"');
  return reply
    .code(problem.status)
    .type("application/problem+json")
    .send(problem.document(req.url.split("?")[0]));
}

async function auditRequest(ctx: ApiContext, req: FastifyRequest, status: number) {
  const info = req.auditInfo ?? {};
  const params = (req.params ?? {}) as { id?: string };
  const query = (req.query ?? {}) as { env?: string };
  const route = req.routeOptions.url ?? req.url.split("?")[0];
  const tenantRoute = route.startsWith("/v1/tenants/:id");
  const result =
    status < 300
      ? "accepted"
      : status === 401 || status === 403
        ? "denied"
        : status === 409
          ? "conflict"
          : status < 500
            ? "rejected"
            : "error";
  const p = req.principal;
  await writeAudit(ctx.control.store.db, ctx.control.instance, {
    tokenId: p?.tokenId,
    actor: p?.name ?? "anonymous",
    role: p?.role,
    action: info.action ?? `${req.method} ${route}`,
    method: req.method,
    path: req.url.split("?")[0],
    tenant:
      info.tenant ?? (tenantRoute && typeof params.id === "string" ? params.id.slice(0, 64) : undefined),
    environment: info.environment ?? (typeof query.env === "string" ? query.env.slice(0, 20) : undefined),
    operationId: info.operationId,
    status,
    result,
    remote: req.ip,
  });
}
