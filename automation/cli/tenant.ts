/**
 * `npm run tenant -- <command>`: onboard, update, preview, drift, offboard, outputs, list, status
 * and repair one tenant stack (docs/automation.md, "CLI"). Thin: parses flags, validates them all
 * at once (exit 2, nothing created), calls the library, prints progress and a summary. A function,
 * `main(argv, io) → exit code`; only the entry block at the end exits the process.
 */
import * as path from "path";
import { Command } from "commander";
import {
  DATA_CLASSIFICATIONS,
  ENVIRONMENTS,
  parseWholeNumber,
  problemLines,
  ProblemsError,
  tenantIdProblems,
  TIER_NAMES,
  UsageError,
} from "../../common";
import { tenantStackName } from "../../tenants/contract";
import {
  readSpec,
  readTenantFile,
  recordOnboarded,
  REGISTRY_DIR,
  RegistryError,
  RegistryRemoval,
  removeEnvironment,
  specFileName,
  specPath,
} from "../../tenants/registry";
import { EXIT_CODES } from "../errors";
import type { OperationOutcome } from "../service";
import { specDiff } from "../specs";
import { CliContext, cliContext, CommonOptions, withCommonOptions } from "./context";
import {
  checkRegistryWith,
  OnboardFlags,
  optionalEnvironment,
  placedSpec,
  requireRegistrySpec,
  secretFlagProblems,
  secretsFromFlags,
  specFromFlags,
  validateTarget,
} from "./flags";
import { CliIO, processIO } from "./io";
import { nextStepCommand, outcomeSummary, table } from "./render";
import { printResult } from "./report";
import { rootCommand, runBody, runEntry, runProgram, SetCode } from "./run";

/**
 * Runs the `tenant` CLI.
 * @param argv the arguments after the script (`onboard acme --env staging ...`).
 * @returns the exit code (docs/automation.md, "Error model").
 */
export function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  return runProgram(argv, (setCode) => tenantCommand(io, setCode));
}

