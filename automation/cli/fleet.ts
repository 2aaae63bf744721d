/**
 * `npm run fleet -- reconcile|preview|drift --env <env>`: a fleet operation over the tenant
 * registry with bounded concurrency, retries on concurrent-update conflicts and failure isolation;
 * prints progress, a summary table, writes a JSON report, and exits non-zero when any tenant failed
 * (1) or, for drift, when drift was found (3). A function, `main(argv, io) → exit code`; only the
 * entry block at the end exits the process.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import {
  Environment,
  environmentProblem,
  ENVIRONMENTS,
  parseWholeNumber,
  Problem,
  UsageError,
} from "../../common";
import { loadRegistry, REGISTRY_DIR } from "../../tenants/registry";
import { EXIT_CODES } from "../errors";
import { FLEET_OPERATIONS, FleetOperation, runFleet } from "../fleet";
import { REPO_ROOT } from "../settings";
import { cliContext, CommonOptions, withCommonOptions } from "./context";
import { CliIO, processIO } from "./io";
import { formatFleetTable } from "./render";
import { addRolloutCommand } from "./rollout";
import { tenantsDue } from "../drift/schedule";
import { parseDuration } from "../rollout/waves";
import type { TenantSpec } from "../../tenants/spec";
import { rootCommand, runBody, runEntry, runProgram, SetCode } from "./run";

/** Flags of every fleet command. */
interface FleetFlags extends CommonOptions {
  env?: string;
  concurrency?: string;
  report?: string;
  prune?: boolean;
  retries?: string;
  dueWithin?: string;
}

/**
 * `--due-within <duration>`: the tenants of the tiers with a drift cadence boundary in the last
 * `<duration>` (automation/drift/schedule.ts); undefined without the flag.
 * @throws UsageError for a duration that is not one.
 */
function dueTenants(
  dueWithin: string | undefined,
  specs: readonly TenantSpec[],
  env: Environment,
  now: Date = new Date(),
): Set<string> | undefined {
  if (dueWithin === undefined) {
    return undefined;
  }
  const ms = parseDuration(dueWithin);
  if (ms === undefined || ms === 0) {
    throw new UsageError([
      {
        path: "--due-within",
        value: dueWithin,
        allowed: "a duration such as 1h or 30m",
        message: `${JSON.stringify(dueWithin)} is not a duration such as 1h or 30m`,
      },
    ]);
  }
  return new Set(tenantsDue(specs, env, new Date(now.getTime() - ms), now).map((s) => s.id));
}

/** The default report path: reports/fleet-<op>-<env>-<time>.json (reports/ is ignored by git). */
export function defaultReportPath(operation: string, environment: string, now: Date = new Date()): string {
  return path.join(
    REPO_ROOT,
    "reports",
    `fleet-${operation}-${environment}-${now.toISOString().replace(/[:.]/g, "-")}.json`,
  );
}

/**
 * Runs the `fleet` CLI.
 * @param argv the arguments after the script (`reconcile --env staging ...`).
 * @returns the exit code (docs/automation.md, "Error model").
 */
export function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  return runProgram(argv, (setCode) => fleetCommand(io, setCode));
}

/** `--env`, `--concurrency` and `--retries`, every problem at once. */
function fleetArgs(o: FleetFlags): { env: Environment; concurrency: number; retries: number } {
  const concurrency = parseWholeNumber("--concurrency", o.concurrency, 1, 64);
  const retries = parseWholeNumber("--retries", o.retries, 1, 10);
  const problems = [
    environmentProblem("--env", o.env),
    ...(concurrency.problems ?? []),
    ...(retries.problems ?? []),
  ].filter((p): p is Problem => p !== undefined);
  if (problems.length > 0) {
    throw new UsageError(problems);
  }
  return { env: o.env as Environment, concurrency: concurrency.value!, retries: retries.value! };
}

/** The `fleet` command tree of one run, writing to `io`. */
function fleetCommand(io: CliIO, setCode: SetCode): Command {
  const program = rootCommand("fleet", "Fleet operations over the tenant registry", io);
  for (const operation of FLEET_OPERATIONS) {
    const cmd = withCommonOptions(
      program
        .command(operation)
        .description(
          {
            reconcile:
              "onboard new tenants, update changed ones, report stacks with no spec (--prune destroys them)",
            preview: "what reconcile's updates would change, per tenant",
            drift: `refresh as a preview for every tenant stack (exit ${EXIT_CODES.driftDetected} when any drifted)`,
          }[operation],
        )
        .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
        .option("--concurrency <n>", "tenant operations at once (1-64)", "4")
        .option("--retries <n>", "attempts per tenant on concurrent-update conflicts (1-10)", "4")
        .option(
          "--report <file>",
          "where to write the JSON report (default reports/fleet-<op>-<env>-<time>.json)",
        ),
    );
    if (operation === "reconcile") {
      cmd.option("--prune", "destroy and remove tenant stacks that have no spec in the registry");
    }
    if (operation === "drift") {
      cmd.option(
        "--due-within <duration>",
        "only the tiers whose drift cadence (common/tiers.ts) fell due in the last <duration>, e.g. 1h (the scheduled workflow)",
      );
    }
    cmd.action((o: FleetFlags) =>
      runBody(o.json === true, io, async () => {
        const { env, concurrency, retries } = fleetArgs(o);
        const specs = loadRegistry(o.registry ?? REGISTRY_DIR);
        const only = dueTenants(o.dueWithin, specs, env);
        const ctx = cliContext(o, io);
        if (only) {
          ctx.say(
            `drift due within ${o.dueWithin}: ${only.size > 0 ? [...only].sort().join(", ") : "no tenant"}`,
          );
        }
        const report = await runFleet(ctx.service, operation as FleetOperation, specs, env, {
          concurrency,
          prune: o.prune === true,
          retry: { maxAttempts: retries, baseDelayMs: 2000, maxDelayMs: 30000 },
          log: ctx.say,
          onEvent: (stack, event) => ctx.progress(stack)(event),
          only,
        });
        const file = o.report ?? defaultReportPath(operation, env);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
        if (o.json) {
          io.stdout(
            `${JSON.stringify({ ok: report.exitCode === 0, exitCode: report.exitCode, report: file, result: report }, null, 2)}\n`,
          );
        } else {
          io.stdout(`\n${formatFleetTable(report)}\nreport: ${path.relative(process.cwd(), file)}\n`);
        }
        return report.exitCode;
      }).then(setCode),
    );
  }
  addRolloutCommand(program, io, setCode);
  return program;
}

if (require.main === module) {
  // The entry file: the only place that exits; pending handles of finished operations must not
  // keep the process alive.
  void runEntry(main).then((code) => process.exit(code));
}
