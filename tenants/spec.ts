/**
 * The tenant spec: what `tenants/registry/<tenant>.yaml` holds and what a tenant stack's
 * `tenant:spec` config carries. One zod schema validates it; {@link parseTenantSpec} reports every
 * problem at once, each naming the field, the value and what is allowed, before any resource exists.
 */
import { z } from "zod";
import {
  DATA_CLASSIFICATIONS,
  DataClassification,
  deepFreeze,
  failed,
  ok,
  Parsed,
  Problem,
  ProblemsError,
  show,
  Environment,
  ENVIRONMENTS,
  RESERVED_TENANT_IDS,
  tagValueProblem,
  tenantIdProblems,
} from "../common";
import { INGRESS_SHARDS_RANGE, LISTENER_PRIORITY_RANGE } from "../common";
import {
  isTier,
  SIZING_OVERRIDE_KEYS,
  SizingOverrides,
  sizingProblems,
  Tier,
  TIER_NAMES,
  TIERS,
} from "../common";

/** A validated tenant spec. Frozen. */
export interface TenantSpec {
  /** Tenant id: a DNS label of 3 to 20 characters, not reserved (common/naming.ts). */
  readonly id: string;
  /** Human name, for dashboards and listings. */
  readonly displayName: string;
  readonly tier: Tier;
  /** The environments the tenant runs in; at least one, no duplicates, in promotion order. */
  readonly environments: readonly Environment[];
  /** Owner tag: the team or person answerable for the tenant (e.g. an e-mail address). */
  readonly owner: string;
  /** CostCenter tag. */
  readonly costCenter: string;
  /** DataClassification tag. */
  readonly dataClassification: DataClassification;
  /**
   * The DNS label the tenant is served under, below the platform domain of each environment:
   * `https://<subdomain>.<domain>` (the ALB's `*.<domain>` certificate covers exactly one label).
   * @default the tenant id
   */
  readonly subdomain?: string;
  /**
   * The application image: a release tag (`1.4.2`, `v2.0.0-rc.1`) or a digest (`sha256:<64 hex>`)
   * of the base stack's repository. Moving tags such as `latest` are refused: the repository's tags
   * are immutable, and a deployment must say exactly what it runs.
   */
  readonly imageTag: string;
  /**
   * The ingress shard (the base stack's ALB) the tenant is served by, 0 to `platform:ingressShards
   * - 1`. Onboarding records it when it places a tenant on another shard than 0; changing it moves
   * the tenant (docs/runbooks/move-tenant-shard.md), nothing else ever does (common/ingress.ts).
   * @default 0
   */
  readonly ingressShard?: number;
  /**
   * Priority of the tenant's rule on its shard's HTTPS listener, unique on that shard. Onboarding
   * records it when the derived one is taken on the tenant's shard (routing.ts).
   * @default derived from the id
   */
  readonly listenerRulePriority?: number;
  /** Sizing overrides within the tier's limits (tiers.ts). */
  readonly sizing?: SizingOverrides;
  /**
   * The command that runs the tenant's database migrations, from the same image, before a new task's
   * app container starts (docs/decisions/0003-migrations-as-init-container.md). Exec form: the
   * program and its arguments, no shell. It must be idempotent and take the migration tool's lock:
   * every new task runs it.
   * @default {@link DEFAULT_MIGRATE_COMMAND}
   */
  readonly migrateCommand?: readonly string[];
  /**
   * The path the ALB's target health check and the container's health check request: a 2xx or 3xx
   * answer means healthy.
   * @default {@link DEFAULT_HEALTH_CHECK_PATH}
   */
  readonly healthCheckPath?: string;
  /**
   * Rotating the cache's auth token (tiers with a cache; docs/tenant-stack.md "Rotation"): raise
   * `generation` with `phase: rotate` (a new token next to the old one, tasks roll onto it), then,
   * once the update is done, set `phase: set` (only the new token is accepted).
   * @default undefined (the token made at onboarding, never rotated)
   */
  readonly cacheTokenRotation?: CacheTokenRotation;
}

/** See {@link TenantSpec.cacheTokenRotation}. */
export interface CacheTokenRotation {
  /** 1 for the first rotation, then one more each time; a new value makes a new token. */
  readonly generation: number;
  /** `rotate`: old and new token both valid (ElastiCache ROTATE); `set`: only the new one (SET). */
  readonly phase: "rotate" | "set";
}