/** The `tenant` command tree of one run, writing to `io`. */
function tenantCommand(io: CliIO, setCode: SetCode): Command {
  const program = rootCommand(
    "tenant",
    "Tenant stacks: one per tenant per environment, on top of the base stack",
    io,
  );
  /** Runs an action body and records its exit code. */
  const run = (json: boolean | undefined, body: () => Promise<number>) =>
    runBody(json === true, io, body).then(setCode);

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
        "--listener-rule-priority <n>",
        "priority of the tenant's rule on its shard's HTTPS listener (default: derived from the id, or the next free one on the shard)",
      )
      .option(
        "--ingress-shard <n>",
        "the ingress shard (ALB) that serves the tenant, from 0 (default: the least loaded shard with room; a new tenant only)",
      )
      .option(
        "--secret <NAME[=value]>",
        "an application secret, the container's variable NAME (repeatable); NAME alone reads the value from the environment variable NAME, out of process arguments",
        (v: string, acc: string[] = []) => [...acc, v],
      ),
  ).action((tenant: string, o: OnboardFlags & CommonOptions) =>
    run(o.json, async () => {
      const dir = o.registry ?? REGISTRY_DIR;
      // A malformed id cannot name a registry file; its problems are reported with the others.
      const existing = tenantIdProblems(tenant).length === 0 ? readSpec(tenant, dir) : undefined;
      const flagged = specFromFlags(tenant, o, existing);
      const { environment, secrets } = flagged;
      // The tenant program's own check of the names, before the registry file is written.
      const secretProblems = secretFlagProblems(secrets);
      if (secretProblems.length > 0) {
        throw new UsageError(secretProblems);
      }
      // The whole registry with this spec in it: no host name or listener priority shared with
      // another tenant, no shard over capacity, no broken file, before anything is written or
      // created. A new tenant's placement is left to placedSpec, which reads the base stack.
      checkRegistryWith(flagged.spec, dir, { unplaced: !existing });
      const ctx = cliContext(o, io);
      // A new tenant is placed on a shard of the deployed base stack, at a priority free there.
      const spec = existing
        ? flagged.spec
        : placedSpec(flagged.spec, await ctx.service.ingressShardCount(tenant, environment), dir);
      if (!existing) {
        checkRegistryWith(spec, dir);
      }
      const file = shown(specPath(tenant, dir));
      let outcome: OperationOutcome;
      try {
        outcome = await ctx.service.onboard(spec, environment, {
          secrets,
          onEvent: ctx.progress(tenantStackName(tenant, environment)),
        });
      } catch (error) {
        // The registry records what runs, never what a failed run wanted.
        ctx.say(`${file} was not changed (the registry records a tenant once its onboarding succeeds)`);
        throw error;
      }
      const record = recordOnboarded(spec, existing, dir);
      if (record.kind === "written") {
        ctx.say(`wrote ${file}`);
        return printResult(ctx, { ...outcome, registry: record }, () => outcomeSummary(outcome));
      }
      return registryNotUpdated(ctx, { ...outcome, registry: record }, [
        `onboarded ${outcome.stack}, but ${file} changed while onboarding ran, so it was left as it is:`,
        ...(record.problems
          ? problemLines(record.problems).map((l) => `  ${l}`)
          : record.current
            ? specDiff(spec, record.current).map((l) => `  ${l} (this run → the file)`)
            : ["  the file was removed"]),
        `The stack ${outcome.stack} runs the spec of this run. Make the file say what the tenant should run, ` +
          `then: ${nextStepCommand({ operation: "update", tenant, environment })}`,
      ]);
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
        "--secret <NAME[=value]>",
        "add or rotate an application secret, the container's variable NAME (repeatable); NAME alone reads the value from the environment variable NAME",
        (v: string, acc: string[] = []) => [...acc, v],
      );
    }
    withCommonOptions(command).action(
      (tenant: string, o: { env?: string; secret?: string[] } & CommonOptions) =>
        run(o.json, async () => {
          const env = validateTarget(tenant, o.env);
          const secrets = secretsFromFlags(o.secret ?? []);
          const spec = requireRegistrySpec(o.registry ?? REGISTRY_DIR, tenant);
          const ctx = cliContext(o, io);
          const onEvent = ctx.progress(tenantStackName(tenant, env));
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
    run(o.json, async () => {
      const env = validateTarget(tenant, o.env);
      const ctx = cliContext(o, io);
      const outcome = await ctx.service.drift(tenant, env, {
        onEvent: ctx.progress(tenantStackName(tenant, env)),
      });
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
    run(o.json, async () => {
      const env = validateTarget(tenant, o.env);
      const dir = o.registry ?? REGISTRY_DIR;
      const file = shown(specPath(tenant, dir));
      if (!o.keepSpec) {
        // Offboarding edits the tenant's own file after the destroy: a file it could not edit is
        // bad input, refused before anything runs. Other tenants' files do not matter here.
        const own = readTenantFile(tenant, dir);
        if (own.problems) {
          throw new RegistryError(dir, [
            ...own.problems,
            {
              path: specFileName(tenant),
              message:
                `offboarding takes ${env} out of this file after the destroy; fix it first, or offboard ` +
                `with --keep-spec and edit the file yourself afterwards (nothing was done)`,
            },
          ]);
        }
      }
      const ctx = cliContext(o, io);
      const outcome = await ctx.service.offboard(tenant, env, {
        confirm: o.confirm,
        onEvent: ctx.progress(tenantStackName(tenant, env)),
      });
      if (o.keepSpec) {
        return printResult(ctx, outcome, () => outcomeSummary(outcome));
      }
      // Otherwise the next fleet reconcile would onboard the tenant again.
      let removal: RegistryRemoval;
      try {
        removal = removeEnvironment(tenant, env, dir);
      } catch (error) {
        const why =
          error instanceof ProblemsError ? problemLines(error.problems) : [(error as Error).message];
        return registryNotUpdated(
          ctx,
          { ...outcome, registry: { kind: "not-updated", file, problems: why } },
          [
            `offboarded ${outcome.stack} (destroyed and removed), but ${file} could not be updated:`,
            ...why.map((l) => `  ${l}`),
            `It still lists ${env}: take ${env} out of its environments (delete the file if no environment is ` +
              `left), or the next fleet reconcile --env ${env} onboards ${tenant} again.`,
          ],
        );
      }
      if (removal.kind === "spec-removed") {
        ctx.say(`removed ${specFileName(tenant)} from the registry`);
      } else if (removal.kind === "environment-removed") {
        ctx.say(`removed ${env} from ${specFileName(tenant)}`);
      }
      return printResult(ctx, { ...outcome, registry: removal }, () => outcomeSummary(outcome));
    }),
  );

  withCommonOptions(
    program
      .command("outputs <tenant>")
      .description("the stack's outputs")
      .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
      .option("--show-secrets", "print secret outputs in clear"),
  ).action((tenant: string, o: { env?: string; showSecrets?: boolean } & CommonOptions) =>
    run(o.json, async () => {
      const env = validateTarget(tenant, o.env);
      const ctx = cliContext(o, io);
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
    run(o.json, async () => {
      const env = optionalEnvironment(o.env);
      const ctx = cliContext(o, io);
      const stacks = await ctx.service.list(env);
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
    run(o.json, async () => {
      const env = validateTarget(tenant, o.env);
      const ctx = cliContext(o, io);
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
            status.needsRepair
              ? `  needs repair: ${nextStepCommand({ operation: "repair", tenant, environment: env, yes: true })}`
              : "  healthy",
          ].join("\n"),
        code,
      );
    }),
  );

  withCommonOptions(
    program
      .command("repair <tenant>")
      .description(
        "after an interrupted run: remove stale locks, import pending creates that exist, drop the other pending operations, refresh (needs --yes)",
      )
      .option("--env <env>", `environment: ${ENVIRONMENTS.join(", ")}`)
      .option("--yes", "do it (without: print what it would do)")
      .option(
        "--stale-after <minutes>",
        "a lock older than this is stale even if its owner cannot be checked",
        "60",
      )
      .option(
        "--import <urn=id>",
        "a pending create you found in the cloud: import it with its id (repeatable)",
        (v: string, acc: string[] = []) => [...acc, v],
      )
      .option(
        "--absent <urn>",
        "a pending create you checked is not in the cloud: drop it (repeatable)",
        (v: string, acc: string[] = []) => [...acc, v],
      ),
  ).action(
    (
      tenant: string,
      o: {
        env?: string;
        yes?: boolean;
        staleAfter?: string;
        import?: string[];
        absent?: string[];
      } & CommonOptions,
    ) =>
      run(o.json, async () => {
        const env = validateTarget(tenant, o.env);
        const minutes = parseWholeNumber("--stale-after", o.staleAfter, 0, 100000);
        const bad = (o.import ?? []).filter((pair) => !/^urn:pulumi:.+=[^=]+$/.test(pair));
        const problems = [
          ...(minutes.problems ?? []),
          ...bad.map((pair) => ({
            path: "--import",
            allowed: "<urn>=<id>",
            message: `${JSON.stringify(pair)} is not <urn>=<id> (the pending create's URN, as repair lists it, then its cloud id)`,
          })),
        ];
        if (problems.length > 0) {
          throw new UsageError(problems);
        }
        const imports = Object.fromEntries(
          (o.import ?? []).map((pair) => [
            pair.slice(0, pair.lastIndexOf("=")),
            pair.slice(pair.lastIndexOf("=") + 1),
          ]),
        );
        const ctx = cliContext(o, io);
        const report = await ctx.service.repair(tenant, env, {
          yes: o.yes,
          imports,
          absent: o.absent ?? [],
          staleAfterMs: (minutes.value ?? 60) * 60000,
          onEvent: ctx.progress(tenantStackName(tenant, env)),
        });
        return printResult(ctx, report, () =>
          [`repair ${report.stack}:`, ...report.actions.map((a) => `  ${a}`)].join("\n"),
        );
      }),
  );

  return program;
}

/** A path as messages show it: relative to the working directory. */
function shown(file: string): string {
  return path.relative(process.cwd(), file);
}

/**
 * The end of an operation that succeeded while the registry could not record it: the result (with
 * the registry's state) as usual, the lines saying what is left on stderr, exit
 * {@link EXIT_CODES.registryNotUpdated}.
 */
function registryNotUpdated(
  ctx: CliContext,
  result: OperationOutcome & { registry: unknown },
  lines: string[],
): number {
  ctx.io.stderr(`${lines.join("\n")}\n`);
  return printResult(ctx, result, () => outcomeSummary(result), EXIT_CODES.registryNotUpdated);
}

if (require.main === module) {
  // The entry file: the only place that exits; pending handles of finished operations must not
  // keep the process alive.
  void runEntry(main).then((code) => process.exit(code));
}
