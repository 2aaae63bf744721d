/**
 * The seam between the tenant service and Pulumi: the few stack operations the service needs. The
 * real implementation ({@link LocalEngine}) drives Pulumi's `LocalWorkspace` and the CLI; unit tests
 * use a fake that lives with the tests. The shapes are Pulumi's own types, so the adapter stays thin
 * and nothing is translated twice.
 */
import type {
  ConfigMap,
  Deployment,
  EngineEvent,
  OpMap,
  OutputMap,
  PulumiFn,
  StackSummary,
  UpdateSummary,
} from "@pulumi/pulumi/automation";

export type { ConfigMap, Deployment, EngineEvent, OpMap, OutputMap, PulumiFn, StackSummary, UpdateSummary };

/** Options every engine operation takes. */
export interface EngineRunOptions {
  /** Engine events as they happen (progress, diagnostics). */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Aborts the operation (the CLI receives a cancellation). */
  readonly signal?: AbortSignal;
}

/**
 * What a run's summary gives the service: the count of each kind of resource change. (LocalEngine
 * takes it from the run's own events instead of reading the history back: decision 0008.)
 */
export interface RunSummary {
  readonly resourceChanges?: OpMap;
}

/** One stack, selected or created through an {@link Engine}. */
export interface EngineStack {
  readonly name: string;
  getAllConfig(): Promise<ConfigMap>;
  setAllConfig(config: ConfigMap): Promise<void>;
  up(opts?: EngineRunOptions): Promise<{ summary: RunSummary; outputs: OutputMap }>;
  preview(opts?: EngineRunOptions): Promise<{ changeSummary: OpMap }>;
  /** A refresh that changes nothing: what changed outside Pulumi. */
  previewRefresh(opts?: EngineRunOptions): Promise<{ changeSummary: OpMap }>;
  refresh(opts?: EngineRunOptions & { clearPendingCreates?: boolean }): Promise<{ summary: RunSummary }>;
  destroy(opts?: EngineRunOptions): Promise<{ summary: RunSummary }>;
  /**
   * The stack's outputs. With `showSecrets: false` a secret's value reads `[secret]` (its `secret`
   * flag set), and a passphrase backend derives no key to read them.
   */
  outputs(opts?: { showSecrets?: boolean }): Promise<OutputMap>;
  /** Most recent first; secret config values are not decrypted (they read `[secret]`). */
  history(pageSize?: number): Promise<UpdateSummary[]>;
  exportStack(): Promise<Deployment>;
  importStack(state: Deployment): Promise<void>;
}

/** A lock left on a stack by an update (file backends: `.pulumi/locks/...`). */
export interface StackLock {
  /** Where the lock lives (a file path for file backends). */
  readonly location: string;
  readonly pid?: number;
  readonly hostname?: string;
  readonly username?: string;
  /** When the lock was taken. */
  readonly timestamp?: Date;
}

/** How {@link Engine.createStack} creates a stack. */
export interface CreateStackOptions {
  /**
   * A stack whose secrets key the new stack shares, where the backend allows (a passphrase: its
   * salt), because the new stack's operations read it through a stack reference: the engine then
   * derives one key per operation instead of two (decision 0008). Ignored when it cannot be shared.
   */
  readonly secretsLike?: { readonly project: string; readonly stackName: string };
}

/** The engine: stacks of one backend. */
export interface Engine {
  /** Creates a stack; throws Pulumi's StackAlreadyExistsError when it exists. */
  createStack(
    project: string,
    stackName: string,
    program: PulumiFn,
    opts?: CreateStackOptions,
  ): Promise<EngineStack>;
  /** Selects a stack; throws Pulumi's StackNotFoundError when it does not exist. */
  selectStack(project: string, stackName: string, program: PulumiFn): Promise<EngineStack>;
  /** Every stack of the project in the backend. */
  listStacks(project: string): Promise<StackSummary[]>;
  /** Removes a stack (its resources must be destroyed first). */
  removeStack(project: string, stackName: string): Promise<void>;
  /** Locks currently held on the stack; empty when the backend keeps no lock files. */
  listLocks(project: string, stackName: string): Promise<StackLock[]>;
  /** Removes one lock (recovery only, after checking it is stale). */
  removeLock(lock: StackLock): Promise<void>;
  /** Whether {@link listLocks} can see locks on this backend (file backends only). */
  readonly locksVisible: boolean;
  /**
   * What the cloud says of the resource `urn`: its id when it exists, `null` when the cloud can say
   * it does not (the cloud double: its records name the URN that created them, and a create it
   * never finished left no record), undefined when the cloud cannot be asked (AWS: no lookup by
   * URN). Repair imports what exists, drops what the cloud says is absent, and refuses otherwise.
   * @param inState ids the stack's state already holds: a replacement's new resource shares its URN
   * with the one it replaces, which is not the answer.
   */
  locateResource(
    urn: string,
    type: string,
    inState?: ReadonlySet<string>,
  ): Promise<string | null | undefined>;
  /**
   * Plugin processes (providers, policy packs) left running by an interrupted run on this backend:
   * their engine is gone, and they may still be changing the cloud.
   */
  leftoverPlugins(): Promise<LeftoverProcess[]>;
}

/** A plugin process whose engine is gone. */
export interface LeftoverProcess {
  readonly pid: number;
  /** Its command line, for people. */
  readonly command: string;
}
