/**
 * Tenant operations: one stack per tenant per environment (`<tenant>-<env>`, project `tenant`) on
 * top of the base stack. Every operation returns a typed outcome or throws a
 * {@link TenantOperationError} naming the tenant, the operation and the engine's message.
 */
import { StackNotFoundError } from "@pulumi/pulumi/automation";
import type { EngineEvent, OpMap, PulumiFn } from "@pulumi/pulumi/automation";
import {
  defaultBaseStackName,
  Environment,
  environmentProblem,
  Problem,
  shardCountOf,
  tenantIdProblemsAt,
} from "../common";
import {
  decommissionConfig,
  environmentNotListed,
  parseTenantStackName,
  specFromConfigValue,
  stackConfig,
  TENANT_CONFIG_KEYS,
  TENANT_PROJECT,
  tenantStackName,
} from "../tenants/contract";
import { parseDecommission } from "../tenants/decommission";
import { appSecretsProblems } from "../tenants/secretNames";
import { isParsedTenantSpec, readTenantSpec, TenantSpec } from "../tenants/spec";
import { Engine, EngineStack } from "./engine/types";
import {
  ConfirmationRequiredError,
  engineMessageOf,
  ErrorContext,
  InvalidInputError,
  mapEngineError,
  nextStep,
  OperationFailedError,
  OperationName,
  StackExistsError,
  TenantOperationError,
  UnhealthyDeploymentError,
  unhealthyDeployment,
} from "./errors";
import { EventCollector, ResourceChange } from "./events";
import { diagnoseStack, Diagnosis, repairStack, RepairOptions, RepairReport } from "./recovery";
import { DeployedState, deployedState, updateReasons } from "./specs";
import { infoOf, plainOutputs, TenantStackInfo } from "./inventory";
import { mapLimit } from "./mapLimit";

/** The config keys of tenant stacks (tenants/contract.ts). */
const CONFIG_KEYS = TENANT_CONFIG_KEYS;

/**
 * A tenant program: the inline Pulumi program for one tenant in one environment. The real one is
 * `tenantProgram` (tenants/program.ts), the same entry `pulumi -C tenants up` runs: it reads the
 * spec from the stack config the service sets before every run (tenants/contract.ts `stackConfig`),
 * so it ignores the arguments; tests and the benchmark use the test program.
 */
export type TenantProgram = (spec: TenantSpec, environment: Environment, baseStackName: string) => PulumiFn;

/** What a {@link TenantService} is built from. */
export interface TenantServiceOptions {
  readonly engine: Engine;
  readonly program: TenantProgram;
  /**
   * The base stack reference of an environment.
   * @default `organization/platform/<env>` (self-managed backends)
   */
  readonly baseStackName?: (environment: Environment) => string;
  /**
   * The clock offboarding stamps `tenant:decommission` with.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/**
 * What an offboarding left behind, from the decommissioning update's outputs (the tenant program's
 * `decommission` output): where the data went once the stack was destroyed.
 */
export interface DecommissionReport {
  /** `tenant:decommission`: when offboarding started (ISO-8601 UTC). */
  readonly at: string;
  /**
   * True when this run applied the decommissioning update; false when an earlier run had (a
   * resumed offboarding goes straight to destroy, so nothing destroyed is created again).
   */
  readonly updated: boolean;
  /** RDS final snapshot of the tenant's database. */
  readonly databaseFinalSnapshot?: string;
  /** ElastiCache final snapshot (tiers with a cache). */
  readonly cacheFinalSnapshot?: string;
  /** The bucket left in AWS, out of any stack (production). */
  readonly retainedBucket?: string;
  /** The dedicated KMS key left in AWS (production, tiers with a dedicated key). */
  readonly retainedKeyArn?: string;
}

/** Per-call hooks. */
export interface RunHooks {
  /** Engine events as they happen (progress). */
  readonly onEvent?: (event: EngineEvent) => void;
  readonly signal?: AbortSignal;
}

/** The result of an operation that ran the engine. */
export interface OperationOutcome {
  readonly tenant: string;
  readonly environment: Environment;
  readonly stack: string;
  readonly operation: OperationName;
  /** Resource counts by operation, as the engine reports them. */
  readonly changes: OpMap;
  /** The resources that changed (or would, for previews and drift). */
  readonly resourceChanges: readonly ResourceChange[];
  readonly durationMs: number;
  /** Stack outputs after `onboard`/`update` (secrets shown as `[secret]`). */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** `drift` only: whether anything changed outside Pulumi. */
  readonly drifted?: boolean;
  /** `onboard` only: true when an earlier onboarding of this stack had not completed. */
  readonly resumed?: boolean;
  /**
   * `onboard` only: true when the stack was already onboarded with this very spec; the run was an
   * `up` that converged (idempotent re-run).
   */
  readonly alreadyOnboarded?: boolean;
  /**
   * `offboard` only: the decommissioning (final snapshots, what was retained). Absent when the stack
   * held no tenant spec to run the program with (it was destroyed as it was).
   */
  readonly decommission?: DecommissionReport;
}

/** `status` of one tenant stack. */
export interface TenantStatus extends Omit<TenantStackInfo, "resourceCount">, Diagnosis {
  readonly spec?: TenantSpec;
}

/** Tenant operations over an {@link Engine} and a {@link TenantProgram}. */
export class TenantService {
  private readonly engine: Engine;
  private readonly program: TenantProgram;
  private readonly baseStackNameOf: (environment: Environment) => string;
  private readonly now: () => Date;
  /** Base stacks checked by {@link requireBaseStack}, by name. */
  private readonly baseChecks = new Map<string, Promise<Problem | undefined>>();
  /** Shard counts of the base stacks {@link requireBaseStack} found, by name. */
  private readonly baseShardCounts = new Map<string, number>();

