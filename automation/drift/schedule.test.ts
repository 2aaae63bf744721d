import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { DRIFT_CADENCE_HOURS, Environment } from "../../common";
import { parseTenantSpec } from "../../tenants/spec";
import { DriftScheduler, DriftTick, SchedulerClock, tenantsDue, tiersDue } from "./schedule";

const at = (iso: string) => new Date(iso);
const spec = (id: string, tier: string) =>
  parseTenantSpec({
    id,
    displayName: id,
    tier,
    environments: ["production"],
    owner: "team@example.com",
    costCenter: "cc-1",
    dataClassification: "internal",
    imageTag: "1.0.0",
  });
const SPECS = [spec("ent-one", "enterprise"), spec("std-one", "standard"), spec("trial-one", "trial")];

/** A fake clock: time moves only when the test advances it, and timers fire then. */
class FakeClock implements SchedulerClock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(private t: number) {}
  now = () => new Date(this.t);
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.push({ at: this.t + ms, fn, id: ++this.seq });
    return this.seq;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  /** Moves time forward, firing due timers in order and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

describe("tiersDue", () => {
  it("enterprise every hour, standard every 6 hours, trial once a day, on UTC boundaries", () => {
    expect(DRIFT_CADENCE_HOURS).toEqual({ trial: 24, standard: 6, enterprise: 1 });
    expect(tiersDue(at("2026-12-01T00:30:00Z"), at("2026-12-01T01:30:00Z"))).toEqual(["enterprise"]);
    expect(tiersDue(at("2026-12-01T05:30:00Z"), at("2026-12-01T06:00:00Z"))).toEqual([
      "standard",
      "enterprise",
    ]);
    expect(tiersDue(at("2026-11-30T23:10:00Z"), at("2026-12-01T00:10:00Z"))).toEqual([
      "trial",
      "standard",
      "enterprise",
    ]);
    // Nothing falls due within the hour after a boundary.
    expect(tiersDue(at("2026-12-01T06:00:00Z"), at("2026-12-01T06:59:59Z"))).toEqual([]);
  });

  it("picks the tenants of the due tiers in the environment only", () => {
    const staging = spec("std-two", "standard");
    const specs = [...SPECS, parseTenantSpec({ ...staging, environments: ["staging"] })];
    const due = tenantsDue(
      specs,
      "production" as Environment,
      at("2026-12-01T05:30:00Z"),
      at("2026-12-01T06:30:00Z"),
    );
    expect(due.map((s) => s.id)).toEqual(["ent-one", "std-one"]);
  });
});

describe("DriftScheduler on a fake clock", () => {
  it("runs drift for the tiers that are due, and only for those, at every hour", async () => {
    const clock = new FakeClock(Date.parse("2026-12-01T04:20:00Z"));
    const ran: string[] = [];
    const ticks: DriftTick[] = [];
    const scheduler = new DriftScheduler({
      environment: "production",
      specs: () => SPECS,
      clock,
      drift: async (tenant) => {
        ran.push(`${clock.now().toISOString().slice(11, 16)} ${tenant}`);
        return { drifted: tenant === "std-one" };
      },
      onTick: (t) => ticks.push(t),
    });
    scheduler.start();
    await clock.advance(20 * 3_600_000); // 04:20 → 00:20 the next day
    scheduler.stop();
    expect(ran.filter((r) => r.endsWith("std-one"))).toEqual([
      "06:00 std-one",
      "12:00 std-one",
      "18:00 std-one",
      "00:00 std-one",
    ]);
    expect(ran.filter((r) => r.endsWith("trial-one"))).toEqual(["00:00 trial-one"]);
    expect(ran.filter((r) => r.endsWith("ent-one"))).toHaveLength(20);
    expect(ticks).toHaveLength(20);
    expect(ticks.find((t) => t.at === "2026-12-01T06:00:00.000Z")!.checks).toEqual([
      { tenant: "ent-one", tier: "enterprise", drifted: false },
      { tenant: "std-one", tier: "standard", drifted: true },
    ]);
    await clock.advance(3 * 3_600_000);
    expect(ticks).toHaveLength(20);
  });

  it("a late tick runs what fell due meanwhile once, and a failed check is reported, not thrown", async () => {
    const clock = new FakeClock(Date.parse("2026-12-01T05:50:00Z"));
    const scheduler = new DriftScheduler({
      environment: "production",
      specs: () => SPECS,
      clock,
      drift: async (tenant) => {
        if (tenant === "ent-one") throw new Error("stack is locked\nmore");
        return { drifted: false };
      },
    });
    await clock.advance(2 * 3_600_000); // no timer started: the tick is late, at 07:50
    const tick = await scheduler.tick();
    expect(tick.tiers).toEqual(["standard", "enterprise"]);
    expect(tick.checks).toEqual([
      { tenant: "ent-one", tier: "enterprise", error: "stack is locked" },
      { tenant: "std-one", tier: "standard", drifted: false },
    ]);
    expect((await scheduler.tick()).checks).toEqual([]);
  });
});

describe("the scheduled workflow", () => {
  const workflow = parseYaml(
    fs.readFileSync(path.join(__dirname, "..", "..", ".github", "workflows", "drift.yml"), "utf8"),
  );

  it("runs every hour and asks for the tiers due within that hour, in both environments", () => {
    const [{ cron }] = workflow.on.schedule;
    expect(cron).toMatch(/^\d{1,2} \* \* \* \*$/);
    // The smallest cadence is the cron's interval: no tier's boundary falls between two runs unseen.
    expect(Math.min(...Object.values(DRIFT_CADENCE_HOURS))).toBe(1);
    expect(Object.values(DRIFT_CADENCE_HOURS).every((h) => 24 % h === 0)).toBe(true);
    const job = workflow.jobs.drift;
    expect(job.strategy.matrix.env).toEqual(["staging", "production"]);
    const run = job.steps.find((s: { id?: string }) => s.id === "drift").run as string;
    expect(run).toContain("npm run --silent fleet -- drift --env ${{ matrix.env }} --due-within 1h");
  });
});
