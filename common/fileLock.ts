/**
 * A lock file for short read-compare-write sections on one machine (the registry's tenant files):
 * created with O_EXCL, holding the owner's pid and host. A lock whose owner process is gone (or a
 * zombie) is taken over; a live owner is waited for, up to a bound, then named in the error.
 */
import * as fs from "fs";
import * as os from "os";

/**
 * True when a process with that pid runs on this host. A zombie does not count: it has exited and
 * only waits for its parent to collect its status (in a container whose init reaps no orphans it
 * waits for ever, e.g. the CLI of a run whose process group was killed), so it holds nothing.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (!fs.existsSync("/proc/self/stat")) {
    return true; // no procfs (not Linux): kill(0) is all there is to ask
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).charAt(0);
    return state !== "Z" && state !== "X";
  } catch {
    return false; // gone between the two questions
  }
}

/** The lock file is held by a live process for longer than the wait. */
export class FileLockTimeoutError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: string,
    readonly waitedMs: number,
  ) {
    super(
      `${lockFile} is held by ${owner} (waited ${waitedMs} ms); ` +
        `let that command finish, or remove the file if that process is not running`,
    );
  }
}

interface Owner {
  readonly pid: number;
  readonly host: string;
}

function readOwner(lockFile: string): Owner | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockFile, "utf8")) as Partial<Owner>;
    return typeof parsed.pid === "number" && typeof parsed.host === "string"
      ? { pid: parsed.pid, host: parsed.host }
      : undefined;
  } catch {
    return undefined; // gone meanwhile, or half written by an owner that is creating it
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `body` holding `lockFile`. Waits up to `timeoutMs` for a live owner; takes over the lock of
 * an owner that is gone (same host, process not alive) or that left an unreadable file for longer
 * than the wait.
 * @throws FileLockTimeoutError when a live owner keeps it for the whole wait.
 */
export function withFileLock<T>(lockFile: string, body: () => T, opts: { timeoutMs?: number } = {}): T {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const started = Date.now();
  const me = JSON.stringify({ pid: process.pid, host: os.hostname() });
  for (;;) {
    try {
      fs.writeFileSync(lockFile, me, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    }
    const owner = readOwner(lockFile);
    const waited = Date.now() - started;
    const gone = owner !== undefined && owner.host === os.hostname() && !processAlive(owner.pid);
    if (gone || (owner === undefined && waited >= timeoutMs)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (waited >= timeoutMs) {
      throw new FileLockTimeoutError(lockFile, `pid ${owner!.pid} on ${owner!.host}`, waited);
    }
    pause(25);
  }
  try {
    return body();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