  constructor(options: TenantServiceOptions) {
    this.engine = options.engine;
    this.program = options.program;
    this.baseStackNameOf = options.baseStackName ?? defaultBaseStackName;
    this.now = options.now ?? (() => new Date());
  }

  /** The base stack reference tenant stacks of `environment` read. */
  baseStackName(environment: Environment): string {
    return this.baseStackNameOf(environment);
  }

  /**
   * Creates `<tenant>-<env>`, sets its config from the spec (secrets as secret config) and deploys
   * it. A stack whose earlier onboarding never completed is resumed; one already onboarded with the
   * same spec converges (`alreadyOnboarded`, an `up` that changes nothing), so re-running is safe;
   * one onboarded with a different spec fails with {@link StackExistsError} (use `update`).
   */
  async onboard(
    rawSpec: unknown,
    environment: string,
    opts: RunHooks & { secrets?: Readonly<Record<string, string>> } = {},
  ): Promise<OperationOutcome> {
    const { spec, env } = this.validate(rawSpec, environment, "onboard", opts.secrets);
    const ctx = context(spec.id, env, "onboard");
    await this.requireBaseStack(ctx, env);
    return this.run(ctx, opts, async (collector) => {
      const program = this.program(spec, env, this.baseStackName(env));
      let stack: EngineStack;
      let resumed = false;
      let alreadyOnboarded = false;
      try {
        // Sharing the base stack's secrets key saves deriving it twice in every `up` (decision 0008).
        stack = await this.engine.createStack(TENANT_PROJECT, ctx.stack, program, {
          secretsLike: baseStackOf(this.baseStackName(env)),
        });
      } catch (error) {
        const mapped = mapEngineError(error, ctx);
        if (!(mapped instanceof StackExistsError)) {
          throw mapped;
        }
        stack = await this.engine.selectStack(TENANT_PROJECT, ctx.stack, program);
        const deployed = deployedState(await stack.history(HISTORY_DEPTH));
        if (deployed.lastUpdate?.result === "succeeded") {
          // Re-running an onboarding that completed is safe: with the same spec it converges (an
          // `up` that changes nothing); a different spec is a change, which is `update`'s job.
          const reasons = updateReasons(deployed, spec, this.baseStackName(env));
          if (reasons.length > 0 || (opts.secrets && Object.keys(opts.secrets).length > 0)) {
            throw new StackExistsError(
              ctx,
              `${mapped.engineMessage}; it was onboarded with a different spec (${
                reasons.join("; ") || "new secrets"
              })`,
              error,
            );
          }
          alreadyOnboarded = true;
        } else {
          resumed = true;
        }
      }
      await stack.setAllConfig(await this.configFor(ctx, stack, spec, env, opts.secrets, collector));
      const result = await stack.up({ onEvent: collector.onEvent, signal: opts.signal });
      return {
        changes: result.summary.resourceChanges ?? {},
        outputs: plainOutputs(result.outputs),
        resumed,
        alreadyOnboarded,
      };
    });
  }

