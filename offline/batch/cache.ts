/**
 * The offline result cache: a content-addressed store of what the policy check and the plan found
 * on each stack, so a run rechecks only the stacks whose inputs changed.
 *
 * - Where: `.cache/offline/` at the repository root, or `PLATFORM_OFFLINE_CACHE`. `results/` holds
 *   one JSON file per key (`results/<2 hex>/<64 hex>.json`), `ts/` the workers' transpiled modules.
 *   Clearing it is always safe: `rm -rf .cache/offline` (the next run is cold).
 * - Keys: a SHA-256 over everything a result depends on ({@link sourcesDigest} and
 *   offline/batch/run.ts): a changed input is a new key, never a stale hit.
 * - Concurrent runs: entries are written to a temporary file and renamed into place (atomic on one
 *   file system), so a reader sees a whole entry or none; an unreadable entry is a miss.
 * - Bounded: after a run, the least recently used entries beyond `maxEntries` are deleted (a hit
 *   refreshes an entry's time).
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The repository root. */
export const REPO_ROOT = path.join(__dirname, "..", "..");

// The one definition of where the cache lives is in ./tsload.js, which runs before any TypeScript.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tsload = require("./tsload.js") as { cacheRoot(env: NodeJS.ProcessEnv): string };

/** The default cache directory (`.cache/offline/` at the repository root, ignored by git). */
export const DEFAULT_CACHE_DIR = tsload.cacheRoot({});

/** Entries kept per store after a run: five full 1,000-tenant runs (two environments each). */
export const DEFAULT_MAX_ENTRIES = 10_000;

/** The cache directory: `PLATFORM_OFFLINE_CACHE` when set, else {@link DEFAULT_CACHE_DIR}. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return tsload.cacheRoot(env);
}

/** SHA-256 (hex) of a value's canonical JSON (object keys sorted, so equal values hash equal). */
export function digestOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** JSON with object keys sorted at every level; undefined members left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/** One content-addressed store of JSON values. */
export class ResultCache {
  private readonly dir: string;

  constructor(
    root: string,
    private readonly maxEntries: number = DEFAULT_MAX_ENTRIES,
  ) {
    this.dir = path.join(root, "results");
  }

  private fileOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) {
      throw new Error(`cache key "${key}" is not a SHA-256 hex digest`);
    }
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The value stored under `key`, or undefined (a missing or unreadable entry is a miss). */
  get<T>(key: string): T | undefined {
    const file = this.fileOf(key);
    try {
      const value = JSON.parse(fs.readFileSync(file, "utf8")) as { key: string; value: T };
      if (value.key !== key) {
        return undefined;
      }
      const now = new Date();
      fs.utimesSync(file, now, now);
      return value.value;
    } catch {
      return undefined;
    }
  }

  /** Stores `value` under `key`, atomically (a temporary file renamed into place). */
  put(key: string, value: unknown): void {
    const file = this.fileOf(key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ key, value }));
    fs.renameSync(temp, file);
  }

  /**
   * Deletes the least recently used entries beyond the bound, and temporary files older than an
   * hour (a run that died between write and rename).
   * @returns how many files were deleted.
   */
  prune(): number {
    const entries: { file: string; mtime: number }[] = [];
    let deleted = 0;
    const hourAgo = Date.now() - 3600_000;
    let shards: string[];
    try {
      shards = fs.readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const shard of shards) {
      const sub = path.join(this.dir, shard);
      let names: string[];
      try {
        names = fs.readdirSync(sub);
      } catch {
        continue;
      }
      for (const name of names) {
        const file = path.join(sub, name);
        try {
          const mtime = fs.statSync(file).mtimeMs;
          if (name.endsWith(".tmp")) {
            if (mtime < hourAgo) {
              fs.rmSync(file, { force: true });
              deleted++;
            }
          } else {
            entries.push({ file, mtime });
          }
        } catch {
          // deleted by a concurrent prune
        }
      }
    }
    if (entries.length > this.maxEntries) {
      entries.sort((a, b) => a.mtime - b.mtime);
      for (const { file } of entries.slice(0, entries.length - this.maxEntries)) {
        fs.rmSync(file, { force: true });
        deleted++;
      }
    }
    return deleted;
  }
}

/** Directories and files never part of a source digest. */
const IGNORED = new Set(["node_modules", ".git", "dist", "coverage", ".cache", ".pulumi-state"]);

/** Every file under `roots` (relative to `root`, sorted), tests and `excluded` prefixes left out. */
export function sourceFiles(
  roots: readonly string[],
  excluded: readonly string[] = [],
  root: string = REPO_ROOT,
): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    const abs = path.join(root, relative);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      return; // an optional root that does not exist
    }
    if (excluded.some((e) => relative === e || relative.startsWith(`${e}/`))) {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) {
        if (!IGNORED.has(name)) {
          walk(relative ? `${relative}/${name}` : name);
        }
      }
    } else if (stat.isFile() && !/\.test\.ts$/.test(relative)) {
      out.push(relative);
    }
  };
  for (const root of roots) {
    walk(root);
  }
  return [...new Set(out)].sort();
}

/** SHA-256 over the names and contents of `files` (relative to `root`, or absolute). */
export function sourcesDigest(files: readonly string[], root: string = REPO_ROOT): string {
  const hash = createHash("sha256");
  for (const file of files) {
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.resolve(root, file)))
      .update("\0");
  }
  return hash.digest("hex");
}
