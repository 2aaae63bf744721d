/**
 * `npm run tenant -- <command>`: onboard, update, preview, drift, offboard, outputs, list, status
 * and repair one tenant stack (docs/automation.md, "CLI"). Thin: parses flags, validates them all
 * at once (exit 2, nothing created), calls the library, prints progress and a summary.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { DATA_CLASSIFICATIONS, ENVIRONMENTS, isEnvironment, tenantIdProblems } from "../../common";
import { REGISTRY_DIR, writeSpec } from "../../tenants/registry";
import { TIER_NAMES } from "../../common";
import { EXIT_CODES } from "../errors";
import { formatChanges } from "../fleet";
import { OperationOutcome } from "../service";
import { LocalEngine } from "../engine/localEngine";
import { testBaseProgram } from "../testprogram/programs";
import {
  cliContext,
  CommonOptions,
  printResult,
  runCommand,
  table,
  UsageError,
  wholeNumber,
  withCommonOptions,
} from "./common";
import {
  OnboardFlags,
  registrySpec,
  requireRegistrySpec,
  secretFlagProblems,
  secretsFromFlags,
  specFromFlags,
  validateTarget,
} from "./flags";

/** One operation's summary for people: changes, time, outputs. */
function outcomeSummary(o: OperationOutcome): string {
  const lines = [
    `${o.operation} ${o.stack}: ${formatChanges(o.changes)} in ${(o.durationMs / 1000).toFixed(1)}s`,
  ];
  if (o.alreadyOnboarded) {
    lines.push("  already onboarded with this spec: nothing to do (use `tenant update` to change it)");
  } else if (o.resumed) {
    lines.push("  resumed an onboarding that had not completed");
  }
  if (o.outputs) {
    lines.push(
      ...Object.entries(o.outputs).map(
        ([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`,
      ),
    );
  }
  if (o.operation === "offboard") {
    lines.push(...decommissionLines(o));
  }
  return lines.join("\n");
}

/** Where an offboarded tenant's data went (docs/automation.md, "Offboarding and data"). */
export function decommissionLines(o: OperationOutcome): string[] {
  const d = o.decommission;
  if (!d) {
    return ["  no decommissioning update: the stack held no tenant spec; destroyed as it was"];
  }
  return [
    `  decommissioned at ${d.at}${d.updated ? "" : " (resumed: the decommissioning update had already run)"}`,
    ...(d.databaseFinalSnapshot ? [`  database final snapshot: ${d.databaseFinalSnapshot} (RDS)`] : []),
    ...(d.cacheFinalSnapshot ? [`  cache final snapshot: ${d.cacheFinalSnapshot} (ElastiCache)`] : []),
    ...(d.retainedBucket ? [`  retained bucket: ${d.retainedBucket} (kept in AWS, in no stack)`] : []),
    ...(d.retainedKeyArn
      ? [`  retained key: ${d.retainedKeyArn} (encrypts the snapshots and the bucket)`]
      : []),
  ];
}

const program = new Command("tenant")
  .description("Tenant stacks: one per tenant per environment, on top of the base stack")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_CODES.invalidInput));

withCommonOptions(
  program
    .command("onboard <tenant>")
    .description("write a validated spec to the registry and provision the tenant's stack")
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
    .option("--tier <tier>", `tier: ${TIER_NAMES.join(", ")}`)
    .option("--owner <owner>", "Owner tag (team or e-mail)")
    .option("--cost-center <code>", "CostCenter tag")
    .option("--data-classification <level>", `DataClassification: ${DATA_CLASSIFICATIONS.join(", ")}`)
    .option("--display-name <name>", "human name (default: the id)")
    .option("--image-tag <tag>", "application image release tag or digest")
    .option("--subdomain <label>", "DNS label below the platform domain (default: the id)")
    .option(
      "--secret <NAME=value>",
      "an application secret, the container's variable NAME (repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    ),
).action((tenant: string, o: OnboardFlags & CommonOptions) =>
  runCommand(o.json === true, async () => {
    const dir = o.registry ?? REGISTRY_DIR;
    // A malformed id cannot name a registry file; its problems are reported with the others.
    const existing = tenantIdProblems(tenant).length === 0 ? registrySpec(dir, tenant) : undefined;
    const { spec, environment, secrets } = specFromFlags(tenant, o, existing);
    // The tenant program's own check of the names, before the registry file is written.
    const secretProblems = secretFlagProblems(secrets);
    if (secretProblems.length > 0) {
      throw new UsageError(secretProblems);
    }
    const ctx = cliContext(o);
    const file = writeSpec(spec, dir);
    ctx.say(`wrote ${path.relative(process.cwd(), file)}`);
    const outcome = await ctx.service.onboard(spec, environment, {
      secrets,
      onEvent: ctx.progress(`${tenant}-${environment}`),
    });
    return printResult(ctx, outcome, () => outcomeSummary(outcome));
  }),
);

for (const op of ["update", "preview"] as const) {
  const command = program
    .command(`${op} <tenant>`)
    .description(
      op === "update" ? "apply the tenant's registry spec to its stack" : "show what update would change",
    )
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`);
  if (op === "update") {
    // Adds or rotates application secrets: merged into the stack's, a new value rolls the service.
    command.option(
      "--secret <NAME=value>",
      "add or rotate an application secret, the container's variable NAME (repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    );
  }
  withCommonOptions(command).action(
    (tenant: string, o: { env?: string; secret?: string[] } & CommonOptions) =>
      runCommand(o.json === true, async () => {
        const env = validateTarget(tenant, o.env);
        const secrets = secretsFromFlags(o.secret ?? []);
        const spec = requireRegistrySpec(o.registry ?? REGISTRY_DIR, tenant);
        const ctx = cliContext(o);
        const onEvent = ctx.progress(`${tenant}-${env}`);
        const outcome =
          op === "update"
            ? await ctx.service.update(spec, env, { secrets, onEvent })
            : await ctx.service.preview(spec, env, { onEvent });
        return printResult(ctx, outcome, () => outcomeSummary(outcome));
      }),
  );
}

withCommonOptions(
  program
    .command("drift <tenant>")
    .description(
      `refresh as a preview: what changed outside Pulumi (exit ${EXIT_CODES.driftDetected} when anything did)`,
    )
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`),
).action((tenant: string, o: { env?: string } & CommonOptions) =>
  runCommand(o.json === true, async () => {
    const env = validateTarget(tenant, o.env);
    const ctx = cliContext(o);
    const outcome = await ctx.service.drift(tenant, env, { onEvent: ctx.progress(`${tenant}-${env}`) });
    const code = outcome.drifted ? EXIT_CODES.driftDetected : EXIT_CODES.ok;
    return printResult(
      ctx,
      outcome,
      () =>
        outcome.drifted
          ? `drift in ${outcome.stack}:\n${outcome.resourceChanges.map((c) => `  ${c.op} ${c.type} ${c.name} [${c.diffs.join(", ")}]`).join("\n")}`
          : `no drift in ${outcome.stack}`,
      code,
    );
  }),
);

withCommonOptions(
  program
    .command("offboard <tenant>")
    .description(
      "decommission (lift deletion protection, name final snapshots), destroy the tenant's resources and remove its stack (production: --confirm <tenant>)",
    )
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
    .option("--confirm <tenant>", "required in production: the tenant id again")
    .option(
      "--keep-spec",
      "leave the registry spec as it is (by default the environment is removed from it)",
    ),
).action((tenant: string, o: { env?: string; confirm?: string; keepSpec?: boolean } & CommonOptions) =>
  runCommand(o.json === true, async () => {
    const env = validateTarget(tenant, o.env);
    const ctx = cliContext(o);
    const outcome = await ctx.service.offboard(tenant, env, {
      confirm: o.confirm,
      onEvent: ctx.progress(`${tenant}-${env}`),
    });
    const dir = o.registry ?? REGISTRY_DIR;
    const spec = o.keepSpec ? undefined : registrySpec(dir, tenant);
    if (spec) {
      // Otherwise the next fleet reconcile would onboard the tenant again.
      const environments = spec.environments.filter((e) => e !== env);
      if (environments.length === 0) {
        fs.rmSync(path.join(dir, `${tenant}.yaml`));
        ctx.say(`removed ${tenant}.yaml from the registry`);
      } else {
        writeSpec({ ...spec, environments }, dir);
        ctx.say(`removed ${env} from ${tenant}.yaml`);
      }
    }
    return printResult(ctx, outcome, () => outcomeSummary(outcome));
  }),
);

withCommonOptions(
  program
    .command("outputs <tenant>")
    .description("the stack's outputs")
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
    .option("--show-secrets", "print secret outputs in clear"),
).action((tenant: string, o: { env?: string; showSecrets?: boolean } & CommonOptions) =>
  runCommand(o.json === true, async () => {
    const env = validateTarget(tenant, o.env);
    const ctx = cliContext(o);
    const outputs = await ctx.service.outputs(tenant, env, { showSecrets: o.showSecrets });
    return printResult(ctx, outputs, () =>
      Object.entries(outputs)
        .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join("\n"),
    );
  }),
);

withCommonOptions(
  program
    .command("list")
    .description("every tenant stack with tier, environment, last update result and time")
    .option("--env <env>", `only this environment: ${ENVIRONMENTS.join(", ")}`),
).action((o: { env?: string } & CommonOptions) =>
  runCommand(o.json === true, async () => {
    if (o.env !== undefined && !isEnvironment(o.env)) {
      throw new UsageError([`--env: ${JSON.stringify(o.env)} is not one of ${ENVIRONMENTS.join(", ")}`]);
    }
    const ctx = cliContext(o);
    const stacks = await ctx.service.list(o.env);
    return printResult(ctx, stacks, () =>
      stacks.length === 0
        ? "no tenant stacks"
        : table(
            ["TENANT", "ENV", "TIER", "LAST", "RESULT", "WHEN", "RESOURCES", "LOCKED"],
            stacks.map((s) => [
              s.tenant,
              s.environment,
              s.tier ?? "?",
              s.lastKind ?? "-",
              s.lastResult ?? "-",
              s.lastUpdateTime ?? "-",
              String(s.resourceCount ?? "-"),
              s.updateInProgress ? "yes" : "",
            ]),
          ),
    );
  }),
);

withCommonOptions(
  program
    .command("status <tenant>")
    .description(
      `last update, locks and pending operations (exit ${EXIT_CODES.needsRepair} when the stack needs repair)`,
    )
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`),
).action((tenant: string, o: { env?: string } & CommonOptions) =>
  runCommand(o.json === true, async () => {
    const env = validateTarget(tenant, o.env);
    const ctx = cliContext(o);
    const status = await ctx.service.status(tenant, env);
    const code = status.needsRepair ? EXIT_CODES.needsRepair : EXIT_CODES.ok;
    return printResult(
      ctx,
      status,
      () =>
        [
          `${status.stack}: tier ${status.tier ?? "?"}, last ${status.lastKind ?? "-"} ${status.lastResult ?? "-"} at ${status.lastUpdateTime ?? "-"}, ${status.resourceCount} resources`,
          ...status.locks.map((l) => `  locked: ${l.location} (${l.reason})`),
          ...status.pendingOperations.map((p) => `  pending operation: ${p.type} ${p.urn}`),
          status.needsRepair ? `  needs repair: tenant repair ${tenant} --env ${env} --yes` : "  healthy",
        ].join("\n"),
      code,
    );
  }),
);

withCommonOptions(
  program
    .command("repair <tenant>")
    .description(
      "after an interrupted run: remove stale locks, drop pending operations, refresh (needs --yes)",
    )
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
    .option("--yes", "do it (without: print what it would do)")
    .option(
      "--stale-after <minutes>",
      "a lock older than this is stale even if its owner cannot be checked",
      "60",
    ),
).action((tenant: string, o: { env?: string; yes?: boolean; staleAfter?: string } & CommonOptions) =>
  runCommand(o.json === true, async () => {
    const env = validateTarget(tenant, o.env);
    const problems: string[] = [];
    const minutes = wholeNumber("--stale-after", o.staleAfter, 0, 100000, problems);
    if (problems.length > 0) {
      throw new UsageError(problems);
    }
    const ctx = cliContext(o);
    const report = await ctx.service.repair(tenant, env, {
      yes: o.yes,
      staleAfterMs: (minutes ?? 60) * 60000,
      onEvent: ctx.progress(`${tenant}-${env}`),
    });
    return printResult(ctx, report, () =>
      [`repair ${report.stack}:`, ...report.actions.map((a) => `  ${a}`)].join("\n"),
    );
  }),
);

withCommonOptions(
  program
    .command("test-base")
    .description(
      "test program only: deploy (or --destroy) the base test stack exporting the base outputs contract",
    )
    .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
    .option("--destroy", "destroy and remove it instead"),
).action((o: { env?: string; destroy?: boolean } & CommonOptions) =>
  runCommand(o.json === true, async () => {
    if (o.env === undefined || !isEnvironment(o.env)) {
      throw new UsageError([
        `--env: ${JSON.stringify(o.env ?? null)} is not one of ${ENVIRONMENTS.join(", ")}`,
      ]);
    }
    // Checked before the settings, so a machine without the CLI still gets this message.
    if ((o.program ?? "real") !== "test") {
      throw new UsageError([
        "test-base: only with --program test (PLATFORM_TENANT_PROGRAM=test); the real base is `pulumi up` in the repository root",
      ]);
    }
    const ctx = cliContext(o);
    const engine = new LocalEngine(ctx.settings);
    const program = testBaseProgram(o.env);
    if (o.destroy) {
      const stack = await engine.selectStack("platform", o.env, program);
      await stack.destroy();
      await engine.removeStack("platform", o.env);
      return printResult(ctx, { removed: o.env }, () => `removed test base stack ${o.env}`);
    }
    const stack = await engine
      .createStack("platform", o.env, program)
      .catch(() => engine.selectStack("platform", o.env!, program));
    const result = await stack.up({ onEvent: ctx.progress(`platform/${o.env}`) });
    return printResult(
      ctx,
      { outputs: Object.keys(result.outputs) },
      () => `test base stack ${o.env}: ${Object.keys(result.outputs).length} outputs`,
    );
  }),
);

if (require.main === module) {
  program.parseAsync(process.argv).catch((error) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(EXIT_CODES.failed);
  });
}