  /** Applies the spec to an existing tenant stack (config, then `up`). */
  async update(
    rawSpec: unknown,
    environment: string,
    opts: RunHooks & { secrets?: Readonly<Record<string, string>> } = {},
  ): Promise<OperationOutcome> {
    const { spec, env } = this.validate(rawSpec, environment, "update", opts.secrets);
    const ctx = context(spec.id, env, "update");
    await this.requireBaseStack(ctx, env);
    return this.run(ctx, opts, async (collector) => {
      const stack = await this.select(ctx, this.program(spec, env, this.baseStackName(env)));
      await stack.setAllConfig(await this.configFor(ctx, stack, spec, env, opts.secrets, collector));
      const result = await stack.up({ onEvent: collector.onEvent, signal: opts.signal });
      return { changes: result.summary.resourceChanges ?? {}, outputs: plainOutputs(result.outputs) };
    });
  }

  /** What `update` would change, without changing anything. */
  async preview(rawSpec: unknown, environment: string, opts: RunHooks = {}): Promise<OperationOutcome> {
    const { spec, env } = this.validate(rawSpec, environment, "preview");
    const ctx = context(spec.id, env, "preview");
    await this.requireBaseStack(ctx, env);
    return this.run(ctx, opts, async (collector) => {
      const stack = await this.select(ctx, this.program(spec, env, this.baseStackName(env)));
      await stack.setAllConfig(await this.configFor(ctx, stack, spec, env));
      const result = await stack.preview({ onEvent: collector.onEvent, signal: opts.signal });
      return { changes: result.changeSummary };
    });
  }

  /**
   * A refresh that changes nothing (`pulumi refresh --preview-only`): which resources changed
   * outside Pulumi. `drifted` is true when any did.
   */
  async drift(tenant: string, environment: string, opts: RunHooks = {}): Promise<OperationOutcome> {
    const env = this.validateIds(tenant, environment, "drift");
    const ctx = context(tenant, env, "drift");
    return this.run(ctx, opts, async (collector) => {
      const stack = await this.select(ctx, noProgram);
      const result = await stack.previewRefresh({ onEvent: collector.onEvent, signal: opts.signal });
      const drifted = collector.resourceChanges.length > 0;
      return { changes: result.changeSummary, drifted };
    });
  }

