/**
 * `npm run fleet -- rollout [start|status|pause|resume|abort] --env <env> ...`: release rollouts in
 * waves (docs/rollouts.md). `start` (the default) plans the waves from the registry, then runs them
 * with the health gate, the soak, the failure budgets and rollbacks, saving the state after every
 * tenant; `--dry-run` prints the waves and changes nothing. `status` prints a rollout's report;
 * `pause` and `abort` ask the running rollout to stop between tenants; `resume` carries on a paused
 * or interrupted one without redoing finished tenants. Exit codes: 0 succeeded, 9 halted, 10 paused
 * or aborted, 1 a rollback failed, 2 bad input.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import {
  Environment,
  environmentProblem,
  ENVIRONMENTS,
  isRequired,
  notOneOf,
  Problem,
  UsageError,
  withPathPrefix,
} from "../../common";
import { loadRegistry, REGISTRY_DIR } from "../../tenants/registry";
import { IMAGE_TAG_PATTERN } from "../../tenants/spec";
import { BaseService } from "../base";
import { LocalEngine } from "../engine/localEngine";
import { EXIT_CODES } from "../errors";
import {
  cloudProbe,
  controlRollout,
  defaultRolloutDir,
  dryRunReport,
  FileRolloutStore,
  parseDuration,
  parseWavePlan,
  planFor,
  registryWriter,
  resumeRollout,
  RolloutDeps,
  rolloutReport,
  RolloutState,
  serviceTarget,
  startRollout,
  WAVE_OPTIONS,
  WAVE_SELECTORS,
} from "../rollout";
import { REPO_ROOT } from "../settings";
import { cliContext, CommonOptions, withCommonOptions } from "./context";
import { CliIO } from "./io";
import { formatDryRun, formatRolloutReport } from "./renderRollout";
import { printResult } from "./report";
import { runBody, SetCode } from "./run";

/** What `rollout` does. */
export const ROLLOUT_ACTIONS = ["start", "status", "pause", "resume", "abort"] as const;
type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

interface RolloutFlags extends CommonOptions {
  env?: string;
  image?: string;
  waves?: string;
  dryRun?: boolean;
  id?: string;
  poll?: string;
  stateDir?: string;
  report?: string;
}

const WAVES_HELP = `
Wave plan (--waves): waves separated by ";", each a selector and options:
  canary=<id>[,<id>...]   these tenants (also tenants=)      concurrency=<1-64>  (default 1 for canary, else 4)
  tier=<tier>[,<tier>]    the remaining tenants of the tiers  soak=<0|30s|5m|1h>  (default 1m; alarms watched)
  percent=<1-100>         that share of the remaining ones    budget=<n|n%>       (failures tolerated, default 0)
  rest                    every remaining tenant
Example: --waves "canary=acme soak=10m; tier=trial concurrency=4 budget=1; percent=50 budget=10%; rest"
(docs/rollouts.md). Selectors: ${WAVE_SELECTORS.join(", ")}; options: ${WAVE_OPTIONS.join(", ")}.`;

/** Adds `rollout` to the fleet CLI. */
export function addRolloutCommand(program: Command, io: CliIO, setCode: SetCode): void {
  withCommonOptions(
    program
      .command("rollout")
      .argument("[action]", `${ROLLOUT_ACTIONS.join(", ")}`, "start")
      .description("roll an image out to the tenants in waves, with health gates, budgets and rollback")
      .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
      .option("--image <tag|digest>", "start: the image, a release tag (1.5.0) or a digest (sha256:...)")
      .option("--waves <plan>", "start: the wave plan (below)")
      .option("--dry-run", "start: print the waves, their tenants and each one's image; change nothing")
      .option("--id <rollout>", "status, pause, resume, abort: which rollout (default: the latest of --env)")
      .option("--poll <duration>", "how often alarms are read during a soak", "10s")
      .option("--state-dir <dir>", "where rollout state lives (default .rollouts/, or PLATFORM_ROLLOUT_DIR)")
      .option("--report <file>", "also write the report as JSON to this file")
      .addHelpText("after", WAVES_HELP),
  ).action((action: string, o: RolloutFlags) =>
    runBody(o.json === true, io, () => rollout(action, o, io)).then(setCode),
  );
}