/** The migration command when the spec names none: an executable `migrate` on the image's PATH. */
export const DEFAULT_MIGRATE_COMMAND: readonly string[] = Object.freeze(["migrate"]);
/** The health check path when the spec names none. */
export const DEFAULT_HEALTH_CHECK_PATH = "/healthz";

/** The spec's migration command, or the default. */
export function migrateCommandOf(spec: Pick<TenantSpec, "migrateCommand">): readonly string[] {
  return spec.migrateCommand ?? DEFAULT_MIGRATE_COMMAND;
}

/** The spec's health check path, or the default. */
export function healthCheckPathOf(spec: Pick<TenantSpec, "healthCheckPath">): string {
  return spec.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH;
}

/**
 * Health check paths the spec accepts: absolute, letters, digits and `/ . _ ~ -` (no query, no quote,
 * nothing a shell would read: the container's health check runs it through `sh`), at most 1,024
 * characters (the ALB's limit).
 */
export const HEALTH_CHECK_PATH_PATTERN = /^\/[A-Za-z0-9._~/-]{0,1023}$/;

const HEALTH_CHECK_PATH_ALLOWED =
  "an absolute path of letters, digits and / . _ ~ - (no query string), at most 1024 characters, e.g. /healthz";

/** At most this many words in `migrateCommand`, each at most this long. */
export const MIGRATE_COMMAND_MAX_WORDS = 32;
export const MIGRATE_COMMAND_MAX_WORD_LENGTH = 1024;

const MIGRATE_COMMAND_ALLOWED =
  `a non-empty list of at most ${MIGRATE_COMMAND_MAX_WORDS} non-empty strings (the program, then its arguments), ` +
  `e.g. ["npm", "run", "migrate"]`;

/** Release tags and digests the spec accepts as `imageTag`. */
export const IMAGE_TAG_PATTERN = /^(v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?|sha256:[a-f0-9]{64})$/;

const IMAGE_TAG_ALLOWED =
  "a release tag (e.g. 1.4.2, v2.0.0-rc.1) or an image digest (sha256:<64 hex>); " +
  "moving tags such as latest are refused (the repository's tags are immutable)";

/** One lowercase DNS label. */
const DNS_LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Every issue message below is what is *allowed*; the formatter turns it into
 * `<field>: <value> is not <allowed>` or `<field>: is required (<allowed>)`. Custom checks (ids, tags,
 * limits) write their whole message themselves.
 */
const allowed = (text: string) => ({ error: text });

const tagValue = (key: string) =>
  z.string(allowed("a string")).superRefine((value, ctx) => {
    const problem = tagValueProblem(key, value);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
    }
  });

const wholeNumber = z.number(allowed("a whole number")).int(allowed("a whole number"));

/** Schema of the `sizing` overrides; ranges are checked against the tier by `sizingProblems`. */
export const SizingOverridesSchema = z.strictObject(
  {
    cpu: wholeNumber.optional(),
    memory: wholeNumber.optional(),
    desiredCount: wholeNumber.optional(),
    maxCount: wholeNumber.optional(),
    dbInstanceClass: z.string(allowed("an RDS instance class such as db.t4g.small")).optional(),
    dbAllocatedStorageGb: wholeNumber.optional(),
    cacheNodeType: z.string(allowed("an ElastiCache node type such as cache.t4g.small")).optional(),
    logRetentionDays: wholeNumber.optional(),
  },
  allowed(`an object with some of: ${SIZING_OVERRIDE_KEYS.join(", ")}`),
);