  /**
   * Decommissions the tenant's stack, destroys its resources, then removes the stack (history and
   * config included). Production requires `confirm` to equal the tenant id. In every environment:
   *
   * 1. set `tenant:decommission` to now (UTC), then `up`: the tenant program lifts the database's
   *    deletion protection and names the final snapshots `<identifier>-final-<yyyymmddhhmm>`; in
   *    production it marks the bucket and the dedicated key to be retained in AWS;
   * 2. `destroy`: data stores leave their final snapshots;
   * 3. remove the stack.
   *
   * A failure stops the sequence and keeps the stack: nothing is lost, and running offboard again
   * resumes (an earlier run's timestamp is reused, and once its update has succeeded the update is
   * not run again, so a partly destroyed stack is never re-created). docs/automation.md,
   * "Offboarding and data".
   */
  async offboard(
    tenant: string,
    environment: string,
    opts: RunHooks & { confirm?: string } = {},
  ): Promise<OperationOutcome> {
    const env = this.validateIds(tenant, environment, "offboard");
    const ctx = context(tenant, env, "offboard");
    if (env === "production" && opts.confirm !== tenant) {
      throw new ConfirmationRequiredError(
        ctx,
        `offboarding in production destroys the tenant's resources; confirm with the tenant id "${tenant}" ` +
          `(got ${opts.confirm === undefined ? "no confirmation" : JSON.stringify(opts.confirm)})`,
        nextStep(ctx, "offboard", { confirm: tenant }),
      );
    }
    return this.run(ctx, opts, async (collector) => {
      const current = await this.select(ctx, noProgram);
      const config = await current.getAllConfig();
      const history = await current.history(HISTORY_DEPTH);
      const deployed = deployedState(history);
      const spec = specFromConfigValue(config[CONFIG_KEYS.spec]?.value).value ?? deployed.spec;
      const baseStackName =
        config[CONFIG_KEYS.baseStackName]?.value || deployed.baseStackName || this.baseStackName(env);
      // An earlier, interrupted offboarding's timestamp is kept: the same snapshot names.
      const at =
        parseDecommission(config[CONFIG_KEYS.decommission]?.value).value?.at ??
        this.now()
          .toISOString()
          .replace(/\.\d{3}Z$/, "Z");
      const stage = (what: "update" | "destroy", error: unknown) =>
        offboardFailure(
          ctx,
          what,
          at,
          mapEngineError(error, ctx, collector.errorDiagnostics, collector.redact),
        );

      let decommission: DecommissionReport | undefined;
      let stack = current;
      if (spec) {
        const last = deployed.lastUpdate;
        const alreadyUpdated =
          last?.result === "succeeded" && last.config?.[CONFIG_KEYS.decommission]?.value === at;
        if (!alreadyUpdated) {
          // The decommissioning update runs the tenant program, which reads the base outputs:
          // without them it fails half way through, so say so before anything changes.
          await this.requireBaseStack(ctx, env, baseStackName);
        }
        stack = await this.select(ctx, this.program(spec, env, baseStackName));
        let outputs: Record<string, unknown>;
        if (alreadyUpdated) {
          outputs = plainOutputs(await stack.outputs());
        } else {
          try {
            await stack.setAllConfig(decommissionConfig(at));
            const result = await stack.up({ onEvent: collector.onEvent, signal: opts.signal });
            outputs = plainOutputs(result.outputs);
          } catch (error) {
            throw stage("update", error);
          }
        }
        decommission = decommissionReport(at, !alreadyUpdated, outputs.decommission);
      }
      let result;
      try {
        result = await stack.destroy({ onEvent: collector.onEvent, signal: opts.signal });
      } catch (error) {
        throw stage("destroy", error);
      }
      await this.engine.removeStack(TENANT_PROJECT, ctx.stack);
      return { changes: result.summary.resourceChanges ?? {}, ...(decommission ? { decommission } : {}) };
    });
  }

  /** The stack's outputs; secret values are shown as `[secret]` unless `showSecrets`. */
  async outputs(
    tenant: string,
    environment: string,
    opts: { showSecrets?: boolean } = {},
  ): Promise<Record<string, unknown>> {
    const env = this.validateIds(tenant, environment, "outputs");
    const ctx = context(tenant, env, "outputs");
    try {
      const stack = await this.select(ctx, noProgram);
      const showSecrets = opts.showSecrets === true;
      return plainOutputs(await stack.outputs({ showSecrets }), showSecrets);
    } catch (error) {
      throw mapEngineError(error, ctx);
    }
  }

  /**
   * Every tenant stack in the backend (optionally of one environment), with tier, last update
   * result and time from each stack's history. Stacks that are not tenant stacks are left out.
   */
  async list(environment?: string, opts: { concurrency?: number } = {}): Promise<TenantStackInfo[]> {
    return (await this.inventory(environment, opts)).map((i) => i.info);
  }

