/**
 * FakeEngine: an in-memory {@link Engine} for the unit tests only. It runs no program and no CLI;
 * it keeps stacks, config, history, locks and a checkpoint in memory, throws Pulumi's own typed
 * errors (StackAlreadyExistsError, StackNotFoundError, ConcurrentUpdateError) the way the CLI
 * would, and lets a test script each operation (delay, failure, conflict) through `behavior`.
 * The e2e suite covers the same paths on the real engine.
 */
import {
  CommandError,
  ConcurrentUpdateError,
  ConfigMap,
  Deployment,
  EngineEvent,
  OpMap,
  OutputMap,
  StackAlreadyExistsError,
  StackNotFoundError,
  StackSummary,
  UpdateSummary,
} from "@pulumi/pulumi/automation";
import { Engine, EngineRunOptions, EngineStack, LeftoverProcess, StackLock } from "../engine/types";

/** The operations a test can script. */
export type FakeOp = "up" | "preview" | "previewRefresh" | "refresh" | "destroy";

/** One stack's state. */
export interface FakeStackState {
  config: ConfigMap;
  outputs: OutputMap;
  history: UpdateSummary[];
  deployment: Deployment;
  locks: StackLock[];
  /** Resource names; `up` creates them once, later runs report them as `same`. */
  resources: string[];
}

type ErrorClass =
  | typeof StackAlreadyExistsError
  | typeof StackNotFoundError
  | typeof ConcurrentUpdateError
  | typeof CommandError;

/** A Pulumi typed error with a CLI-like result, as the Automation API builds them. */
export function pulumiError(kind: ErrorClass, stderr: string): Error {
  const result = {
    stdout: "",
    stderr,
    code: 255,
    toString: () => `code: 255\n stdout: \n stderr: ${stderr}\n`,
  };
  return new (kind as unknown as new (r: unknown) => Error)(result);
}

/** In-memory engine for unit tests. */
export class FakeEngine implements Engine {
  readonly locksVisible = true;
  readonly stacks = new Map<string, FakeStackState>();
  /** Calls, in order: `up acme-staging`, `select acme-staging`, ... */
  readonly calls: string[] = [];
  /** Scripted behaviour of each operation; may wait or throw. */
  behavior: (op: FakeOp, stack: string, opts: EngineRunOptions) => Promise<void> | void = () => undefined;
  /** Resources `up` creates in a new stack. */
  resourcesPerStack = ["service", "db"];
  /**
   * Outputs of a successful `up`, from the stack's config at that moment (a stand-in for the
   * program's exports).
   * @default `{ stack: <name> }`
   */
  upOutputs: (stack: string, config: ConfigMap) => OutputMap = (stack) => ({
    stack: { value: stack, secret: false },
  });
  /** What the fake cloud holds, by URN (for repair's lookup of pending creates). */
  readonly cloud = new Map<string, string>();
  /** Plugin processes an interrupted run "left". */
  leftovers: LeftoverProcess[] = [];
  private clock = Date.parse("2026-01-01T00:00:00Z");
  /** The base stacks this fake backend holds, deployed (outputs set), by name; see the constructor. */
  readonly baseStacks = new Map<string, FakeStackState>();

  /**
   * @param opts.baseStacks the deployed base stacks the backend holds, as the service names them
   *   (`organization/platform/<env>`); the service checks for them before it runs a tenant program.
   *   They are kept apart from {@link stacks}, and their reads are not listed in {@link calls}:
   *   both are about tenant stacks.
   *   @default both environments' base stacks
   */
  constructor(opts: { baseStacks?: readonly string[] } = {}) {
    for (const name of opts.baseStacks ?? [
      "organization/platform/staging",
      "organization/platform/production",
    ]) {
      this.baseStacks.set(name, {
        config: {},
        outputs: { environment: { value: name.split("/").pop(), secret: false } },
        history: [],
        deployment: { version: 3, deployment: { resources: [] } },
        locks: [],
        resources: [],
      });
    }
  }

  /** Whether the fake cloud can say a resource does not exist (else it only knows what exists). */
  cloudKnowsAbsence = false;

  async locateResource(urn: string): Promise<string | null | undefined> {
    return this.cloud.get(urn) ?? (this.cloudKnowsAbsence ? null : undefined);
  }

  async leftoverPlugins(): Promise<LeftoverProcess[]> {
    return [...this.leftovers];
  }

  async createStack(project: string, stackName: string): Promise<EngineStack> {
    this.calls.push(`create ${stackName}`);
    const key = `${project}/${stackName}`;
    if (this.stacks.has(key)) {
      throw pulumiError(StackAlreadyExistsError, `error: stack '${stackName}' already exists`);
    }
    this.stacks.set(key, {
      config: {},
      outputs: {},
      history: [],
      deployment: { version: 3, deployment: { resources: [] } },
      locks: [],
      resources: [],
    });
    return new FakeStack(this, stackName, this.stacks.get(key)!);
  }

  async selectStack(project: string, stackName: string): Promise<EngineStack> {
    const base = this.baseStacks.get(stackName);
    if (base) {
      return new FakeStack(this, stackName, base);
    }
    this.calls.push(`select ${stackName}`);
    const state = this.stacks.get(`${project}/${stackName}`);
    if (!state) {
      throw pulumiError(StackNotFoundError, `error: no stack named '${stackName}' found`);
    }
    return new FakeStack(this, stackName, state);
  }

