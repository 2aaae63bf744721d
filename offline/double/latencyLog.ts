/**
 * The double's record of the simulated latency it spent (`<double dir>/latency.log`, one
 * `<start ms> <end ms>` line per delayed create or update), so the benchmark can tell the engine's
 * own time from the time the double slept (automation/bench/onboard.ts).
 */
import * as fs from "fs";
import * as path from "path";

function logPath(dir: string): string {
  return path.join(dir, "latency.log");
}

/** Appends one interval (a single short append: whole lines even from several plugin processes). */
export function recordLatency(dir: string, startMs: number, endMs: number): void {
  fs.appendFileSync(logPath(dir), `${startMs} ${endMs}\n`);
}

/** Every interval recorded in `dir`. */
export function latencyIntervals(dir: string): [number, number][] {
  if (!fs.existsSync(logPath(dir))) {
    return [];
  }
  return fs
    .readFileSync(logPath(dir), "utf8")
    .split("\n")
    .filter((l) => /^\d+ \d+$/.test(l))
    .map((l) => l.split(" ").map(Number) as [number, number]);
}

/**
 * Seconds of `dir`'s recorded latency within [from, to] (ms): the union of the intervals, overlaps
 * counted once, i.e. the time at least one operation was sleeping.
 */
export function latencyWithin(dir: string, from: number, to: number): number {
  const inside = latencyIntervals(dir)
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of inside) {
    if (b > end) {
      total += b - Math.max(a, end);
      end = b;
    }
  }
  return total / 1000;
}
