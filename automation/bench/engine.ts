/**
 * Benchmark (not a test) of the engine's own cost per tenant operation (issue 14 part 3): the real
 * tenant program on the real engine with the cloud double, in one run.
 *
 *   npm run bench:engine [-- --samples 3 --tenants 12 --concurrency 4 --latency-ms 5000 --policy-pack]
 *
 * **Overhead** is the wall time of a TenantService call (`onboard`, `update`) or of a fleet run,
 * minus the time the double spent in its simulated latency inside it (the union of its sleep
 * intervals, overlaps counted once: offline/double/latencyLog.ts). With no latency it is the whole
 * wall time. Each figure also comes with the CPU seconds it cost (this process and every process it
 * waited for: the CLI, the double's plugins, the policy pack), which a loaded machine does not
 * inflate the way it inflates wall time.
 *
 * 1. Sequential, no latency: `--samples` onboardings, then as many updates of the same, unchanged
 *    tenants, with where each operation's time went (engine calls, and within `up`: CLI start to the
 *    engine's prelude, program and steps, the engine's finish, the reads after the CLI exits).
 * 2. The double's plugin start, alone: what every engine run pays per package (aws and random).
 * 3. Fleet reconciles of `--tenants` tenants at concurrency 1 and at `--concurrency`, each on a
 *    fresh backend and double, with `--latency-ms` on every create and update of the ECS service
 *    (`aws:ecs/service:Service`, one per tenant and on the critical path of every tenant run, as a
 *    deployment waiting for steady state is): first the onboarding reconcile, then the reconcile
 *    after each tenant's image tag changed (an update of the task definition and service).
 *
 * First and last, the machine's speed: the CPU time of a fixed task ({@link calibration}).
 */
import { spawn } from "child_process";
import { pbkdf2Sync } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { writeKnobs } from "../../offline/double/knobs";
import { latencyWithin } from "../../offline/double/latencyLog";
import { doublePluginVersions } from "../../offline/double/isolation";
import { doublePulumiHome } from "../engine/localEngine";
import type { Engine, EngineStack } from "../engine/types";
import { runFleet } from "../fleet";
import { DEFAULT_POLICY_PACK } from "../settings";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";
import { ensurePulumiRoot } from "./pulumiRoot";

/** The resource type that carries the latency in the fleet runs. */
const LATENCY_TYPE = "aws:ecs/service:Service";

