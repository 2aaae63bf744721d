/**
 * The control plane's settings, from the environment, parsed once into a frozen object; every
 * problem is reported at once, naming the variable, the value and what is allowed.
 */
import * as path from "path";
import { tenantIdProblemsAt } from "../../common";
import { REPO_ROOT } from "../settings";
import { FieldProblem } from "./problems";

/** The service's settings. */
export interface ControlConfig {
  /** @default 127.0.0.1 (HOST) */
  readonly host: string;
  /** @default 8080 (PORT) */
  readonly port: number;
  /** @default `<repo>/.platform` (PLATFORM_DATA_DIR) */
  readonly dataDir: string;
  /** Postgres instead of SQLite (DATABASE_URL). */
  readonly databaseUrl?: string;
  /** @default 4 (PLATFORM_CONCURRENCY) */
  readonly concurrency: number;
  /** @default 30000 (PLATFORM_LEASE_MS) */
  readonly leaseMs: number;
  /** @default 30000 (PLATFORM_DRAIN_MS) */
  readonly drainMs: number;
  /** Requests per token per minute. @default 600 (PLATFORM_RATE_LIMIT) */
  readonly rateLimit: number;
  /** @default 65536 (PLATFORM_BODY_LIMIT) */
  readonly bodyLimit: number;
  /** Drift on a schedule per tier (driftSchedule.ts). @default true (PLATFORM_DRIFT_SCHEDULE=on|off) */
  readonly driftSchedule: boolean;
  /**
   * Tenants whose scheduled drift is remediated by an update with the stored spec; nobody else's
   * is. @default none (PLATFORM_DRIFT_REMEDIATE=<id>,<id>)
   */
  readonly driftRemediate: readonly string[];
}

/** Variables and their defaults. */
const WHOLE: readonly [keyof ControlConfig, string, number, number, number][] = [
  ["port", "PORT", 8080, 0, 65535],
  ["concurrency", "PLATFORM_CONCURRENCY", 4, 1, 64],
  ["leaseMs", "PLATFORM_LEASE_MS", 30_000, 1000, 3_600_000],
  ["drainMs", "PLATFORM_DRAIN_MS", 30_000, 0, 3_600_000],
  ["rateLimit", "PLATFORM_RATE_LIMIT", 600, 1, 1_000_000],
  ["bodyLimit", "PLATFORM_BODY_LIMIT", 65_536, 1024, 10_485_760],
];

/** The settings, or every problem. */
export function readControlConfig(
  env: NodeJS.ProcessEnv = process.env,
): { config: ControlConfig; problems?: undefined } | { config?: undefined; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const numbers: Record<string, number> = {};
  for (const [key, name, fallback, min, max] of WHOLE) {
    const raw = env[name];
    const n = raw === undefined || raw === "" ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push({
        path: name,
        value: raw,
        message: `${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`,
      });
    }
    numbers[key] = n;
  }
  // The control plane runs the real programs only (on the cloud double or AWS, PLATFORM_CLOUD);
  // a leftover PLATFORM_TENANT_PROGRAM=test of the old stand-in is refused, not ignored.
  const program = env.PLATFORM_TENANT_PROGRAM;
  if (program !== undefined && program !== "" && program !== "real") {
    problems.push({
      path: "PLATFORM_TENANT_PROGRAM",
      value: program,
      allowed: ["real"],
      message: `${JSON.stringify(program)} is not real: the control plane runs the real tenant program (PLATFORM_CLOUD=double for the cloud double)`,
    });
  }
  const schedule = env.PLATFORM_DRIFT_SCHEDULE || "on";
  if (schedule !== "on" && schedule !== "off") {
    problems.push({
      path: "PLATFORM_DRIFT_SCHEDULE",
      value: schedule,
      allowed: ["on", "off"],
      message: `${JSON.stringify(schedule)} is not one of on, off`,
    });
  }
  const remediate = (env.PLATFORM_DRIFT_REMEDIATE ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  for (const id of remediate) {
    for (const p of tenantIdProblemsAt("PLATFORM_DRIFT_REMEDIATE", id)) problems.push(p);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push({
      path: "DATABASE_URL",
      message: "is not a postgres:// URL (unset it for the SQLite store)",
    });
  }
  if (problems.length > 0) return { problems };
  return {
    config: Object.freeze({
      host: env.HOST || "127.0.0.1",
      dataDir: path.resolve(env.PLATFORM_DATA_DIR || path.join(REPO_ROOT, ".platform")),
      ...(databaseUrl ? { databaseUrl } : {}),
      driftSchedule: schedule === "on",
      driftRemediate: Object.freeze(remediate),
      ...(numbers as Pick<
        ControlConfig,
        "port" | "concurrency" | "leaseMs" | "drainMs" | "rateLimit" | "bodyLimit"
      >),
    }),
  };
}