/** The zod schema of a tenant spec (per-field checks; cross-field limits are in parseTenantSpec). */
export const TenantSpecSchema = z.strictObject(
  {
    id: z.string(allowed("a string")).superRefine((value, ctx) => {
      for (const problem of tenantIdProblems(value)) {
        ctx.addIssue({ code: "custom", message: problem });
      }
    }),
    displayName: z
      .string(allowed("a string of 1 to 100 characters"))
      .trim()
      .min(1, allowed("a string of 1 to 100 characters"))
      .max(100, allowed("a string of 1 to 100 characters")),
    tier: z.enum(TIER_NAMES, allowed(`one of ${TIER_NAMES.join(", ")}`)),
    environments: z
      .array(
        z.enum(ENVIRONMENTS, allowed(`one of ${ENVIRONMENTS.join(", ")}`)),
        allowed(`a list of ${ENVIRONMENTS.join(", ")}`),
      )
      .min(1, allowed(`a non-empty list of ${ENVIRONMENTS.join(", ")}`))
      .superRefine((envs, ctx) => {
        const dupes = envs.filter((e, i) => envs.indexOf(e) !== i);
        if (dupes.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `${show(envs)} lists ${dupes.join(", ")} more than once`,
          });
        }
      })
      .transform((envs) => ENVIRONMENTS.filter((e) => envs.includes(e))),
    owner: tagValue("Owner"),
    costCenter: tagValue("CostCenter"),
    dataClassification: z.enum(DATA_CLASSIFICATIONS, allowed(`one of ${DATA_CLASSIFICATIONS.join(", ")}`)),
    subdomain: z
      .string(allowed("a DNS label"))
      .superRefine((value, ctx) => {
        if (!DNS_LABEL_PATTERN.test(value) || value.includes("--")) {
          ctx.addIssue({
            code: "custom",
            message:
              `${show(value)} is not one lowercase DNS label (a-z, 0-9 and inner single hyphens, ` +
              `at most 63 characters, no dots: the tenant is served at <subdomain>.<platform domain>)`,
          });
        } else if (RESERVED_TENANT_IDS.includes(value)) {
          ctx.addIssue({
            code: "custom",
            message: `${show(value)} is reserved; reserved labels: ${RESERVED_TENANT_IDS.join(", ")}`,
          });
        }
      })
      .optional(),
    imageTag: z.string(allowed(IMAGE_TAG_ALLOWED)).regex(IMAGE_TAG_PATTERN, allowed(IMAGE_TAG_ALLOWED)),
    ingressShard: wholeNumber
      .superRefine((value, ctx) => {
        if (value < 0 || value > INGRESS_SHARDS_RANGE.max - 1) {
          ctx.addIssue({
            code: "custom",
            message: `${value} is outside 0 to ${INGRESS_SHARDS_RANGE.max - 1} (shards are numbered from 0; platform:ingressShards is at most ${INGRESS_SHARDS_RANGE.max})`,
          });
        }
      })
      .optional(),
    listenerRulePriority: wholeNumber
      .superRefine((value, ctx) => {
        if (value < LISTENER_PRIORITY_RANGE.min || value > LISTENER_PRIORITY_RANGE.max) {
          ctx.addIssue({
            code: "custom",
            message: `${value} is outside ${LISTENER_PRIORITY_RANGE.min} to ${LISTENER_PRIORITY_RANGE.max} (lower priorities belong to the base stack)`,
          });
        }
      })
      .optional(),
    sizing: SizingOverridesSchema.optional(),
    migrateCommand: z
      .array(
        z
          .string(allowed(MIGRATE_COMMAND_ALLOWED))
          .min(1, allowed(MIGRATE_COMMAND_ALLOWED))
          .max(
            MIGRATE_COMMAND_MAX_WORD_LENGTH,
            allowed(`a string of at most ${MIGRATE_COMMAND_MAX_WORD_LENGTH} characters`),
          )
          .superRefine((word, ctx) => {
            if (/[\0\n\r]/.test(word)) {
              ctx.addIssue({
                code: "custom",
                message: `${JSON.stringify(word)} contains a NUL or a line break; each word is one line`,
              });
            }
          }),
        allowed(MIGRATE_COMMAND_ALLOWED),
      )
      .min(1, allowed(MIGRATE_COMMAND_ALLOWED))
      .max(MIGRATE_COMMAND_MAX_WORDS, allowed(MIGRATE_COMMAND_ALLOWED))
      .optional(),
    healthCheckPath: z
      .string(allowed(HEALTH_CHECK_PATH_ALLOWED))
      .regex(HEALTH_CHECK_PATH_PATTERN, allowed(HEALTH_CHECK_PATH_ALLOWED))
      .optional(),
    cacheTokenRotation: z
      .strictObject(
        {
          generation: wholeNumber.min(1, allowed("a whole number, at least 1")),
          phase: z.enum(["rotate", "set"], allowed("one of rotate, set")),
        },
        allowed("an object { generation: <whole number, at least 1>, phase: rotate | set }"),
      )
      .optional(),
  },
  allowed("a mapping of tenant spec fields"),
);

/** Top-level fields of a spec, in the order `writeSpec` writes them. */
export const TENANT_SPEC_KEYS = Object.freeze(
  Object.keys(TenantSpecSchema.shape),
) as readonly (keyof TenantSpec)[];

