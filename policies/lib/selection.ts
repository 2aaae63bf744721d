/**
 * Which policies of the pack run: all of them by default, or only those that implement a framework's
 * controls (`fsbp`, `cis`) and/or have at least a given severity. The same selection works in both
 * places the pack runs:
 *
 * - the engine: the pack config's `selection` key (`pulumi preview --policy-pack-config`):
 *   `{ "selection": { "enforcementLevel": "mandatory", "controls": ["fsbp"], "severity": "high" } }`
 *   (the engine refuses a section without an enforcement level; it means nothing here). It hands every key of
 *   that file to the analyzer's `Configure` call; @pulumi/policy keeps only the policies' own
 *   sections, so ./stack-config.ts's hook keeps this one too. A policy that is not selected is not
 *   applicable;
 * - the offline check: `npm run check -- --controls fsbp --severity high`, or the same file with
 *   `--config` (the flags win).
 */
import type { Severity } from "@pulumi/policy";
import { z } from "zod";
import type { PolicyControls } from "./policy";
import { Scope } from "./scope";

/** Frameworks a selection can name. */
export const FRAMEWORKS = ["fsbp", "cis"] as const;

/** One of {@link FRAMEWORKS}. */
export type Framework = (typeof FRAMEWORKS)[number];

/** Severities, lowest first. */
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;

/** The pack config key that carries the selection. */
export const SELECTION_KEY = "selection";

/** A selection; an empty one selects every policy. */
export interface Selection {
  /** Policies implementing at least one control of any of these frameworks. */
  readonly controls?: readonly Framework[];
  /** Policies of at least this severity. */
  readonly severity?: Severity;
}

const SelectionSchema = z
  .object({
    controls: z
      .union([z.enum(FRAMEWORKS), z.array(z.enum(FRAMEWORKS)).min(1)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    severity: z.enum(SEVERITIES).optional(),
    // The engine forwards a pack config section only with a valid enforcement level (it refuses
    // "" when configuring the pack), so the engine's file carries one; it means nothing here.
    enforcementLevel: z.enum(["advisory", "mandatory", "disabled", "remediate"]).optional(),
  })
  .strict()
  .transform(({ enforcementLevel: _ignored, ...selection }) => selection);

/**
 * Parses a selection (the pack config's `selection` section).
 * @returns the selection, or problems naming the field, the value and what is allowed.
 */
export function parseSelection(
  raw: unknown,
  field: string = SELECTION_KEY,
): { selection: Selection; problems?: undefined } | { selection?: undefined; problems: string[] } {
  const parsed = SelectionSchema.safeParse(raw ?? {});
  if (parsed.success) {
    return { selection: Object.freeze({ ...parsed.data }) };
  }
  return {
    problems: parsed.error.issues.map((i) => {
      const at = [field, ...i.path].join(".");
      const value = i.path.reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k as string], raw);
      if (i.path[0] === "controls") {
        return `${at}: ${JSON.stringify(value)} is not allowed; use ${FRAMEWORKS.join(" or ")} (or a list of them)`;
      }
      if (i.path[0] === "severity") {
        return `${at}: ${JSON.stringify(value)} is not allowed; use one of ${SEVERITIES.join(", ")}`;
      }
      return `${at}: ${i.message}; allowed keys are controls, severity`;
    }),
  };
}

/** True when a policy with these `controls` and `severity` is in the selection. */
export function isSelected(
  policy: { readonly controls?: PolicyControls; readonly severity?: Severity },
  selection: Selection,
): boolean {
  if (selection.controls && !selection.controls.some((f) => (policy.controls?.[f] ?? []).length > 0)) {
    return false;
  }
  if (selection.severity) {
    const rank = (s: Severity | undefined) => SEVERITIES.indexOf(s ?? "medium");
    return rank(policy.severity) >= rank(selection.severity);
  }
  return true;
}

/** "FSBP or CIS controls, severity high or above", for messages; empty for no selection. */
export function describeSelection(selection: Selection): string {
  const parts: string[] = [];
  if (selection.controls) {
    parts.push(`${selection.controls.map((f) => f.toUpperCase()).join(" or ")} controls`);
  }
  if (selection.severity) {
    parts.push(`severity ${selection.severity} or above`);
  }
  return parts.join(", ");
}

const scoped = new Scope<Selection>();
let fromEngine: unknown;

/** Keeps the `selection` section of the pack config the engine sends (./stack-config.ts's hook). */
export function receivePackSelection(raw: unknown): void {
  fromEngine = raw;
}

/**
 * The selection in force: the harness's (offline check, tests), else the engine's pack config.
 * @throws naming the field when the engine's selection is invalid (the engine fails the preview).
 */
export function activeSelection(): Selection {
  const inScope = scoped.get();
  if (inScope) {
    return inScope;
  }
  const parsed = parseSelection(fromEngine);
  if (parsed.problems) {
    throw new Error(`policy pack config is invalid:\n  - ${parsed.problems.join("\n  - ")}`);
  }
  return parsed.selection;
}

/** Runs `fn` with `selection` in force (the harness, one evaluation at a time). */
export function withSelection<T>(selection: Selection, fn: () => Promise<T>): Promise<T> {
  return scoped.run(selection, fn);
}
