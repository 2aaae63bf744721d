/**
 * The OpenAPI 3.1 document, generated from the route table and its zod schemas (`z.toJSONSchema`,
 * JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Named schemas become components.
 */
import { z } from "zod";
import type { Route } from "./routes";
import { apiRegistry, ProblemSchema } from "./schemas";

const REF = "#/components/schemas/";

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: `${REF}Problem` } } },
});

/** Responses every authenticated route may give. */
const COMMON_ERRORS: Readonly<Record<string, string>> = {
  400: "Invalid input (field-level problems in `errors`)",
  401: "No valid bearer token",
  403: "The token's role or scope does not allow this",
  404: "Not found",
  429: "Rate limit of the token exceeded",
};

/** Responses of routes that take a body. */
const BODY_ERRORS: Readonly<Record<string, string>> = {
  409: "The lifecycle refuses (the current state is in the problem)",
  413: "Body too large",
  415: "Not application/json",
};

/** The document. */
export function openApiDocument(
  routes: readonly Route[],
  info: { version: string },
): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const { schemas } = z.toJSONSchema(apiRegistry, {
    uri: (id) => `${REF}${id}`,
    io: "input",
    unrepresentable: "any",
  }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  for (const [id, schema] of Object.entries(schemas)) {
    components[id] = clean(schema, components);
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...fields(route.params, "path", components),
      ...fields(route.query, "query", components),
      ...(route.idempotent
        ? [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              description: "Retrying with the same key returns the same operation",
              schema: { type: "string", maxLength: 200 },
            },
          ]
        : []),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      const contentType =
        r.contentType ?? (r.schema === ProblemSchema ? "application/problem+json" : "application/json");
      responses[status] = {
        description: r.description,
        ...(r.schema || r.contentType
          ? {
              content: {
                [contentType]: { schema: r.schema ? schemaOf(r.schema, components) : { type: "string" } },
              },
            }
          : {}),
      };
    }
    if (route.permission) {
      for (const [status, d] of Object.entries({ ...COMMON_ERRORS, ...(route.body ? BODY_ERRORS : {}) })) {
        responses[status] ??= problemResponse(d);
      }
    }
    const operation = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(route.permission
        ? { security: [{ bearer: [] }], "x-permission": route.permission }
        : { security: [] }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.method !== "POST" || !route.path.includes("/{id}/"),
              content: { "application/json": { schema: schemaOf(route.body, components) } },
            },
          }
        : {}),
      responses,
    };
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Platform control plane",
      version: info.version,
      description:
        "Tenant operations over the automation library: durable operations, lifecycle, events, webhooks, audit.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A token from `npm run tokens -- create`" },
      },
    },
  };
}

function schemaOf(schema: z.ZodType, components: Record<string, unknown>): Record<string, unknown> {
  const id = apiRegistry.get(schema)?.id;
  if (id) {
    return { $ref: `${REF}${id}` };
  }
  return clean(
    z.toJSONSchema(schema, { metadata: apiRegistry, io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >,
    components,
  );
}

function fields(
  schema: z.ZodObject | undefined,
  where: "path" | "query",
  components: Record<string, unknown>,
) {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const s = schemaOf(field as z.ZodType, components);
    const optional = (field as z.ZodType).safeParse(undefined).success;
    const { description, ...rest } = s as { description?: string };
    return {
      name,
      in: where,
      required: where === "path" || !optional,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** Drops `$schema`, hoists `$defs` into the components and points their refs there. */
function clean(
  schema: Record<string, unknown>,
  components: Record<string, unknown>,
): Record<string, unknown> {
  const {
    $schema: _s,
    $defs,
    ...rest
  } = schema as { $schema?: unknown; $defs?: Record<string, Record<string, unknown>> };
  for (const [id, def] of Object.entries($defs ?? {})) {
    components[id] ??= clean(def, components);
  }
  return JSON.parse(JSON.stringify(rest).replace(/"#\/\$defs\//g, `"${REF}`)) as Record<string, unknown>;
}