async function rollout(actionText: string, o: RolloutFlags, io: CliIO): Promise<number> {
  const problems: Problem[] = [];
  const action = actionText as RolloutAction;
  if (!(ROLLOUT_ACTIONS as readonly string[]).includes(actionText)) {
    problems.push(notOneOf("action", actionText, ROLLOUT_ACTIONS));
  }
  const envProblem = environmentProblem("--env", o.env);
  if (envProblem) {
    problems.push(envProblem);
  }
  const pollMs = parseDuration(o.poll ?? "10s");
  if (pollMs === undefined || pollMs < 100) {
    problems.push({
      path: "--poll",
      value: o.poll,
      message: `${JSON.stringify(o.poll)} is not a duration such as 5s or 1m`,
    });
  }
  if (action === "start") {
    if (o.image === undefined) {
      problems.push(isRequired("--image", "a release tag (1.5.0) or a digest (sha256:<64 hex>)"));
    } else if (!IMAGE_TAG_PATTERN.test(o.image)) {
      problems.push({
        path: "--image",
        value: o.image,
        allowed: "a release tag (1.5.0, v2.0.0-rc.1) or a digest (sha256:<64 hex>)",
        message: `${JSON.stringify(o.image)} is not a release tag (1.5.0, v2.0.0-rc.1) or a digest (sha256:<64 hex>); moving tags such as latest are refused`,
      });
    }
    const plan = parseWavePlan(o.waves);
    if (plan.problems) {
      problems.push(...withPathPrefix("--waves", [...plan.problems], " "));
    }
  }
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  const env = o.env as Environment;
  const store = new FileRolloutStore(
    path.resolve(o.stateDir ?? process.env.PLATFORM_ROLLOUT_DIR ?? defaultRolloutDir(REPO_ROOT)),
  );
  const out = { json: o.json === true, io };

  if (action === "status" || action === "pause" || action === "abort") {
    const id = rolloutIdOf(store, env, o.id);
    const state = action === "status" ? store.load(id)! : controlRollout(store, id, action);
    const report = rolloutReport(state);
    writeReport(o.report, report);
    const note =
      action === "status"
        ? ""
        : state.status === "aborted"
          ? "\naborted."
          : `\n${action} requested: the runner stops before its next tenant (tenants in flight finish).`;
    return printResult(
      out,
      report,
      () => `${formatRolloutReport(report)}${note}`,
      action === "status" ? report.exitCode : EXIT_CODES.ok,
    );
  }

  const ctx = cliContext(o, io);
  const specs = loadRegistry(o.registry ?? REGISTRY_DIR);
  const deps: RolloutDeps = {
    // The gate reads ECS and CloudWatch: on AWS through the AWS CLI, on the double through its
    // answers to the same calls (automation/rollout/probes.ts).
    target: serviceTarget(
      ctx.service,
      cloudProbe(ctx.settings, ctx.service, new BaseService(new LocalEngine(ctx.settings))),
    ),
    store,
    registry: registryWriter(o.registry ?? REGISTRY_DIR, REPO_ROOT),
    pollMs,
    log: ctx.say,
  };
  if (action === "start" && o.dryRun) {
    const { plan } = await planFor(deps.target, parseWavePlan(o.waves).value!, specs, env, o.image!);
    const dry = dryRunReport(plan);
    return printResult(out, dry, () => formatDryRun(dry));
  }
  let state: RolloutState;
  if (action === "resume") {
    state = await resumeRollout(deps, rolloutIdOf(store, env, o.id));
  } else {
    state = await startRollout(deps, parseWavePlan(o.waves).value!, specs, env, o.image!);
  }
  const report = rolloutReport(state);
  writeReport(o.report, report);
  return printResult(out, report, () => `\n${formatRolloutReport(report)}`, report.exitCode);
}

/** `--id`, or the latest rollout of the environment. */
function rolloutIdOf(store: FileRolloutStore, env: Environment, id: string | undefined): string {
  const found = id ?? store.list(env)[0]?.id;
  if (!found || !store.load(found)) {
    throw new UsageError([
      {
        path: "--id",
        value: id,
        message: id
          ? `no rollout ${JSON.stringify(id)} in ${store.dir}`
          : `no rollout of ${env} in ${store.dir}`,
      },
    ]);
  }
  return found;
}

function writeReport(file: string | undefined, report: unknown): void {
  if (file) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  }
}