  /**
   * {@link list} with what each stack was last deployed with, read in the same pass (one history
   * read per stack), for fleet planning.
   */
  async inventory(
    environment?: string,
    opts: { concurrency?: number } = {},
  ): Promise<{ info: TenantStackInfo; deployed: DeployedState }[]> {
    const envProblem = environment === undefined ? undefined : environmentProblem("env", environment);
    if (envProblem) {
      throw new InvalidInputError(context("*", environment!, "list"), [envProblem]);
    }
    let summaries;
    try {
      summaries = await this.engine.listStacks(TENANT_PROJECT);
    } catch (error) {
      throw mapEngineError(error, context("*", environment ?? "*", "list"));
    }
    const stacks = summaries
      .map((s) => ({ summary: s, parsed: parseTenantStackName(s.name.split("/").pop() ?? s.name) }))
      .filter(
        (s) => s.parsed !== undefined && (environment === undefined || s.parsed.environment === environment),
      )
      .sort((a, b) => a.summary.name.localeCompare(b.summary.name));
    return mapLimit(stacks, opts.concurrency ?? 4, async ({ summary, parsed }) => {
      const { tenant, environment: env } = parsed!;
      const ctx = context(tenant, env, "list");
      try {
        const stack = await this.select(ctx, noProgram);
        const history = await stack.history(HISTORY_DEPTH);
        // File backends never report `updateInProgress` in `stack ls`: their lock files do, as for
        // `status` (issue 10 item 6).
        const locked =
          (summary.updateInProgress ?? false) ||
          (this.engine.locksVisible && (await this.engine.listLocks(TENANT_PROJECT, ctx.stack)).length > 0);
        return {
          info: infoOf(tenant, env, history, summary.resourceCount, locked),
          deployed: deployedState(history),
        };
      } catch (error) {
        throw mapEngineError(error, ctx);
      }
    });
  }

  /** One stack's last update, tier, locks and pending operations. */
  async status(tenant: string, environment: string): Promise<TenantStatus> {
    const env = this.validateIds(tenant, environment, "status");
    const ctx = context(tenant, env, "status");
    try {
      const stack = await this.select(ctx, noProgram);
      const history = await stack.history(HISTORY_DEPTH);
      const diagnosis = await diagnoseStack(this.engine, TENANT_PROJECT, stack);
      const info = infoOf(tenant, env, history, diagnosis.resourceCount, diagnosis.locks.length > 0);
      return { ...info, ...diagnosis, spec: deployedState(history).spec };
    } catch (error) {
      throw mapEngineError(error, ctx);
    }
  }

  /**
   * Repairs a stack an interrupted run left behind (docs/runbooks/interrupted-update.md): removes
   * stale locks only, drops pending operations after listing them, then refreshes.
   */
  async repair(tenant: string, environment: string, opts: RepairOptions & RunHooks): Promise<RepairReport> {
    const env = this.validateIds(tenant, environment, "repair");
    const ctx = context(tenant, env, "repair");
    const collector = new EventCollector(opts.onEvent);
    try {
      const stack = await this.select(ctx, noProgram);
      return await repairStack(this.engine, TENANT_PROJECT, stack, ctx, {
        ...opts,
        onEvent: collector.onEvent,
      });
    } catch (error) {
      throw mapEngineError(error, ctx, collector.errorDiagnostics, collector.redact);
    }
  }

  /**
   * Validates the spec, the environment and the application secrets (with the tenant program's own
   * check, tenants/secretNames.ts `appSecretsProblems`: names only, never a value) before anything exists.
   */
  private validate(
    rawSpec: unknown,
    environment: string,
    operation: OperationName,
    secrets?: Readonly<Record<string, string>>,
  ): { spec: TenantSpec; env: Environment } {
    const id = (rawSpec as { id?: unknown } | undefined)?.id;
    const ctx = context(typeof id === "string" ? id : "?", environment, operation);
    const problems: Problem[] = [];
    // A spec parsed at the edge (the CLI, the registry) is not parsed again.
    const parsed = isParsedTenantSpec(rawSpec) ? { value: rawSpec } : readTenantSpec(rawSpec);
    problems.push(...(parsed.problems ?? []));
    const spec = parsed.value;
    const envProblem = environmentProblem("env", environment);
    if (envProblem) {
      problems.push(envProblem);
    } else if (spec) {
      problems.push(
        ...environmentNotListed(
          spec,
          environment as Environment,
          "add it to the tenant's spec to run it there",
        ),
      );
    }
    if (secrets && Object.keys(secrets).length > 0) {
      problems.push(...appSecretsProblems(secrets, "secrets"));
    }
    if (problems.length > 0 || !spec) {
      throw new InvalidInputError(ctx, problems);
    }
    return { spec, env: environment as Environment };
  }

