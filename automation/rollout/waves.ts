/**
 * The wave plan of a rollout (docs/rollouts.md, "Wave plans"): which tenants get a new image in
 * which order, how many at once, how long each soaks and how many may fail before the rollout
 * halts. Written on the command line as waves separated by `;`, each a selector and options:
 *
 *   canary=acme,globex soak=10m; tier=trial concurrency=4 budget=1; percent=50 concurrency=8 budget=10%; rest
 *
 * Parsing returns problems as values (STYLE.md 13a), each naming the wave, the field, the value and
 * what is allowed; only the CLI renders them.
 */
import { Problem, Tier, TIER_NAMES, tenantIdProblems } from "../../common";

/** One thing wrong with a plan (common/problems.ts): where (`wave 2.tier`), what, the value, what is allowed. */
export type PlanProblem = Problem;

/** How a wave picks its tenants among those no earlier wave took. */
export type WaveSelector =
  /** These tenants, by id (a canary). */
  | { readonly kind: "tenants"; readonly tenants: readonly string[] }
  /** Every remaining tenant of these tiers. */
  | { readonly kind: "tier"; readonly tiers: readonly Tier[] }
  /** This share of the remaining tenants (rounded up), in a stable order (docs/rollouts.md). */
  | { readonly kind: "percent"; readonly percent: number }
  /** Every remaining tenant. */
  | { readonly kind: "rest" };

/** How many tenants of a wave may fail before the rollout halts. */
export type FailureBudget =
  { readonly kind: "count"; readonly count: number } | { readonly kind: "percent"; readonly percent: number };

/** One wave of a plan. */
export interface WaveSpec {
  /** 1 for the first wave, as messages and reports number them. */
  readonly number: number;
  /** The wave as written (for reports). */
  readonly text: string;
  readonly selector: WaveSelector;
  /**
   * Tenants updated at once.
   * @default 1 for a `canary`/`tenants` wave, else 4
   */
  readonly concurrency: number;
  /**
   * How long a tenant is watched after its update (no alarm may go into ALARM), ms.
   * @default 60000 (1 minute)
   */
  readonly soakMs: number;
  /**
   * Failures the wave tolerates; one more halts the rollout.
   * @default 0 (the first failure halts)
   */
  readonly budget: FailureBudget;
}

/** A parsed plan. */
export interface WavePlan {
  readonly text: string;
  readonly waves: readonly WaveSpec[];
}

/** A parse result: the plan, or every problem (never both). */
export type ParsedPlan =
  | { readonly value: WavePlan; readonly problems?: undefined }
  | { readonly value?: undefined; readonly problems: readonly PlanProblem[] };

/** The selectors of a wave, one per wave. */
export const WAVE_SELECTORS = ["canary", "tenants", "tier", "percent", "rest"] as const;
/** The options of a wave. */
export const WAVE_OPTIONS = ["concurrency", "soak", "budget"] as const;
/** Bounds of the options. */
export const WAVE_LIMITS = Object.freeze({
  maxWaves: 20,
  maxConcurrency: 64,
  /** 24 hours. */
  maxSoakMs: 24 * 3600 * 1000,
});

