/**
 * Benchmark (not a test): a rollout on the cloud double with the real base and tenant programs on
 * the real engine. Deploys the staging base, onboards N tenants of mixed tiers, then rolls a new
 * image out in three waves (a canary, the trials, the rest) and prints the rollout's report with the
 * time of each wave.
 *
 *   npm run bench:rollout -- [--tenants 6] [--waves "canary=bench-01 soak=0; tier=trial concurrency=2 soak=0; rest concurrency=4 soak=0"]
 *
 * Everything lives in a temporary directory (backend, the double's cloud, registry, rollout state).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { writeSpec } from "../../tenants/registry";
import { parseTenantSpec } from "../../tenants/spec";
import { BaseService } from "../base";
import { loadProgram } from "../cli/programs";
import { formatRolloutReport } from "../cli/renderRollout";
import { LocalEngine } from "../engine/localEngine";
import { runFleet } from "../fleet";
import {
  cloudProbe,
  FileRolloutStore,
  parseWavePlan,
  registryWriter,
  rolloutReport,
  serviceTarget,
  startRollout,
} from "../rollout";
import { TenantService } from "../service";
import { resolveSettings } from "../settings";
import { ensurePulumiRoot } from "./pulumiRoot";

const TIERS = [
  "standard",
  "trial",
  "trial",
  "enterprise",
  "standard",
  "trial",
  "enterprise",
  "standard",
  "trial",
];

async function main(): Promise<void> {
  const opts = new Command("bench:rollout")
    .option("--tenants <n>", "tenants (1-9)", "6")
    .option(
      "--waves <plan>",
      "the wave plan",
      "canary=bench-01 soak=0; tier=trial concurrency=2 soak=0; rest concurrency=4 soak=0",
    )
    .parse(process.argv)
    .opts<{ tenants: string; waves: string }>();
  const n = Number(opts.tenants);
  const plan = parseWavePlan(opts.waves);
  if (!Number.isInteger(n) || n < 1 || n > 9 || plan.problems) {
    throw new Error(`--tenants must be 1 to 9; --waves: ${JSON.stringify(plan.problems ?? [])}`);
  }
  ensurePulumiRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rollout-"));
  try {
    const settings = resolveSettings({
      cloud: "double",
      doubleDir: path.join(dir, "double"),
      backendUrl: `file://${path.join(dir, "state")}`,
      passphrase: "bench-only",
      pulumiRoot: process.env.PULUMI_ROOT,
      workDir: path.join(dir, "workspaces"),
      policyPacks: [],
    });
    fs.mkdirSync(path.join(dir, "state"), { recursive: true });
    const engine = new LocalEngine(settings);
    const base = new BaseService(engine);
    const t0 = Date.now();
    await base.up("staging");
    console.log(`base staging on the double: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const service = new TenantService({ engine, program: loadProgram("real", settings) });
    const registry = path.join(dir, "registry");
    const specs = Array.from({ length: n }, (_, i) =>
      parseTenantSpec({
        id: `bench-${String(i + 1).padStart(2, "0")}`,
        displayName: `Bench ${i + 1}`,
        tier: TIERS[i],
        environments: ["staging"],
        owner: "platform-team@example.com",
        costCenter: "cc-1001",
        dataClassification: "internal",
        imageTag: "1.0.0",
      }),
    );
    specs.forEach((s) => writeSpec(s, registry));
    const t1 = Date.now();
    const onboard = await runFleet(service, "reconcile", specs, "staging", { concurrency: 4 });
    if (onboard.totals.failed > 0) {
      throw new Error(
        `onboarding failed: ${JSON.stringify(onboard.results.filter((r) => r.status === "failed"))}`,
      );
    }
    console.log(
      `${n} tenants onboarded on the double: ${((Date.now() - t1) / 1000).toFixed(1)} s (concurrency 4)`,
    );
    const state = await startRollout(
      {
        target: serviceTarget(service, cloudProbe(settings, service, base)),
        store: new FileRolloutStore(path.join(dir, "rollouts")),
        registry: registryWriter(registry, dir),
        pollMs: 1000,
        log: (line) => console.log(line),
      },
      plan.value,
      specs,
      "staging",
      "1.1.0",
    );
    console.log(`\n${formatRolloutReport(rolloutReport(state))}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(String(error instanceof Error ? error.message : error));
  process.exit(1);
});