  /**
   * Refuses to run a tenant program on an environment whose base stack does not exist or was never
   * deployed (no outputs): the program's stack reference would fail only after the tenant stack
   * was created. Checked before anything is created; a base found once is not looked up again by
   * this service.
   * @throws InvalidInputError naming the base stack and how to create it.
   */
  private async requireBaseStack(
    ctx: Context,
    env: Environment,
    name: string = this.baseStackName(env),
  ): Promise<void> {
    let check = this.baseChecks.get(name);
    if (!check) {
      check = this.baseStackProblem(ctx, name, env);
      this.baseChecks.set(name, check);
    }
    const problem = await check;
    if (problem) {
      this.baseChecks.delete(name);
      throw new InvalidInputError(ctx, [problem]);
    }
  }

  /**
   * How many ingress shards the deployed base stack of `environment` has (the length of its
   * `ingressShards` output; 1 for a base deployed before sharding): the shards onboarding places a
   * new tenant among (common/ingress.ts `placeTenant`).
   * @throws InvalidInputError when the base stack does not exist or was never deployed.
   */
  async ingressShardCount(tenant: string, environment: Environment): Promise<number> {
    await this.requireBaseStack(context(tenant, environment, "onboard"), environment);
    return this.baseShardCounts.get(this.baseStackName(environment)) ?? 1;
  }

  private async baseStackProblem(ctx: Context, name: string, env: Environment): Promise<Problem | undefined> {
    const { project } = baseStackOf(name);
    const deploy = `npm run base -- up --env ${env} (or pulumi up --stack ${env} in the repository root)`;
    const howTo =
      ctx.operation === "offboard"
        ? `offboarding runs the tenant program once more (final snapshot names, retention), and it reads ` +
          `the base outputs through a stack reference; nothing was changed. Restore the base stack first: ${deploy}; ` +
          `destroy a base stack only after its tenants are offboarded`
        : `tenant stacks of ${env} read it through a stack reference; deploy it first: ${deploy}`;
    let outputs;
    try {
      const stack = await this.engine.selectStack(project, name, noProgram);
      // Only whether there are outputs, and the shard count: no secret is read (no key derived).
      outputs = await stack.outputs({ showSecrets: false });
    } catch (error) {
      if (error instanceof StackNotFoundError) {
        return { path: "base stack", value: name, message: `${name} does not exist; ${howTo}` };
      }
      throw mapEngineError(error, ctx);
    }
    if (Object.keys(outputs).length === 0) {
      return {
        path: "base stack",
        value: name,
        message: `${name} exists but has no outputs (it was never deployed, or was destroyed); ${howTo}`,
      };
    }
    this.baseShardCounts.set(name, shardCountOf(outputs.ingressShards?.value));
    return undefined;
  }

  private validateIds(tenant: string, environment: string, operation: OperationName): Environment {
    const problems = tenantIdProblemsAt("tenant", tenant);
    const envProblem = environmentProblem("env", environment);
    if (envProblem) {
      problems.push(envProblem);
    }
    if (problems.length > 0) {
      throw new InvalidInputError(context(tenant, environment, operation), problems);
    }
    return environment as Environment;
  }

  private async select(ctx: Context, program: PulumiFn): Promise<EngineStack> {
    try {
      return await this.engine.selectStack(TENANT_PROJECT, ctx.stack, program);
    } catch (error) {
      throw mapEngineError(error, ctx);
    }
  }

  /**
   * Config from the spec; new secrets are merged into the stack's existing ones (a name given again
   * takes the new value: rotation). The merged set is checked again (e.g. the total count) before
   * it is written.
   */
  private async configFor(
    ctx: Context,
    stack: EngineStack,
    spec: TenantSpec,
    env: Environment,
    secrets?: Readonly<Record<string, string>>,
    collector?: EventCollector,
  ) {
    if (!secrets || Object.keys(secrets).length === 0) {
      return stackConfig(spec, this.baseStackName(env));
    }
    // Redacted from whatever the engine says from here on, before any of them reaches the CLI.
    Object.values(secrets).forEach((v) => collector?.secretValues.add(v));
    const existing = (await stack.getAllConfig())[CONFIG_KEYS.secrets]?.value;
    const merged = { ...(existing ? (JSON.parse(existing) as Record<string, string>) : {}), ...secrets };
    Object.values(merged).forEach((v) => collector?.secretValues.add(v));
    const problems = appSecretsProblems(merged, "secrets (with the stack's existing ones)");
    if (problems.length > 0) {
      throw new InvalidInputError(ctx, problems);
    }
    return stackConfig(spec, this.baseStackName(env), merged);
  }

