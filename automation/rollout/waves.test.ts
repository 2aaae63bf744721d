import { budgetOf, formatDuration, parseDuration, parseWavePlan, WavePlan } from "./waves";

function plan(text: string): WavePlan {
  const parsed = parseWavePlan(text);
  if (parsed.problems) {
    throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  }
  return parsed.value;
}

function problems(text: unknown): string[] {
  const parsed = parseWavePlan(text);
  expect(parsed.value).toBeUndefined();
  return parsed.problems!.map((p) => `${p.path}: ${p.message}`);
}

describe("parseWavePlan", () => {
  it("parses canary, tier, percent and rest waves with their options and defaults", () => {
    const p = plan(
      "canary=acme soak=5m; tier=trial,standard concurrency=4 budget=1; percent=50 budget=10%; rest concurrency=8 soak=0",
    );
    expect(p.waves.map((w) => w.selector)).toEqual([
      { kind: "tenants", tenants: ["acme"] },
      { kind: "tier", tiers: ["trial", "standard"] },
      { kind: "percent", percent: 50 },
      { kind: "rest" },
    ]);
    expect(p.waves.map((w) => [w.number, w.concurrency, w.soakMs, w.budget])).toEqual([
      [1, 1, 300_000, { kind: "count", count: 0 }],
      [2, 4, 60_000, { kind: "count", count: 1 }],
      [3, 4, 60_000, { kind: "percent", percent: 10 }],
      [4, 8, 0, { kind: "count", count: 0 }],
    ]);
    expect(p.waves[2].text).toBe("percent=50 budget=10%");
  });

  it("accepts tenants= as canary= and percent with a % sign", () => {
    expect(plan("tenants=acme,globex; percent=25%").waves.map((w) => w.selector)).toEqual([
      { kind: "tenants", tenants: ["acme", "globex"] },
      { kind: "percent", percent: 25 },
    ]);
  });

  it("names the wave, the field, the value and what is allowed for every problem at once", () => {
    expect(
      problems("canary=acme concurrency=0; tier=gold soak=forever; percent=150 budget=x; color=blue"),
    ).toEqual([
      'wave 1.concurrency: "0" is not a whole number from 1 to 64',
      'wave 2.tier: "gold" is not one of trial, standard, enterprise',
      'wave 2.soak: "forever" is not a duration such as 0, 30s, 5m or 1h (at most 24h)',
      'wave 3.percent: "150" is not a whole number from 1 to 100 (e.g. percent=25)',
      'wave 3.budget: "x" is not a number of tenants (0, 1, 2, ...) or a share of the wave (10%), at most 100%',
      'wave 4.color: "color=blue" is not a field of a wave; allowed: canary, tenants, tier, percent, rest, concurrency, soak, budget',
    ]);
  });

  it("refuses an empty plan, an empty wave, a wave without or with two selectors", () => {
    expect(problems("")[0]).toMatch(/^waves: is required: waves separated by ";"/);
    expect(problems(undefined)[0]).toMatch(/^waves: is required/);
    expect(problems("canary=acme;;rest")).toEqual([
      'wave 2: is empty; remove the extra ";" or give it a selector (canary, tenants, tier, percent, rest)',
    ]);
    expect(problems("concurrency=2")).toEqual([
      'wave 1: "concurrency=2" has no selector; start it with one of canary, tenants, tier, percent, rest',
    ]);
    expect(problems("tier=trial rest")).toEqual([
      'wave 1: "tier=trial rest" has 2 selectors (tier, rest); a wave has exactly one',
    ]);
  });

  it("refuses bad tenant ids, a tenant in two waves, a field given twice, values missing or extra", () => {
    expect(problems("canary=Acme")[0]).toMatch(/^wave 1\.canary: /);
    expect(problems("canary=acme; tenants=globex,acme")).toEqual([
      'wave 2.tenants: "acme" is already in wave 1; a tenant is in one wave only',
    ]);
    expect(problems("canary=acme,acme")).toEqual(['wave 1.canary: "acme,acme" lists acme more than once']);
    expect(problems("rest soak=1m soak=2m")).toEqual([
      'wave 1.soak: is given twice ("soak=1m" and "soak=2m"); give it once',
    ]);
    expect(problems("tier=")).toEqual(["wave 1.tier: needs a value (tier=<value>; docs/rollouts.md)"]);
    expect(problems("rest=all")).toEqual(['wave 1.rest: takes no value (write "rest")']);
  });

  it("refuses waves after rest, and more than 20 waves", () => {
    expect(problems("rest; tier=trial")).toEqual([
      'wave 2: comes after "rest" (wave 1), which leaves no tenant; make "rest" the last wave',
    ]);
    expect(problems(Array.from({ length: 21 }, () => "percent=10").join(";"))[0]).toBe(
      "waves: 21 waves is more than 20",
    );
  });

  it("keeps the value and the allowed values on the problem for machine formats", () => {
    const parsed = parseWavePlan("tier=gold");
    expect(parsed.problems).toEqual([
      {
        path: "wave 1.tier",
        value: "gold",
        allowed: ["trial", "standard", "enterprise"],
        message: '"gold" is not one of trial, standard, enterprise',
      },
    ]);
  });
});

describe("durations and budgets", () => {
  it("reads and prints durations", () => {
    expect([
      parseDuration("0"),
      parseDuration("250ms"),
      parseDuration("30s"),
      parseDuration("5m"),
      parseDuration("1h"),
    ]).toEqual([0, 250, 30_000, 300_000, 3_600_000]);
    expect(parseDuration("5")).toBeUndefined();
    expect(parseDuration("-1s")).toBeUndefined();
    expect(parseWavePlan("rest soak=25h").problems?.[0].path).toBe("wave 1.soak");
    expect([
      formatDuration(0),
      formatDuration(45_000),
      formatDuration(90_000),
      formatDuration(3_660_000),
    ]).toEqual(["0s", "45s", "1m30s", "1h1m"]);
  });

  it("turns a budget into a number of tenants for a wave's size", () => {
    expect(budgetOf({ kind: "count", count: 2 }, 9)).toBe(2);
    expect(budgetOf({ kind: "percent", percent: 10 }, 9)).toBe(0);
    expect(budgetOf({ kind: "percent", percent: 25 }, 9)).toBe(2);
  });
});