  async listStacks(project: string): Promise<StackSummary[]> {
    return [...this.stacks.entries()]
      .filter(([k]) => k.startsWith(`${project}/`))
      .map(([k, s]) => ({
        name: k.slice(project.length + 1),
        current: false,
        // As `pulumi stack ls --json` on a file backend: it never says a stack is locked.
        updateInProgress: false,
        resourceCount: s.resources.length,
      }));
  }

  async removeStack(project: string, stackName: string): Promise<void> {
    this.calls.push(`remove ${stackName}`);
    this.stacks.delete(`${project}/${stackName}`);
  }

  async listLocks(project: string, stackName: string): Promise<StackLock[]> {
    return [...(this.stacks.get(`${project}/${stackName}`)?.locks ?? [])];
  }

  async removeLock(lock: StackLock): Promise<void> {
    for (const state of this.stacks.values()) {
      state.locks = state.locks.filter((l) => l.location !== lock.location);
    }
  }

  /** A deterministic clock for history entries. */
  tick(): Date {
    this.clock += 1000;
    return new Date(this.clock);
  }
}

class FakeStack implements EngineStack {
  constructor(
    private readonly engine: FakeEngine,
    readonly name: string,
    private readonly state: FakeStackState,
  ) {}

  async getAllConfig(): Promise<ConfigMap> {
    return { ...this.state.config };
  }

  async setAllConfig(config: ConfigMap): Promise<void> {
    Object.assign(this.state.config, config);
  }

  async up(opts: EngineRunOptions = {}) {
    const started = this.engine.tick();
    const changes = await this.operate(
      "up",
      opts,
      () => {
        const created = this.engine.resourcesPerStack.filter((r) => !this.state.resources.includes(r));
        this.state.resources.push(...created);
        this.state.outputs = this.engine.upOutputs(this.name, { ...this.state.config });
        return created.length > 0 ? { create: created.length } : { same: this.state.resources.length };
      },
      started,
    );
    return { summary: this.state.history[0], outputs: this.state.outputs, changes };
  }

  async preview(opts: EngineRunOptions = {}) {
    await this.engine.behavior("preview", this.name, opts);
    this.engine.calls.push(`preview ${this.name}`);
    emit(opts, this.name, "service", "update", true);
    return { changeSummary: { update: 1 } as OpMap };
  }

  async previewRefresh(opts: EngineRunOptions = {}) {
    await this.engine.behavior("previewRefresh", this.name, opts);
    this.engine.calls.push(`previewRefresh ${this.name}`);
    return { changeSummary: { same: this.state.resources.length } as OpMap };
  }

  async refresh(opts: EngineRunOptions = {}) {
    await this.operate("refresh", opts, () => ({ same: this.state.resources.length }), this.engine.tick());
    return { summary: this.state.history[0] };
  }

  async destroy(opts: EngineRunOptions = {}) {
    await this.operate(
      "destroy",
      opts,
      () => {
        const n = this.state.resources.length;
        this.state.resources = [];
        return { delete: n };
      },
      this.engine.tick(),
    );
    return { summary: this.state.history[0] };
  }

  async outputs(opts: { showSecrets?: boolean } = {}): Promise<OutputMap> {
    return opts.showSecrets === false
      ? Object.fromEntries(
          Object.entries(this.state.outputs).map(([k, v]) => [
            k,
            v.secret ? { value: "[secret]", secret: true } : v,
          ]),
        )
      : { ...this.state.outputs };
  }

  async history(pageSize?: number): Promise<UpdateSummary[]> {
    return this.state.history.slice(0, pageSize ?? this.state.history.length);
  }

  async exportStack(): Promise<Deployment> {
    return JSON.parse(JSON.stringify(this.state.deployment));
  }

  async importStack(state: Deployment): Promise<void> {
    this.engine.calls.push(`import ${this.name}`);
    this.state.deployment = JSON.parse(JSON.stringify(state));
  }

  /** Locked stacks refuse updates with the CLI's message; results go to history. */
  private async operate(
    op: FakeOp,
    opts: EngineRunOptions,
    apply: () => OpMap,
    started: Date,
  ): Promise<OpMap> {
    this.engine.calls.push(`${op} ${this.name}`);
    if (this.state.locks.length > 0) {
      throw pulumiError(
        ConcurrentUpdateError,
        `error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.`,
      );
    }
    const kind = op === "up" ? "update" : op;
    try {
      await this.engine.behavior(op, this.name, opts);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) {
        this.record(kind as UpdateSummary["kind"], "failed", started, {});
      }
      throw error;
    }
    const changes = apply();
    for (const r of this.state.resources) {
      emit(opts, this.name, r, changes.create ? "create" : "same", false);
    }
    this.record(kind as UpdateSummary["kind"], "succeeded", started, changes);
    return changes;
  }

  private record(
    kind: UpdateSummary["kind"],
    result: UpdateSummary["result"],
    started: Date,
    changes: OpMap,
  ) {
    this.state.history.unshift({
      kind,
      result,
      startTime: started,
      endTime: this.engine.tick(),
      message: "",
      environment: {},
      config: JSON.parse(JSON.stringify(this.state.config)),
      version: this.state.history.length + 1,
      resourceChanges: changes,
    });
  }
}

function emit(
  opts: EngineRunOptions,
  stack: string,
  name: string,
  op: "create" | "update" | "same",
  planning: boolean,
) {
  const urn = `urn:pulumi:${stack}::tenant::test:index:Resource::${name}`;
  const metadata = {
    op,
    urn,
    type: "test:index:Resource",
    provider: "",
    diffs: op === "update" ? ["value"] : [],
  };
  const event = {
    sequence: 0,
    timestamp: 0,
    resourcePreEvent: { metadata, planning },
  } as unknown as EngineEvent;
  opts.onEvent?.(event);
}