/** CPU seconds of this process, and of the children it has waited for (Linux /proc). */
function cpuSeconds(): { self: number; children: number } {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = 100;
  return { self: (Number(f[11]) + Number(f[12])) / tick, children: (Number(f[13]) + Number(f[14])) / tick };
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/** Milliseconds spent in engine calls during one operation, by name. */
type Phases = Map<string, number>;

/**
 * The engine with a stopwatch on every call, and `up` split by its events: `cli start` (to the
 * engine's prelude), `program+steps` (to the last resource's outputs), `engine finish` (to the
 * summary), `after exit` (the CLI's exit and the Automation API's reads of outputs and history).
 */
function timedEngine(engine: Engine, phases: Phases): Engine {
  const add = (name: string, ms: number) => phases.set(name, (phases.get(name) ?? 0) + ms);
  const timedStack = (stack: EngineStack): EngineStack =>
    stopwatch(stack, (prop, args, from, call) => {
      const marks: Record<string, number> = {};
      const opts = args[0] as { onEvent?: (e: EngineEvent) => void } | undefined;
      if (prop === "up" && opts) {
        args[0] = {
          ...opts,
          onEvent: (e: EngineEvent) => {
            const now = Date.now();
            if (e.preludeEvent) marks.prelude = now;
            if (e.resOutputsEvent) marks.lastOutputs = now;
            if (e.summaryEvent) marks.summary = now;
            opts.onEvent?.(e);
          },
        };
      }
      return call().then((result) => {
        const to = Date.now();
        if (prop === "up" && marks.prelude && marks.lastOutputs && marks.summary) {
          add("up: cli start", marks.prelude - from);
          add("up: program+steps", marks.lastOutputs - marks.prelude);
          add("up: engine finish", marks.summary - marks.lastOutputs);
          add("up: after exit", to - marks.summary);
        } else {
          add(prop, to - from);
        }
        return result;
      });
    });
  return stopwatch(engine, (prop, _args, from, call) =>
    call().then((result) => {
      add(`engine.${prop}`, Date.now() - from);
      return prop === "createStack" || prop === "selectStack" ? timedStack(result as EngineStack) : result;
    }),
  );
}

/** `target` whose every method goes through `around` (the method's name, its arguments, the start). */
function stopwatch<T extends object>(
  target: T,
  around: (prop: string, args: unknown[], from: number, call: () => Promise<unknown>) => Promise<unknown>,
): T {
  return new Proxy(target, {
    get(object, prop) {
      const value = Reflect.get(object, prop) as unknown;
      if (typeof value !== "function") {
        return value;
      }
      return (...args: unknown[]) =>
        around(String(prop), args, Date.now(), () =>
          Promise.resolve((value as (...a: unknown[]) => unknown).apply(object, args)),
        );
    },
  });
}

interface Measured {
  wallS: number;
  latencyS: number;
  cpuS: number;
  selfCpuS: number;
}

async function measure(doubleDir: string, run: () => Promise<unknown>): Promise<Measured> {
  const cpu = cpuSeconds();
  const from = Date.now();
  await run();
  const to = Date.now();
  const after = cpuSeconds();
  return {
    wallS: (to - from) / 1000,
    latencyS: latencyWithin(doubleDir, from, to),
    cpuS: after.self + after.children - cpu.self - cpu.children,
    selfCpuS: after.self - cpu.self,
  };
}

/**
 * The machine's speed now: CPU seconds of a fixed task in this process (PBKDF2-SHA256, 1,000,000
 * rounds, the derivation the CLI runs for a passphrase key), best of three. This machine's host
 * changes speed by a third from one hour to the next; figures from different runs compare only
 * next to it.
 */
function calibration(): string {
  const runs = [0, 1, 2].map(() => {
    const from = process.cpuUsage();
    pbkdf2Sync("calibration", "salt", 1_000_000, 32, "sha256");
    const used = process.cpuUsage(from);
    return (used.user + used.system) / 1e6;
  });
  return `${Math.min(...runs).toFixed(3)} s of CPU for PBKDF2-SHA256 x 1,000,000 (best of 3)`;
}

const fmt = (n: number) => n.toFixed(2);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Phase 1: sequential operations with no latency, with their breakdown. */
async function sequential(samples: number, policyPacks: string[]): Promise<void> {
  const h = await createDoubleHarness("bench-engine-seq", ["staging"], { policyPacks });
  try {
    const phases: Phases = new Map();
    (h.service as unknown as { engine: Engine }).engine = timedEngine(h.engine, phases);
    const rows: { op: string; m: Measured; phases: Phases }[] = [];
    const ids = Array.from({ length: samples }, (_, i) => `seq-${i + 1}`);
    for (const op of ["onboard", "update"] as const) {
      for (const id of ids) {
        phases.clear();
        const m = await measure(h.doubleDir, () =>
          op === "onboard"
            ? h.service.onboard(testSpec(id), "staging")
            : h.service.update(testSpec(id), "staging"),
        );
        rows.push({ op: `${op} ${id}`, m, phases: new Map(phases) });
        console.log(
          `  ${op} ${id}: overhead ${fmt(m.wallS - m.latencyS)} s, cpu ${fmt(m.cpuS)} s (load ${load()})`,
        );
      }
    }
    console.log("\nsequential, no latency: per operation (s)");
    const names = [...new Set(rows.flatMap((r) => [...r.phases.keys()]))];
    const header = ["operation", "overhead", "cpu", "cpu here", ...names];
    const lines = rows.map((r) => [
      r.op,
      fmt(r.m.wallS - r.m.latencyS),
      fmt(r.m.cpuS),
      fmt(r.m.selfCpuS),
      ...names.map((n) => fmt((r.phases.get(n) ?? 0) / 1000)),
    ]);
    for (const op of ["onboard", "update"]) {
      const of = rows.filter((r) => r.op.startsWith(op));
      lines.push([
        `${op} (mean)`,
        fmt(mean(of.map((r) => r.m.wallS - r.m.latencyS))),
        fmt(mean(of.map((r) => r.m.cpuS))),
        fmt(mean(of.map((r) => r.m.selfCpuS))),
        ...names.map((n) => fmt(mean(of.map((r) => (r.phases.get(n) ?? 0) / 1000)))),
      ]);
    }
    table(header, lines);
    await pluginStart(h);
  } finally {
    h.cleanup();
  }
}

/** Phase 2: the double's plugin start alone (launcher to the port it serves on). */
async function pluginStart(h: DoubleHarness): Promise<void> {
  const home = doublePulumiHome(h.doubleDir);
  const env = {
    ...process.env,
    ...(h.engine as unknown as { env: Record<string, string> }).env,
  };
  console.log("\nthe double's plugin start (launcher to serving), 3 each:");
  for (const [pkg, version] of Object.entries(doublePluginVersions())) {
    const launcher = path.join(home, "plugins", `resource-${pkg}-v${version}`, `pulumi-resource-${pkg}`);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const from = Date.now();
      const child = spawn(launcher, ["127.0.0.1:1"], { env, stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`${launcher} exited ${code}`)));
      });
      const wall = Date.now() - from;
      const stat = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cpu = (Number(f[11]) + Number(f[12])) / 100;
      child.removeAllListeners("exit");
      child.kill();
      await new Promise((resolve) => child.once("close", resolve));
      got.push(`${(wall / 1000).toFixed(2)} s wall / ${cpu.toFixed(2)} s cpu`);
    }
    console.log(`  ${pkg}: ${got.join(", ")} (load ${load()})`);
  }
}

