/**
 * The rules of a tenant's application secrets (`tenant:secrets`, `--secret NAME=value`): names are
 * environment variable names the platform does not set itself, values non-empty strings, at most
 * {@link APP_SECRETS_MAX}, at most one Secrets Manager secret's worth. The program, the automation
 * service and the CLI all check with {@link appSecretsProblems}; no message ever holds a value.
 */
import { z } from "zod";
import type { Problem } from "../common";

/**
 * The stack config key that holds the secrets; tenants/contract.ts `TENANT_CONFIG_KEYS.secrets`
 * is this very constant.
 */
export const APP_SECRETS_FIELD = "tenant:secrets";

/** What the secrets must be, for messages. */
const APP_SECRETS_SHAPE = 'a JSON object of NAME: "value"';

/** What an application secret's name must look like: an environment variable name. */
export const APP_SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** At most this many application secrets per tenant (one container `secrets` entry each). */
export const APP_SECRETS_MAX = 50;
/** Secrets Manager's limit on a secret's value: the JSON of all of them, bytes. */
export const APP_SECRETS_MAX_BYTES = 65_536;
/**
 * Environment variables the program itself sets on the container (tenants/program.ts), which an
 * application secret may not shadow; program.test.ts checks the container against this list.
 */
export const PLATFORM_ENV_NAMES: readonly string[] = Object.freeze([
  "APP_ENV",
  "APP_PORT",
  "AWS_REGION",
  "DB_HOST",
  "DB_NAME",
  "DB_PASSWORD",
  "DB_PORT",
  "DB_USER",
  "REDIS_AUTH_TOKEN",
  "REDIS_HOST",
  "REDIS_TLS",
  "S3_BUCKET",
  "TENANT_ID",
]);
/**
 * Prefixes reserved for the platform: its database and cache variables (today's and future ones)
 * and what AWS and the ECS agent set in a task (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
 * ECS_CONTAINER_METADATA_URI_V4, ...), which a secret must never override.
 */
export const RESERVED_ENV_PREFIXES: readonly string[] = Object.freeze(["AWS_", "ECS_", "DB_", "REDIS_"]);

/** What {@link appSecretsProblems} allows, for messages. */
const APP_SECRET_NAME_RULE =
  "an environment variable name: an upper-case letter, then upper-case letters, digits or _, at most 64 characters";

/** One application secret's name: an environment variable the platform does not set itself. */
const AppSecretNameSchema = z
  .string()
  .regex(APP_SECRET_NAME_PATTERN, { message: `is not ${APP_SECRET_NAME_RULE} (e.g. API_TOKEN)` })
  .refine((name) => !PLATFORM_ENV_NAMES.includes(name), {
    message: "is set by the platform itself; choose another name",
  })
  .refine((name) => !RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix)), {
    message: `starts with a prefix reserved for the platform (${RESERVED_ENV_PREFIXES.join(", ")}); choose another name`,
  });

/** One application secret's value: a non-empty string. */
const AppSecretValueSchema = z.string().min(1);

/**
 * Problems with application secrets (`tenant:secrets`, `--secret`), empty when none: not an object,
 * too many, a name that is not an environment variable name or is the platform's, a value that is
 * not a non-empty string, all of them too large for one secret. Messages name the key and what is
 * allowed, never a value.
 * @param field how messages name the whole. @default `tenant:secrets`, the stack config key
 */
export function appSecretsProblems(raw: unknown, field: string = APP_SECRETS_FIELD): Problem[] {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const kind = raw === null ? "null" : Array.isArray(raw) ? "an array" : `a ${typeof raw}`;
    return [
      {
        path: field,
        allowed: APP_SECRETS_SHAPE,
        message: `is ${kind}; expected ${APP_SECRETS_SHAPE} (e.g. {"API_TOKEN": "..."})`,
      },
    ];
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  const problems: Problem[] = [];
  if (entries.length > APP_SECRETS_MAX) {
    problems.push({
      path: field,
      message: `has ${entries.length} secrets; at most ${APP_SECRETS_MAX} are allowed`,
    });
  }
  for (const [name, value] of entries) {
    const nameResult = AppSecretNameSchema.safeParse(name);
    if (!nameResult.success) {
      problems.push(
        ...nameResult.error.issues.map((i) => ({
          path: `${field}.${name}`,
          value: name,
          message: `${JSON.stringify(name)} ${i.message}`,
        })),
      );
    }
    if (!AppSecretValueSchema.safeParse(value).success) {
      // Never the value itself: only what kind of value it is.
      problems.push({
        path: `${field}.${name}`,
        allowed: "a non-empty string",
        message:
          `the value is ${typeof value === "string" ? "empty" : `a ${value === null ? "null" : typeof value}`}; ` +
          `expected a non-empty string`,
      });
    }
  }
  if (problems.length === 0 && Buffer.byteLength(JSON.stringify(raw), "utf8") > APP_SECRETS_MAX_BYTES) {
    problems.push({
      path: field,
      message: `the secrets take more than ${APP_SECRETS_MAX_BYTES} bytes as JSON (Secrets Manager's limit)`,
    });
  }
  return problems;
}
