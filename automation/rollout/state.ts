/**
 * The durable state of a rollout, written after every tenant's step so that a crashed run can be
 * resumed without redoing what finished, and the store it lives in. In local mode the store is a
 * directory of JSON files (`.rollouts/` in the checkout, ignored by git); the control plane plugs its
 * own store behind {@link RolloutStore}.
 *
 * Operators act on a running rollout through a separate control file (`pause`, `abort`), which the
 * runner reads between tenants: the runner owns the state file, nobody else writes it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Environment, Tier } from "../../common";
import type { TenantSpec } from "../../tenants/spec";
import type { FailureBudget } from "./waves";

/** Where a rollout is. Terminal: succeeded, halted, aborted. */
export type RolloutStatus = "running" | "paused" | "succeeded" | "halted" | "aborted";

/** Where one tenant is. */
export type TenantRolloutStatus =
  /** Not reached yet: keeps its image. */
  | "pending"
  /** Its update to the new image is running (a crash here is redone on resume). */
  | "updating"
  /** Updated and healthy; watched for alarms until the soak ends. */
  | "soaking"
  /** On the new image, healthy through the soak. */
  | "succeeded"
  /** Failed its gate; being put back on its previous image. */
  | "rolling-back"
  /** Failed its gate and is back on its previous image. */
  | "rolled-back"
  /** Failed its gate and could not be put back: needs an operator (docs/runbooks/halted-rollout.md). */
  | "rollback-failed"
  /** Runs the image already. */
  | "unchanged"
  /** Cannot be rolled out (no stack, no readable deployed spec). */
  | "skipped";

/** Statuses a resumed run does not touch again. */
export const FINISHED_TENANT_STATUSES: readonly TenantRolloutStatus[] = [
  "succeeded",
  "rolled-back",
  "rollback-failed",
  "unchanged",
  "skipped",
];

/** One tenant of a rollout. */
export interface TenantRolloutState {
  readonly tenant: string;
  readonly tier: Tier;
  /** The wave number (1-based). */
  readonly wave: number;
  readonly fromImage: string;
  status: TenantRolloutStatus;
  /** The spec it was deployed with before the rollout: what a rollback applies again. */
  previous?: TenantSpec;
  /** Times its update was started (more than 1 after a resume). */
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** Why it failed its gate (first line), and of the rollback when that failed. */
  error?: string;
  rollbackError?: string;
  reason?: string;
}

/** One wave of a rollout. */
export interface WaveState {
  readonly number: number;
  readonly text: string;
  readonly concurrency: number;
  readonly soakMs: number;
  readonly budget: FailureBudget;
  readonly tenants: readonly string[];
  status: "pending" | "running" | "succeeded" | "halted" | "stopped";
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
}

/** A rollout: plan, progress, outcome. */
export interface RolloutState {
  readonly version: 1;
  readonly id: string;
  readonly environment: Environment;
  readonly image: string;
  readonly plan: string;
  readonly createdAt: string;
  updatedAt: string;
  status: RolloutStatus;
  readonly waves: WaveState[];
  /** By tenant id. */
  readonly tenants: Record<string, TenantRolloutState>;
  /** Tenants of the environment no wave takes. */
  readonly notInPlan: readonly string[];
  /** The process running it (a resume refuses while it is alive). */
  runner?: { pid: number; host: string; startedAt: string };
  /** Why it stopped, when it did not succeed. */
  stop?: { wave?: number; reason: string };
  /** Registry files written for tenants that ended on the image (repository paths). */
  registry: string[];
}

/** An operator's request to a running rollout. */
export interface RolloutControl {
  readonly action: "pause" | "abort";
  readonly at: string;
}

/** Where rollouts are kept. */
export interface RolloutStore {
  save(state: RolloutState): void;
  load(id: string): RolloutState | undefined;
  /** Every rollout, most recent first (optionally of one environment). */
  list(environment?: Environment): RolloutState[];
  requestControl(id: string, control: RolloutControl): void;
  readControl(id: string): RolloutControl | undefined;
  clearControl(id: string): void;
}

/** The local store's default directory, in the checkout and ignored by git. */
export function defaultRolloutDir(repoRoot: string): string {
  return path.join(repoRoot, ".rollouts");
}

/** Rollout ids: `<env>-<yyyymmddThhmmssZ>`, safe as file names. */
export const ROLLOUT_ID_PATTERN = /^(staging|production)-\d{8}T\d{6}Z(-\d+)?$/;

/** A new rollout id. */
export function rolloutId(environment: Environment, now: Date): string {
  return `${environment}-${now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z")}`;
}

/** A directory of `<id>.json` state files and `<id>.control.json` requests; writes are atomic. */
export class FileRolloutStore implements RolloutStore {
  constructor(readonly dir: string) {}

  save(state: RolloutState): void {
    state.updatedAt = new Date().toISOString();
    writeAtomic(this.file(state.id), state);
  }

  load(id: string): RolloutState | undefined {
    if (!ROLLOUT_ID_PATTERN.test(id)) {
      return undefined;
    }
    return readJson<RolloutState>(this.file(id));
  }

  list(environment?: Environment): RolloutState[] {
    if (!fs.existsSync(this.dir)) {
      return [];
    }
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith(".json") && !f.endsWith(".control.json"))
      .map((f) => readJson<RolloutState>(path.join(this.dir, f)))
      .filter((s): s is RolloutState => s !== undefined)
      .filter((s) => environment === undefined || s.environment === environment)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  requestControl(id: string, control: RolloutControl): void {
    writeAtomic(this.controlFile(id), control);
  }

  readControl(id: string): RolloutControl | undefined {
    return readJson<RolloutControl>(this.controlFile(id));
  }

  clearControl(id: string): void {
    fs.rmSync(this.controlFile(id), { force: true });
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private controlFile(id: string): string {
    return path.join(this.dir, `${id}.control.json`);
  }
}

/** A temporary file, then a rename: a reader (or a crash) sees the old file or the new one. */
function writeAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw new Error(`rollout state ${file} cannot be read: ${(error as Error).message}`);
  }
}

/**
 * Whether the process that ran a rollout may still be running: alive on this host, or on another
 * host (which this one cannot check).
 */
export function runnerAlive(runner: RolloutState["runner"]): boolean {
  if (!runner) {
    return false;
  }
  if (runner.host !== os.hostname()) {
    return true;
  }
  try {
    process.kill(runner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
