/**
 * Benchmark (not a test): onboards N test tenants on the real engine with a temporary file backend,
 * once sequentially (concurrency 1) and once with concurrency C, through the fleet runner, and
 * prints the wall time of both and their ratio.
 *
 *   npm run bench -- --tenants 12 --concurrency 4 [--delay-ms 0]
 *
 * Each run gets its own fresh backend so neither pays for the other's state. `--delay-ms` adds
 * simulated provider latency to each tenant's service resource (0: engine and CLI cost only).
 */
import * as os from "os";
import { Command } from "commander";
import { runFleet } from "../fleet";
import { createHarness, testSpec } from "../testing/harness";
import { ensurePulumiRoot } from "./pulumiRoot";

async function onboardAll(
  label: string,
  tenants: number,
  concurrency: number,
  delayMs: number,
): Promise<number> {
  const h = await createHarness(`bench-${label}`, { delayMs });
  try {
    const specs = Array.from({ length: tenants }, (_, i) =>
      testSpec(`bench-${String(i + 1).padStart(2, "0")}`),
    );
    const started = process.hrtime.bigint();
    const report = await runFleet(h.service, "reconcile", specs, "staging", { concurrency });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (report.totals.succeeded !== tenants) {
      throw new Error(
        `${label}: ${report.totals.failed} of ${tenants} onboardings failed: ${JSON.stringify(report.results.filter((r) => r.status === "failed"))}`,
      );
    }
    return seconds;
  } finally {
    h.cleanup();
  }
}

async function main(): Promise<void> {
  const opts = new Command("bench")
    .option("--tenants <n>", "tenants to onboard", "12")
    .option("--concurrency <n>", "concurrency of the parallel run", "4")
    .option("--delay-ms <ms>", "simulated provider latency per tenant", "0")
    .parse(process.argv)
    .opts<{ tenants: string; concurrency: string; delayMs: string }>();
  const tenants = Number(opts.tenants);
  const concurrency = Number(opts.concurrency);
  const delayMs = Number(opts.delayMs);
  if (
    ![tenants, concurrency, delayMs].every((n) => Number.isInteger(n) && n >= 0) ||
    tenants < 1 ||
    concurrency < 1
  ) {
    throw new Error(`--tenants and --concurrency must be whole numbers of at least 1, --delay-ms at least 0`);
  }
  ensurePulumiRoot();
  console.log(
    `onboarding ${tenants} test tenants on the real engine (${os.cpus().length} CPUs, provider delay ${delayMs} ms)`,
  );
  const sequential = await onboardAll("seq", tenants, 1, delayMs);
  console.log(
    `sequential (concurrency 1): ${sequential.toFixed(1)} s (${(sequential / tenants).toFixed(2)} s per tenant)`,
  );
  const parallel = await onboardAll("par", tenants, concurrency, delayMs);
  console.log(
    `concurrent (concurrency ${concurrency}): ${parallel.toFixed(1)} s (${(parallel / tenants).toFixed(2)} s per tenant)`,
  );
  console.log(`ratio sequential/concurrent: ${(sequential / parallel).toFixed(2)}x`);
}

main().catch((error) => {
  console.error(String(error instanceof Error ? error.message : error));
  process.exit(1);
});
