/**
 * `npm run fleet -- reconcile|preview|drift --env <env>`: a fleet operation over the tenant
 * registry with bounded concurrency, retries on concurrent-update conflicts and failure isolation;
 * prints progress, a summary table, writes a JSON report, and exits non-zero when any tenant failed
 * (1) or, for drift, when drift was found (3).
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { ENVIRONMENTS, isEnvironment } from "../../common";
import { loadRegistry, REGISTRY_DIR } from "../../tenants/registry";
import { EXIT_CODES } from "../errors";
import { FLEET_OPERATIONS, FleetOperation, formatFleetTable, runFleet } from "../fleet";
import { REPO_ROOT } from "../settings";
import { cliContext, CommonOptions, runCommand, UsageError, wholeNumber, withCommonOptions } from "./common";

/** Flags of every fleet command. */
interface FleetFlags extends CommonOptions {
  env?: string;
  concurrency?: string;
  report?: string;
  prune?: boolean;
  retries?: string;
}

/** The default report path: reports/fleet-<op>-<env>-<time>.json (reports/ is ignored by git). */
export function defaultReportPath(operation: string, environment: string, now: Date = new Date()): string {
  return path.join(
    REPO_ROOT,
    "reports",
    `fleet-${operation}-${environment}-${now.toISOString().replace(/[:.]/g, "-")}.json`,
  );
}

const program = new Command("fleet")
  .description("Fleet operations over the tenant registry")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_CODES.invalidInput));

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
  cmd.action((o: FleetFlags) =>
    runCommand(o.json === true, async () => {
      const problems: string[] = [];
      if (o.env === undefined) {
        problems.push(`--env: is required (one of ${ENVIRONMENTS.join(", ")})`);
      } else if (!isEnvironment(o.env)) {
        problems.push(`--env: ${JSON.stringify(o.env)} is not one of ${ENVIRONMENTS.join(", ")}`);
      }
      const concurrency = wholeNumber("--concurrency", o.concurrency, 1, 64, problems);
      const retries = wholeNumber("--retries", o.retries, 1, 10, problems);
      if (problems.length > 0) {
        throw new UsageError(problems);
      }
      const specs = loadRegistry(o.registry ?? REGISTRY_DIR);
      const ctx = cliContext(o);
      const report = await runFleet(ctx.service, operation as FleetOperation, specs, o.env!, {
        concurrency,
        prune: o.prune === true,
        retry: { maxAttempts: retries!, baseDelayMs: 2000, maxDelayMs: 30000 },
        log: ctx.say,
        onEvent: (stack, event) => ctx.progress(stack)(event),
      });
      const file = o.report ?? defaultReportPath(operation, o.env!);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ ok: report.exitCode === 0, exitCode: report.exitCode, report: file, result: report }, null, 2)}\n`,
        );
      } else {
        process.stdout.write(
          `\n${formatFleetTable(report)}\nreport: ${path.relative(process.cwd(), file)}\n`,
        );
      }
      return report.exitCode;
    }),
  );
}

if (require.main === module) {
  program.parseAsync(process.argv).catch((error) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(EXIT_CODES.failed);
  });
}