/** Phase 3: one fleet's reconciles at `concurrency`, on a backend and double of its own. */
async function fleet(
  tenants: number,
  concurrency: number,
  latencyMs: number,
  policyPacks: string[],
): Promise<{ onboard: Measured; update: Measured }> {
  const h = await createDoubleHarness(`bench-engine-c${concurrency}`, ["staging"], { policyPacks });
  try {
    writeKnobs(h.doubleDir, { latencyMs: { [LATENCY_TYPE]: latencyMs } });
    const ids = Array.from({ length: tenants }, (_, i) => `fleet-${String(i + 1).padStart(2, "0")}`);
    const reconcile = async (imageTag: string) => {
      const report = await runFleet(
        h.service,
        "reconcile",
        ids.map((id) => testSpec(id, { imageTag })),
        "staging",
        { concurrency },
      );
      const failed = report.results.filter((r) => r.status === "failed");
      if (failed.length > 0) {
        throw new Error(`reconcile at concurrency ${concurrency}: ${JSON.stringify(failed[0].error)}`);
      }
    };
    const onboard = await measure(h.doubleDir, () => reconcile("1.0.0"));
    console.log(
      `  concurrency ${concurrency}: onboarding reconcile ${fmt(onboard.wallS)} s (load ${load()})`,
    );
    const update = await measure(h.doubleDir, () => reconcile("1.0.1"));
    console.log(`  concurrency ${concurrency}: image-tag reconcile ${fmt(update.wallS)} s (load ${load()})`);
    return { onboard, update };
  } finally {
    h.cleanup();
  }
}

function table(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log([row(header), ...lines.map(row)].join("\n"));
}

function wholeNumber(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${flag} must be a whole number of at least ${min} (got ${JSON.stringify(value)})`);
  }
  return n;
}

async function main(): Promise<void> {
  const opts = new Command("bench:engine")
    .option("--samples <n>", "sequential onboardings and updates", "3")
    .option("--tenants <n>", "tenants per fleet reconcile", "12")
    .option("--concurrency <n>", "the concurrent fleet's concurrency", "4")
    .option(
      "--latency-ms <ms>",
      `latency of each create and update of ${LATENCY_TYPE} in the fleet runs`,
      "5000",
    )
    .option("--policy-pack", "run the policy pack (policies/) as the service does", false)
    .option("--no-fleet", "only the sequential part")
    .parse(process.argv)
    .opts<{
      samples: string;
      tenants: string;
      concurrency: string;
      latencyMs: string;
      policyPack: boolean;
      fleet: boolean;
    }>();
  const samples = wholeNumber("--samples", opts.samples, 1);
  const tenants = wholeNumber("--tenants", opts.tenants, 1);
  const concurrency = wholeNumber("--concurrency", opts.concurrency, 2);
  const latencyMs = wholeNumber("--latency-ms", opts.latencyMs, 0);
  const policyPacks = opts.policyPack ? [DEFAULT_POLICY_PACK] : [];
  ensurePulumiRoot();
  console.log(
    `engine overhead: the real tenant program on the real engine with the cloud double ` +
      `(${os.cpus().length} CPUs, load ${load()}, policy pack ${opts.policyPack ? "on" : "off"})`,
  );
  console.log(`machine speed at the start: ${calibration()}`);
  await sequential(samples, policyPacks);
  if (!opts.fleet) {
    console.log(`machine speed at the end: ${calibration()}`);
    return;
  }
  console.log(
    `\nfleet reconciles: ${tenants} tenants, ${latencyMs} ms on each ${LATENCY_TYPE} create/update`,
  );
  const one = await fleet(tenants, 1, latencyMs, policyPacks);
  const many = await fleet(tenants, concurrency, latencyMs, policyPacks);
  const lines = (["onboard", "update"] as const).map((k) => [
    k === "onboard" ? "onboarding reconcile" : "image-tag reconcile",
    fmt(one[k].wallS),
    fmt(one[k].cpuS),
    fmt(many[k].wallS),
    fmt(many[k].cpuS),
    `${(one[k].wallS / many[k].wallS).toFixed(2)}x`,
  ]);
  console.log("");
  table(
    ["reconcile", "c=1 wall s", "c=1 cpu s", `c=${concurrency} wall s`, `c=${concurrency} cpu s`, "speedup"],
    lines,
  );
  console.log(`(load ${load()})`);
  console.log(`machine speed at the end: ${calibration()}`);
}

main().catch((error) => {
  console.error(String(error instanceof Error ? (error.stack ?? error.message) : error));
  process.exit(1);
});
