/**
 * Enforcement levels per policy and environment, and the typed, validated policy configuration.
 *
 * Every policy belongs to a category. Encryption, network exposure and waiver hygiene are mandatory
 * everywhere and cannot be lowered. Tagging and resource limits are mandatory in production and
 * advisory in staging by default; staging (never production) can be configured per policy through
 * the pack's config (`pulumi preview --policy-pack-config`, or `npm run check -- --config`):
 *
 *     { "platform-tagging-required-tags": { "levels": { "staging": "mandatory" } } }
 *
 * The same JSON works for both, because the offline check serves it through the same `getConfig`.
 */
import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";
import { z } from "zod";
import { Environment, ENVIRONMENTS, formatProblems, issueProblems } from "../../common";

/** The categories of rules in the pack: the four families of issue 4, and the waivers' own. */
export const CATEGORIES = ["tagging", "encryption", "limits", "network", "waivers"] as const;

/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** Levels a policy can run at per environment. */
export const LEVELS = ["advisory", "mandatory", "disabled"] as const;

/** One of {@link LEVELS}. */
export type Level = (typeof LEVELS)[number];

/** Default level per category and environment. */
export const DEFAULT_LEVELS: Readonly<Record<Category, Readonly<Record<Environment, Level>>>> = Object.freeze(
  {
    tagging: { staging: "advisory", production: "mandatory" },
    limits: { staging: "advisory", production: "mandatory" },
    encryption: { staging: "mandatory", production: "mandatory" },
    network: { staging: "mandatory", production: "mandatory" },
    waivers: { staging: "mandatory", production: "mandatory" },
  },
);

/** Categories whose level cannot be changed by configuration at all. */
const FIXED: readonly Category[] = ["encryption", "network", "waivers"];

const LevelSchema = z.enum(LEVELS);

/** The configuration every policy accepts (policy-specific knobs pass through unchanged). */
export const PolicySettingsSchema = z
  .object({
    /** Level per environment; see {@link DEFAULT_LEVELS} for what may change. */
    levels: z
      .object({ staging: LevelSchema.optional(), production: LevelSchema.optional() })
      .strict()
      .optional(),
  })
  .passthrough();

/** Parsed configuration of one policy. */
export type PolicySettings = z.infer<typeof PolicySettingsSchema>;

/** The JSON schema the engine validates `--policy-pack-config` against, for every policy. */
export function levelsConfigSchema(extra: PolicyConfigSchema["properties"] = {}): PolicyConfigSchema {
  const level = { type: "string" as const, enum: [...LEVELS] };
  return {
    properties: {
      levels: {
        type: "object",
        description: "Enforcement level per environment (production cannot be lowered below mandatory).",
        properties: Object.fromEntries(ENVIRONMENTS.map((e) => [e, level])),
        additionalProperties: false,
      },
      ...extra,
    },
  };
}

/**
 * The level `policy` runs at in `environment`, from its category's default and its config.
 * @throws naming the policy, the field and what is allowed, when the config is malformed or tries to
 * lower a level that is fixed.
 */
export function resolveLevel(
  policy: string,
  category: Category,
  environment: Environment,
  raw: unknown,
): Level {
  const parsed = PolicySettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new Error(
      formatProblems(`policy config for ${policy} is invalid`, issueProblems(parsed.error.issues)),
    );
  }
  const levels = parsed.data.levels ?? {};
  const problems: string[] = [];
  for (const env of ENVIRONMENTS) {
    const wanted = levels[env];
    if (wanted === undefined || wanted === DEFAULT_LEVELS[category][env]) {
      continue;
    }
    if (FIXED.includes(category)) {
      problems.push(`levels.${env}: "${wanted}" is not allowed; ${category} policies are always mandatory`);
    } else if (env === "production" && wanted !== "mandatory") {
      problems.push(
        `levels.production: "${wanted}" is not allowed; ${category} policies are mandatory in production`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(formatProblems(`policy config for ${policy} is invalid`, problems));
  }
  return levels[environment] ?? DEFAULT_LEVELS[category][environment];
}

/** The engine's enforcement level for a {@link Level}. */
export function toEnforcementLevel(level: Level): EnforcementLevel {
  return level;
}
