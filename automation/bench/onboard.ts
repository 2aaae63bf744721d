/**
 * Benchmark (not a test): the real programs on the real engine with the cloud double, in one run,
 * with the policy pack off and on: the staging base `up` (first, then a no-op), then one tenant
 * onboarding per tier. Prints a table of wall times and the per-operation engine overhead, i.e. the
 * time not spent in the double's simulated latency.
 *
 *   npm run bench [-- --latency-ms 0]
 *
 * `--latency-ms` adds the double's latency to every create and update (knobs.json `latencyMs."*"`).
 * The double sleeps it once per resource operation, and the engine runs independent operations in
 * parallel, so the latency a run spends is at least the longest chain of dependent operations; the
 * table subtracts the double's own measurement of the time its operations spent sleeping on the
 * critical path (`latency` column: the union of the sleep intervals, overlaps counted once).
 * Each pass gets its own fresh backend and double.
 */
import * as os from "os";
import { Command } from "commander";
import { TIER_NAMES } from "../../common";
import { writeKnobs } from "../../offline/double/knobs";
import { latencyWithin } from "../../offline/double/latencyLog";
import { DEFAULT_POLICY_PACK } from "../settings";
import { createDoubleHarness, testSpec } from "../testing/harness";
import { ensurePulumiRoot } from "./pulumiRoot";

interface Row {
  pack: string;
  operation: string;
  resources: string;
  wallS: number;
  latencyS: number;
}

async function pass(packOn: boolean, latencyMs: number, rows: Row[]): Promise<void> {
  const label = packOn ? "on" : "off";
  const timed = async (operation: string, dir: string, run: () => Promise<Record<string, number>>) => {
    const from = Date.now();
    const changes = await run();
    const to = Date.now();
    rows.push({
      pack: label,
      operation,
      resources: Object.entries(changes)
        .map(([op, n]) => `${n} ${op}`)
        .join(", "),
      wallS: (to - from) / 1000,
      latencyS: latencyWithin(dir, from, to),
    });
    console.log(`  pack ${label}: ${operation} ${((to - from) / 1000).toFixed(1)} s`);
  };
  const h = await createDoubleHarness(`bench-${label}`, [], {
    policyPacks: packOn ? [DEFAULT_POLICY_PACK] : [],
  });
  try {
    writeKnobs(h.doubleDir, { latencyMs: { "*": latencyMs } });
    await timed(
      "base up (first)",
      h.doubleDir,
      async () => ({ ...(await h.base.up("staging")).changes }) as Record<string, number>,
    );
    await timed(
      "base up (no-op)",
      h.doubleDir,
      async () => ({ ...(await h.base.up("staging")).changes }) as Record<string, number>,
    );
    for (const tier of TIER_NAMES) {
      await timed(`onboard ${tier}`, h.doubleDir, async () => {
        const outcome = await h.service.onboard(testSpec(`bench-${tier}`, { tier }), "staging");
        return { ...outcome.changes } as Record<string, number>;
      });
    }
  } finally {
    h.cleanup();
  }
}

async function main(): Promise<void> {
  const opts = new Command("bench")
    .option("--latency-ms <ms>", "the double's latency per create and update", "0")
    .parse(process.argv)
    .opts<{ latencyMs: string }>();
  const latencyMs = Number(opts.latencyMs);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) {
    throw new Error(
      `--latency-ms must be a whole number of at least 0 (got ${JSON.stringify(opts.latencyMs)})`,
    );
  }
  ensurePulumiRoot();
  console.log(
    `the real programs on the real engine with the cloud double (${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}, latency ${latencyMs} ms per resource operation)`,
  );
  const rows: Row[] = [];
  await pass(false, latencyMs, rows);
  await pass(true, latencyMs, rows);
  const header = ["pack", "operation", "resources", "wall s", "latency s", "engine overhead s"];
  const lines = rows.map((r) => [
    r.pack,
    r.operation,
    r.resources,
    r.wallS.toFixed(1),
    r.latencyS.toFixed(1),
    (r.wallS - r.latencyS).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(["", fmt(header), ...lines.map(fmt)].join("\n"));
  // The figure the stand-in program's benchmark gave (2.4 s per tenant operation), for the real one.
  for (const pack of ["off", "on"]) {
    const onboards = rows.filter((r) => r.pack === pack && r.operation.startsWith("onboard "));
    const mean = onboards.reduce((sum, r) => sum + r.wallS - r.latencyS, 0) / Math.max(1, onboards.length);
    console.log(
      `engine overhead per tenant operation, pack ${pack}: ${mean.toFixed(1)} s (mean of ${onboards.length} onboards)`,
    );
  }
  console.log(
    `load at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}

main().catch((error) => {
  console.error(String(error instanceof Error ? error.message : error));
  process.exit(1);
});
