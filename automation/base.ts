/**
 * Base stacks through the automation service: the real base program (infra/) as an inline program,
 * with the stack's config as `pulumi up` would merge it from Pulumi.yaml and Pulumi.<env>.yaml.
 * The released CLI's Node language host cannot be had here, so this is how the base stack reaches
 * the engine (docs/decisions/0002); the control plane manages base stacks the same way.
 */
import { BaseOutputs, Environment, parseBaseOutputs } from "../common";
import { loadBaseConfig } from "../infra/config";
import { createBaseStack } from "../infra/program";
import { BASE_PROJECT, DEFAULT_BASE_CONFIG } from "../offline/base";
import { ConfigMap, Engine, EngineRunOptions, EngineStack, OpMap, PulumiFn } from "./engine/types";
import { mapEngineError } from "./errors";

/** The inline base program: exactly what `pulumi up` runs from Pulumi.yaml (infra/index.ts). */
export const baseProgram: PulumiFn = async () => ({ ...createBaseStack(loadBaseConfig()) });

/** The base stack's config as the CLI merges it (Pulumi.yaml defaults, then Pulumi.<env>.yaml). */
export function baseStackConfig(environment: Environment): ConfigMap {
  return Object.fromEntries(
    Object.entries(DEFAULT_BASE_CONFIG[environment]).map(([key, value]) => [key, { value }]),
  );
}

/** What a base operation changed, and the outputs when it deployed. */
export interface BaseOutcome {
  readonly environment: Environment;
  readonly stack: string;
  /** Resource operations by kind (`create`, `same`, `update`, `replace`, `delete`). */
  readonly changes: OpMap | Record<string, number>;
  /** The outputs, parsed with the base outputs contract (up and outputs only). */
  readonly outputs?: BaseOutputs;
}

/** Base stack operations over an {@link Engine}. */
export class BaseService {
  constructor(private readonly engine: Engine) {}

  /** Creates the stack if needed, sets its config and deploys it. */
  async up(environment: Environment, opts: EngineRunOptions = {}): Promise<BaseOutcome> {
    const stack = await this.stack(environment, true);
    const result = await stack.up(opts).catch((e) => this.fail(e, environment));
    return {
      environment,
      stack: environment,
      changes: result.summary.resourceChanges ?? {},
      outputs: parseBaseOutputs(`${BASE_PROJECT}/${environment}`, plain(result.outputs)),
    };
  }

  /** What `up` would change. */
  async preview(environment: Environment, opts: EngineRunOptions = {}): Promise<BaseOutcome> {
    const stack = await this.stack(environment, true);
    const result = await stack.preview(opts).catch((e) => this.fail(e, environment));
    return { environment, stack: environment, changes: result.changeSummary };
  }

  /** Reads the cloud into the state (what changed outside Pulumi becomes the state). */
  async refresh(environment: Environment, opts: EngineRunOptions = {}): Promise<BaseOutcome> {
    const stack = await this.stack(environment, false);
    const result = await stack.refresh(opts).catch((e) => this.fail(e, environment));
    return { environment, stack: environment, changes: result.summary.resourceChanges ?? {} };
  }

  /** Deletes every resource of the stack (protected and retained ones stay). */
  async destroy(environment: Environment, opts: EngineRunOptions = {}): Promise<BaseOutcome> {
    const stack = await this.stack(environment, false);
    const result = await stack.destroy(opts).catch((e) => this.fail(e, environment));
    return { environment, stack: environment, changes: result.summary.resourceChanges ?? {} };
  }

  /** The deployed outputs, parsed with the contract. */
  async outputs(environment: Environment): Promise<BaseOutcome> {
    const stack = await this.stack(environment, false);
    const outputs = await stack.outputs().catch((e) => this.fail(e, environment));
    return {
      environment,
      stack: environment,
      changes: {},
      outputs: parseBaseOutputs(`${BASE_PROJECT}/${environment}`, plain(outputs)),
    };
  }

  private async stack(environment: Environment, create: boolean): Promise<EngineStack> {
    let stack: EngineStack;
    try {
      stack = create
        ? await this.engine
            .createStack(BASE_PROJECT, environment, baseProgram)
            .catch(() => this.engine.selectStack(BASE_PROJECT, environment, baseProgram))
        : await this.engine.selectStack(BASE_PROJECT, environment, baseProgram);
    } catch (error) {
      return this.fail(error, environment);
    }
    await stack.setAllConfig(baseStackConfig(environment));
    return stack;
  }

  private fail(error: unknown, environment: Environment): never {
    // The error types carry a tenant; a base stack's "tenant" is the shared platform.
    throw mapEngineError(error, { tenant: "platform", environment, operation: "update" });
  }
}

function plain(outputs: Record<string, { value: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}
