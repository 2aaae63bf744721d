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