/** A spec that failed validation, at a boundary that throws: every problem, and where it came from. */
export class TenantSpecError extends ProblemsError {
  constructor(
    /** Where the spec came from (a file, `tenant:spec`), or undefined. */
    readonly source: string | undefined,
    problems: readonly Problem[],
  ) {
    super(
      `invalid tenant spec${source ? ` ${source}` : ""} (${problems.length} problem${problems.length === 1 ? "" : "s"})`,
      problems,
    );
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value: any = raw;
  for (const key of path) {
    value = value !== null && typeof value === "object" ? value[key as any] : undefined;
  }
  return value;
}

function problemsOfIssue(raw: unknown, issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const where = path ? `${path}.` : "";
    const known = path === "sizing" ? SIZING_OVERRIDE_KEYS : TENANT_SPEC_KEYS;
    return issue.keys.map((k) => ({
      path: `${where}${k}`,
      allowed: known,
      message: `unknown field; allowed fields${path ? ` of ${path}` : ""}: ${known.join(", ")}`,
    }));
  }
  const field = path || "(spec)";
  if (issue.code === "custom") {
    return [{ path: field, message: issue.message, value: valueAt(raw, issue.path) }];
  }
  const value = valueAt(raw, issue.path);
  return [
    value === undefined
      ? { path: field, allowed: issue.message, message: `is required (${issue.message})` }
      : { path: field, value, allowed: issue.message, message: `${show(value)} is not ${issue.message}` },
  ];
}

/**
 * Validates a tenant spec (parsed YAML, or the `tenant:spec` config object): the one parse of a
 * spec, at the edge where it comes in; after it the spec travels as a {@link TenantSpec}.
 * @returns the spec, deeply frozen, or every problem at once (field path, value, what is allowed).
 */
export function readTenantSpec(raw: unknown): Parsed<TenantSpec> {
  const problems = tenantSpecProblems(raw);
  if (problems.length > 0) {
    return failed(problems);
  }
  // Typed, not cast: the compiler checks the schema produces a TenantSpec.
  const spec: TenantSpec = deepFreeze(TenantSpecSchema.parse(raw));
  PARSED.add(spec);
  return ok(spec);
}

/** Every spec {@link readTenantSpec} returned: frozen, so still exactly what was validated. */
const PARSED = new WeakSet<object>();

/**
 * True when `value` came out of {@link readTenantSpec} (or {@link parseTenantSpec}): a spec parsed
 * at the edge travels as it is, and a library taking input from several edges (the automation
 * service: the CLI, the control plane, tests) parses only what nobody parsed before.
 */
export function isParsedTenantSpec(value: unknown): value is TenantSpec {
  return typeof value === "object" && value !== null && PARSED.has(value);
}

/**
 * {@link readTenantSpec} for a boundary that throws (tests, scripts).
 * @param source where it came from, for the error message (e.g. `tenants/registry/acme.yaml`).
 * @throws TenantSpecError listing every problem at once.
 */
export function parseTenantSpec(raw: unknown, source?: string): TenantSpec {
  const parsed = readTenantSpec(raw);
  if (parsed.problems) {
    throw new TenantSpecError(source, parsed.problems);
  }
  return parsed.value;
}

/** Every problem with a spec, as {@link readTenantSpec} reports them; empty when valid. */
export function tenantSpecProblems(raw: unknown): Problem[] {
  const result = TenantSpecSchema.safeParse(raw);
  const problems = result.success ? [] : result.error.issues.flatMap((i) => problemsOfIssue(raw, i));
  // zod skips object-level refinements once a field fails, so the tier limits are checked here,
  // whenever the tier and the overrides are each valid on their own, to report everything at once.
  const tier = valueAt(raw, ["tier"]);
  const sizing = SizingOverridesSchema.optional().safeParse(valueAt(raw, ["sizing"]));
  if (isTier(tier) && sizing.success) {
    problems.push(...sizingProblems(tier, sizing.data));
  }
  const rotation = valueAt(raw, ["cacheTokenRotation"]);
  if (isTier(tier) && rotation !== undefined && !TIERS[tier].cache.enabled) {
    problems.push({
      path: "cacheTokenRotation",
      value: rotation,
      message: `${show(rotation)} is not allowed: the ${tier} tier has no cache (remove the field)`,
    });
  }
  return problems;
}

/** The host name a tenant is served on in an environment whose platform domain is `domain`. */
export function tenantHostname(spec: Pick<TenantSpec, "id" | "subdomain">, domain: string): string {
  return `${spec.subdomain ?? spec.id}.${domain}`;
}