const DEFAULT_SOAK_MS = 60_000;
const DURATION_ALLOWED = "a duration such as 0, 30s, 5m or 1h (at most 24h)";
const BUDGET_ALLOWED = "a number of tenants (0, 1, 2, ...) or a share of the wave (10%)";
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30s`, `5m`, `1h`, `250ms`, `0` as milliseconds, or undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") {
    return 0;
  }
  const m = /^(\d{1,6})(ms|s|m|h)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

/** A duration for people: `1m30s`, `45s`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return ms === 0 ? "0s" : `${ms}ms`;
  }
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return [h ? `${h}h` : "", m ? `${m}m` : "", s || (!h && !m) ? `${s}s` : ""].join("");
}

/**
 * Parses a wave plan.
 * @returns the plan, or every problem of every wave at once.
 */
export function parseWavePlan(text: unknown): ParsedPlan {
  if (typeof text !== "string" || text.trim() === "") {
    return {
      problems: [
        {
          path: "waves",
          value: text,
          allowed: "waves separated by ;",
          message: `is required: waves separated by ";", e.g. "canary=acme; tier=trial; rest" (docs/rollouts.md)`,
        },
      ],
    };
  }
  const parts = text.split(";").map((p) => p.trim());
  const problems: PlanProblem[] = [];
  if (parts.length > WAVE_LIMITS.maxWaves) {
    problems.push({
      path: "waves",
      value: parts.length,
      allowed: `at most ${WAVE_LIMITS.maxWaves} waves`,
      message: `${parts.length} waves is more than ${WAVE_LIMITS.maxWaves}`,
    });
  }
  const waves: WaveSpec[] = [];
  parts.forEach((part, i) => {
    const wave = parseWave(part, i + 1, problems);
    if (wave) {
      waves.push(wave);
    }
  });
  problems.push(...crossWaveProblems(waves));
  return problems.length > 0 ? { problems } : { value: Object.freeze({ text, waves: Object.freeze(waves) }) };
}

function parseWave(text: string, number: number, problems: PlanProblem[]): WaveSpec | undefined {
  const where = `wave ${number}`;
  const before = problems.length;
  if (text === "") {
    problems.push({
      path: where,
      value: text,
      allowed: `a selector (${WAVE_SELECTORS.join(", ")}) and options`,
      message: `is empty; remove the extra ";" or give it a selector (${WAVE_SELECTORS.join(", ")})`,
    });
    return undefined;
  }
  const fields = new Map<string, string>();
  for (const token of text.split(/\s+/)) {
    const eq = token.indexOf("=");
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? "" : token.slice(eq + 1);
    if (![...WAVE_SELECTORS, ...WAVE_OPTIONS].includes(key as never)) {
      problems.push({
        path: `${where}.${key}`,
        value: token,
        allowed: [...WAVE_SELECTORS, ...WAVE_OPTIONS],
        message: `${JSON.stringify(token)} is not a field of a wave; allowed: ${[...WAVE_SELECTORS, ...WAVE_OPTIONS].join(", ")}`,
      });
      continue;
    }
    if (fields.has(key)) {
      problems.push({
        path: `${where}.${key}`,
        value: token,
        message: `is given twice (${JSON.stringify(`${key}=${fields.get(key)}`)} and ${JSON.stringify(token)}); give it once`,
      });
      continue;
    }
    if (key === "rest" ? eq >= 0 : eq < 0 || value === "") {
      problems.push({
        path: `${where}.${key}`,
        value: token,
        message:
          key === "rest"
            ? `takes no value (write "rest")`
            : `needs a value (${key}=<value>; docs/rollouts.md)`,
      });
      continue;
    }
    fields.set(key, value);
  }
  const selectors = WAVE_SELECTORS.filter((s) => fields.has(s));
  if (selectors.length !== 1 && problems.length === before) {
    problems.push({
      path: `${where}`,
      value: text,
      allowed: [...WAVE_SELECTORS],
      message:
        selectors.length === 0
          ? `${JSON.stringify(text)} has no selector; start it with one of ${WAVE_SELECTORS.join(", ")}`
          : `${JSON.stringify(text)} has ${selectors.length} selectors (${selectors.join(", ")}); a wave has exactly one`,
    });
  }
  const selector =
    selectors.length === 1
      ? parseSelector(where, selectors[0], fields.get(selectors[0])!, problems)
      : undefined;
  const canary = selector?.kind === "tenants";
  const concurrency = parseConcurrency(where, fields.get("concurrency"), canary ? 1 : 4, problems);
  const soakMs = parseSoak(where, fields.get("soak"), problems);
  const budget = parseBudget(where, fields.get("budget"), problems);
  if (problems.length > before || !selector) {
    return undefined;
  }
  return Object.freeze({ number, text, selector, concurrency, soakMs, budget });
}

function parseSelector(
  where: string,
  key: (typeof WAVE_SELECTORS)[number],
  value: string,
  problems: PlanProblem[],
): WaveSelector | undefined {
  switch (key) {
    case "rest":
      return { kind: "rest" };
    case "canary":
    case "tenants": {
      const ids = value.split(",");
      const bad = ids.flatMap((id) =>
        tenantIdProblems(id).map((p) => ({ path: `${where}.${key}`, value: id, message: p })),
      );
      const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
      if (dupes.length > 0) {
        bad.push({
          path: `${where}.${key}`,
          value,
          message: `${JSON.stringify(value)} lists ${[...new Set(dupes)].join(", ")} more than once`,
        });
      }
      problems.push(...bad);
      return bad.length > 0 ? undefined : { kind: "tenants", tenants: Object.freeze(ids) };
    }
    case "tier": {
      const tiers = value.split(",");
      const bad = tiers.filter((t) => !(TIER_NAMES as readonly string[]).includes(t));
      for (const t of bad) {
        problems.push({
          path: `${where}.tier`,
          value: t,
          allowed: TIER_NAMES,
          message: `${JSON.stringify(t)} is not one of ${TIER_NAMES.join(", ")}`,
        });
      }
      return bad.length > 0 ? undefined : { kind: "tier", tiers: Object.freeze(tiers as Tier[]) };
    }
    case "percent": {
      const m = /^(\d{1,3})%?$/.exec(value);
      const percent = m ? Number(m[1]) : NaN;
      if (!(percent >= 1 && percent <= 100)) {
        problems.push({
          path: `${where}.percent`,
          value,
          allowed: "a whole number from 1 to 100 (of the tenants no earlier wave took), e.g. 25 or 25%",
          message: `${JSON.stringify(value)} is not a whole number from 1 to 100 (e.g. percent=25)`,
        });
        return undefined;
      }
      return { kind: "percent", percent };
    }
  }
}

function parseConcurrency(
  where: string,
  value: string | undefined,
  fallback: number,
  problems: PlanProblem[],
): number {
  if (value === undefined) {
    return fallback;
  }
  const n = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= WAVE_LIMITS.maxConcurrency)) {
    problems.push({
      path: `${where}.concurrency`,
      value,
      allowed: `a whole number from 1 to ${WAVE_LIMITS.maxConcurrency}`,
      message: `${JSON.stringify(value)} is not a whole number from 1 to ${WAVE_LIMITS.maxConcurrency}`,
    });
  }
  return n;
}

function parseSoak(where: string, value: string | undefined, problems: PlanProblem[]): number {
  if (value === undefined) {
    return DEFAULT_SOAK_MS;
  }
  const ms = parseDuration(value);
  if (ms === undefined || ms > WAVE_LIMITS.maxSoakMs) {
    problems.push({
      path: `${where}.soak`,
      value,
      allowed: DURATION_ALLOWED,
      message: `${JSON.stringify(value)} is not ${DURATION_ALLOWED}`,
    });
    return NaN;
  }
  return ms;
}

function parseBudget(where: string, value: string | undefined, problems: PlanProblem[]): FailureBudget {
  if (value === undefined) {
    return { kind: "count", count: 0 };
  }
  const m = /^(\d{1,4})(%?)$/.exec(value);
  if (!m || (m[2] === "%" && Number(m[1]) > 100)) {
    problems.push({
      path: `${where}.budget`,
      value,
      allowed: BUDGET_ALLOWED,
      message: `${JSON.stringify(value)} is not ${BUDGET_ALLOWED}, at most 100%`,
    });
    return { kind: "count", count: 0 };
  }
  return m[2] === "%" ? { kind: "percent", percent: Number(m[1]) } : { kind: "count", count: Number(m[1]) };
}

/** A tenant in two waves; anything after `rest` (it leaves nothing). */
function crossWaveProblems(waves: readonly WaveSpec[]): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const seen = new Map<string, number>();
  for (const wave of waves) {
    if (wave.selector.kind !== "tenants") {
      continue;
    }
    for (const id of wave.selector.tenants) {
      const first = seen.get(id);
      if (first !== undefined) {
        problems.push({
          path: `wave ${wave.number}.${wave.text.startsWith("canary") ? "canary" : "tenants"}`,
          value: id,
          message: `${JSON.stringify(id)} is already in wave ${first}; a tenant is in one wave only`,
        });
      } else {
        seen.set(id, wave.number);
      }
    }
  }
  const rest = waves.find((w) => w.selector.kind === "rest");
  const after = rest ? waves.filter((w) => w.number > rest.number) : [];
  if (rest && after.length > 0) {
    problems.push({
      path: `wave ${after[0].number}`,
      value: after[0].text,
      message: `comes after "rest" (wave ${rest.number}), which leaves no tenant; make "rest" the last wave`,
    });
  }
  return problems;
}

/** How many failures a wave of `size` tenants tolerates. */
export function budgetOf(budget: FailureBudget, size: number): number {
  return budget.kind === "count" ? budget.count : Math.floor((budget.percent / 100) * size);
}

/** The budget for people: `0`, `2`, `10% (1 of 9)`. */
export function formatBudget(budget: FailureBudget, size: number): string {
  return budget.kind === "count"
    ? String(budget.count)
    : `${budget.percent}% (${budgetOf(budget, size)} of ${size})`;
}
