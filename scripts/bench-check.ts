/**
 * `npm run bench:check -- --tenants 1000`: the offline policy check at scale, in one run.
 *
 * Writes N synthetic valid tenants (offline/synthetic.ts: every tier, both environments) into a
 * temporary registry and runs `npm run check`'s command line on it (the same entry, as a child
 * process, with a temporary cache), timing:
 *   1. the full check, cold (empty result cache);
 *   2. the full check again after one tenant's spec changed, with the first run's cache;
 *   3. the plain sequential loop (`--workers 0`, in one process, uncached) over a sample of tenants,
 *      extrapolated per stack to the whole registry, for the ratio.
 * For each run: wall time, CPU seconds (user + system of the process and its workers; less
 * sensitive to a loaded machine than wall time) and peak memory (the largest sum of the resident
 * sets of the process and all its descendants, sampled every 50 ms). The load average is printed
 * with the figures; goals on 2 cores: cold <= 60 s, one change <= 5 s, peak <= 1.5 GB.
 *
 *     npm run bench:check -- --tenants 1000 [--sample 10] [--workers 2] [--keep]
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { syntheticBaseConfig, writeSyntheticRegistry } from "../offline/synthetic";
import { specToYaml } from "../tenants/registry";

const ROOT = path.join(__dirname, "..");

interface Measured {
  readonly label: string;
  readonly stacks: number;
  readonly wallS: number;
  readonly cpuS?: number;
  readonly peakRssMb: number;
  readonly exitCode: number;
  /** The check's own duration (report.durationMs), without process start. */
  readonly checkS: number;
  readonly load: string;
}

/** Resident set (bytes) of `pid` and every descendant, from /proc; 0 where /proc is not there. */
function treeRss(pid: number): number {
  let children: Map<number, number[]>;
  try {
    children = new Map();
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) {
        continue;
      }
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    return 0;
  }
  let total = 0;
  const visit = (p: number): void => {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      total += kb * 1024;
    } catch {
      // exited meanwhile
    }
    for (const c of children.get(p) ?? []) {
      visit(c);
    }
  };
  visit(pid);
  return total;
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

/** Runs the check's command line with `args`, measuring it. */
async function runCheck(label: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const timeFile = path.join(os.tmpdir(), `bench-check-time-${process.pid}.txt`);
  const command = [
    "node",
    path.join(ROOT, "scripts", "run-ts.js"),
    path.join(ROOT, "policies/check/cli.ts"),
    ...args,
  ];
  const haveTime = fs.existsSync("/usr/bin/time");
  const argv = haveTime ? ["/usr/bin/time", "-f", "%U %S", "-o", timeFile, ...command] : command;
  const load = loadAverage();
  const started = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid as number))), 50);
  const exitCode: number = await new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  clearInterval(sampler);
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  let cpuS: number | undefined;
  if (haveTime) {
    const [user, sys] = fs.readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
    cpuS = user + sys;
    fs.rmSync(timeFile, { force: true });
  }
  let report: { durationMs: number; totals: { stacks: number } };
  try {
    report = JSON.parse(out);
  } catch {
    throw new Error(`${label}: the check printed no JSON report (exit ${exitCode}):\n${out.slice(0, 2000)}`);
  }
  return {
    label,
    stacks: report.totals.stacks,
    wallS,
    cpuS,
    peakRssMb: peak / 1024 / 1024,
    exitCode,
    checkS: report.durationMs / 1000,
    load,
  };
}

async function main(argv: string[]): Promise<number> {
  const o = new Command("bench:check")
    .option("--tenants <n>", "synthetic tenants", "1000")
    .option("--sample <n>", "tenants in the sequential sample", "10")
    .option("--workers <n>", "worker processes (default: the check's default, the machine's cores)")
    .option("--keep", "keep the temporary registry and cache")
    .parse(argv, { from: "user" })
    .opts<{ tenants: string; sample: string; workers?: string; keep?: boolean }>();
  const tenants = Number(o.tenants);
  const sample = Number(o.sample);
  if (!Number.isInteger(tenants) || tenants < 1 || !Number.isInteger(sample) || sample < 1) {
    process.stderr.write("bench:check: --tenants and --sample must be whole numbers, at least 1\n");
    return 2;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-check-"));
  const registry = path.join(dir, "registry");
  const cache = path.join(dir, "cache");
  const specs = writeSyntheticRegistry(registry, tenants);
  const sampleRegistry = path.join(dir, "sample");
  fs.mkdirSync(sampleRegistry);
  for (const spec of specs.slice(0, sample)) {
    fs.copyFileSync(path.join(registry, `${spec.id}.yaml`), path.join(sampleRegistry, `${spec.id}.yaml`));
  }
  const workers = o.workers ? ["--workers", o.workers] : [];
  // The base stacks the synthetic tenants need: enough ingress shards for all of them.
  const env = {
    PLATFORM_OFFLINE_CACHE: cache,
    PLATFORM_OFFLINE_BASE_CONFIG: JSON.stringify(syntheticBaseConfig(tenants)),
  };
  process.stdout.write(`${specs.length} synthetic tenants in ${registry}; ${os.cpus().length} cores\n`);

  const results: Measured[] = [];
  results.push(
    await runCheck("full check, cold", ["--registry", registry, "--format", "json", ...workers], env),
  );
  const changed = specs[Math.floor(specs.length / 2)];
  fs.writeFileSync(
    path.join(registry, `${changed.id}.yaml`),
    specToYaml({ ...changed, displayName: `${changed.displayName} (changed)` }),
  );
  results.push(
    await runCheck(
      `one tenant changed (${changed.id}), cache warm`,
      ["--registry", registry, "--format", "json", ...workers],
      env,
    ),
  );
  const sequential = await runCheck(
    `sequential sample (${sample} tenants, --workers 0)`,
    ["--registry", sampleRegistry, "--format", "json", "--workers", "0"],
    env,
  );
  results.push(sequential);

  const cold = results[0];
  const perStack = sequential.checkS / sequential.stacks;
  const extrapolated = perStack * cold.stacks;
  const rows = results.map((r) => [
    r.label,
    String(r.stacks),
    r.wallS.toFixed(1),
    r.cpuS === undefined ? "-" : r.cpuS.toFixed(1),
    r.peakRssMb.toFixed(0),
    String(r.exitCode),
    r.load,
  ]);
  const header = [
    "run",
    "stacks",
    "wall s",
    "CPU s",
    "peak RSS MB",
    "exit",
    "load avg (1, 5, 15 min) at start",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  process.stdout.write(
    `\n${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}\n${rows.map(line).join("\n")}\n\n`,
  );
  process.stdout.write(
    `sequential: ${(perStack * 1000).toFixed(0)} ms per stack -> ${extrapolated.toFixed(0)} s for ${cold.stacks} stacks; ` +
      `the cold parallel run is ${(extrapolated / cold.wallS).toFixed(1)}x faster (wall).\n` +
      `goals (2 cores): cold <= 60 s: ${cold.wallS.toFixed(1)} s; one change <= 5 s: ${results[1].wallS.toFixed(1)} s; ` +
      `peak <= 1536 MB: ${Math.max(...results.map((r) => r.peakRssMb)).toFixed(0)} MB\n`,
  );
  if (o.keep) {
    process.stdout.write(`kept ${dir}\n`);
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results.every((r) => r.exitCode === 0) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      process.stderr.write(`bench:check: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