  /** Runs an engine operation: times it, collects events, maps every failure. */
  private async run(
    ctx: Context,
    hooks: RunHooks,
    body: (collector: EventCollector) => Promise<Partial<OperationOutcome> & { changes: OpMap }>,
  ): Promise<OperationOutcome> {
    const started = Date.now();
    const collector = new EventCollector(hooks.onEvent);
    try {
      const result = await body(collector);
      return {
        tenant: ctx.tenant,
        environment: ctx.environment as Environment,
        stack: ctx.stack,
        operation: ctx.operation,
        resourceChanges: collector.resourceChanges,
        durationMs: Date.now() - started,
        ...result,
      };
    } catch (error) {
      const unhealthy =
        ctx.operation === "onboard" || ctx.operation === "update"
          ? unhealthyDeployment(collector.resourceErrorDiagnostics)
          : undefined;
      if (unhealthy && !(error instanceof TenantOperationError)) {
        throw new UnhealthyDeploymentError(
          ctx,
          collector.redact(engineMessageOf(error, collector.errorDiagnostics)),
          unhealthy.reason,
          unhealthy.serviceUrn,
          error,
        );
      }
      throw mapEngineError(error, ctx, collector.errorDiagnostics, collector.redact);
    }
  }
}

interface Context extends ErrorContext {
  readonly stack: string;
}

function context(tenant: string, environment: string, operation: OperationName): Context {
  // Context of input that may not be valid yet: the stack name of whatever was given.
  return { tenant, environment, operation, stack: tenantStackName(tenant, environment as Environment) };
}

/** The program's `decommission` output, as far as it is well formed. */
function decommissionReport(at: string, updated: boolean, output: unknown): DecommissionReport {
  const o = (output !== null && typeof output === "object" ? output : {}) as Record<string, unknown>;
  const text = (key: string) => (typeof o[key] === "string" ? { [key]: o[key] as string } : {});
  return {
    at,
    updated,
    ...text("databaseFinalSnapshot"),
    ...text("cacheFinalSnapshot"),
    ...text("retainedBucket"),
    ...text("retainedKeyArn"),
  };
}

/**
 * A failed offboarding step: what happened to the data and what to do. A busy stack keeps its own
 * error (it is retried by fleet runs and says what to do); any other failure says that the stack
 * is kept and that offboarding again resumes.
 */
function offboardFailure(
  ctx: Context,
  step: "update" | "destroy",
  at: string,
  error: TenantOperationError,
): TenantOperationError {
  if (!(error instanceof OperationFailedError)) {
    return error;
  }
  const again = nextStep(ctx, "offboard", ctx.environment === "production" ? { confirm: ctx.tenant } : {});
  const summary =
    step === "update"
      ? `the decommissioning update (${CONFIG_KEYS.decommission}=${at}) failed; nothing was destroyed. ` +
        `The stack ${ctx.stack} and its resources remain and the database keeps its data (its deletion ` +
        `protection may already be off). Fix the cause below, then offboard again to resume, or ` +
        `cancel (docs/automation.md, "Offboarding and data")`
      : `destroy failed; the stack ${ctx.stack} is kept with what remains. Data stores already ` +
        `deleted left their final snapshots (named after ${at}); the others still hold their data. ` +
        `Fix the cause below, then offboard again to resume`;
  return new OperationFailedError(ctx, error.engineMessage, error.cause ?? error, summary, again);
}

/** The base project (Pulumi.yaml at the repository root), when a base stack name does not say. */
const BASE_PROJECT_NAME = "platform";

/** The project and stack of a base stack name (`staging` or `organization/platform/staging`). */
function baseStackOf(name: string): { project: string; stackName: string } {
  const parts = name.split("/");
  return { project: parts.length === 3 ? parts[1] : BASE_PROJECT_NAME, stackName: name };
}

/** Updates read from history: enough to find the last `update` behind a few refreshes. */
const HISTORY_DEPTH = 10;

/** Refresh, destroy and reads never run the program; an operation that would gets nothing. */
const noProgram: PulumiFn = async () => undefined;

export { TenantOperationError, TENANT_PROJECT };
export type { TenantStackInfo };
export { plainOutputs };
