/**
 * The tier catalog (DESIGN.md, "Tiers"): what each tier gets by default and the limits a tenant's
 * sizing overrides must stay within. The tenant program, the spec schema and the policy pack all
 * read this one module, so they cannot disagree.
 *
 * Everything here is plain frozen data plus pure functions: no Pulumi import, so the policy pack
 * and the CLI can load it cheaply.
 */
import { Environment, ENVIRONMENT_PROFILES, LOG_RETENTION_DAYS } from "./environments";
import { FARGATE_TASK_SIZES, isValidFargateSize } from "./fargate";
import { deepFreeze } from "./freeze";
import { formatProblems, notOneOf, Problem, problemText, show } from "./problems";

export { FARGATE_TASK_SIZES, isValidFargateSize } from "./fargate";

/** Every tier, smallest first. */
export const TIER_NAMES = ["trial", "standard", "enterprise"] as const;

/** One of {@link TIER_NAMES}. */
export type Tier = (typeof TIER_NAMES)[number];

/** True when `value` names a tier. */
export function isTier(value: unknown): value is Tier {
  return typeof value === "string" && (TIER_NAMES as readonly string[]).includes(value);
}

/** The Fargate task of a tier. */
export interface TaskProfile {
  /** Task CPU units (1024 = 1 vCPU). */
  readonly cpu: number;
  /** Task memory in MiB; with `cpu` a valid Fargate pair. */
  readonly memory: number;
  /** Tasks running normally; also the autoscaling minimum. */
  readonly desiredCount: number;
  /** Autoscaling maximum. */
  readonly maxCount: number;
}

/** The RDS PostgreSQL instance of a tier. */
export interface DatabaseProfile {
  readonly instanceClass: string;
  readonly allocatedStorageGb: number;
  readonly multiAz: boolean;
  readonly backupRetentionDays: number;
  /** Performance Insights (encrypted with the tenant's key); only on classes that support it. */
  readonly performanceInsights: boolean;
}

/** The ElastiCache Redis replication group of a tier, or none (explicit, never a magic string). */
export type CacheProfile =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly nodeType: string;
      /** Nodes in the replication group: primary plus replicas. */
      readonly numCacheClusters: number;
      readonly automaticFailover: boolean;
      readonly multiAz: boolean;
    };

/**
 * Alarm thresholds of a tier (issue 11, item 8): where tiers differ, it is here, as data. The tenant
 * program turns them into CloudWatch alarms and shows them on the tenant's dashboard.
 */
export interface AlarmProfile {
  /** Average service CPU and memory, percent, for 3 minutes. */
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  /** 5xx answers from the tasks as a share of all requests, percent, over 5 minutes... */
  readonly target5xxRatePercent: number;
  /** ...counted only when at least this many requests came in those 5 minutes (no noise at night). */
  readonly target5xxMinRequests: number;
  /** p99 target response time, seconds, for 3 periods of 5 minutes. */
  readonly p99ResponseTimeSeconds: number;
  /** Average RDS CPU, percent, for 3 periods of 5 minutes. */
  readonly dbCpuPercent: number;
  /** Free RDS storage below this share of the allocated storage, percent. */
  readonly dbFreeStoragePercent: number;
  /** Connections at or above this share of the instance class's max_connections, percent. */
  readonly dbConnectionsPercent: number;
  /** Redis memory used, percent, per node (tiers with a cache; ignored otherwise). */
  readonly cacheMemoryPercent: number;
  /** Keys evicted in 5 minutes, per node (tiers with a cache; ignored otherwise). */
  readonly cacheEvictions: number;
}

/** The bounds a tenant's sizing overrides must stay within. The policy pack checks the same ones. */
export interface TierLimits {
  /** Task CPU units: at least this... */
  readonly minTaskCpu: number;
  /** ...and at most this (1024 = 1 vCPU). */
  readonly maxTaskCpu: number;
  /** Task memory in MiB, at most (the pair must also be a valid Fargate pair). */
  readonly maxTaskMemory: number;
  /** Desired task count (and autoscaling minimum), at least. */
  readonly minDesiredCount: number;
  /** Desired task count, at most. */
  readonly maxDesiredCount: number;
  /** Autoscaling maximum, at most. */
  readonly maxTaskCount: number;
  /** RDS instance classes the tier may use. */
  readonly allowedDbInstanceClasses: readonly string[];
  /** RDS allocated storage in GiB, at least (RDS gp3 minimum is 20)... */
  readonly minAllocatedStorageGb: number;
  /** ...and at most. */
  readonly maxAllocatedStorageGb: number;
  /** RDS backup retention, at least (days). */
  readonly minBackupRetentionDays: number;
  /** Whether the database must be Multi-AZ. */
  readonly requireMultiAz: boolean;
  /** ElastiCache node types the tier may use; empty when the tier has no cache. */
  readonly allowedCacheNodeTypes: readonly string[];
  /** ElastiCache nodes per replication group, at most (0 when the tier has no cache). */
  readonly maxCacheNodes: number;
}

/** One tier: its defaults and its limits. */
export interface TierProfile {
  readonly name: Tier;
  /** One line for docs and CLI listings. */
  readonly description: string;
  readonly task: TaskProfile;
  readonly database: DatabaseProfile;
  readonly cache: CacheProfile;
  /** True: the tenant gets its own KMS key; false: it uses the platform key of the base stack. */
  readonly dedicatedKmsKey: boolean;
  /** Log retention in days; the effective value is never below the environment's floor. */
  readonly logRetentionDays: number;
  /**
   * Recovery points of this tier's data stores are copied to the environment's second region in
   * every environment (production copies every tier's: common/environments.ts).
   */
  readonly offRegionBackupCopy: boolean;
  readonly alarms: AlarmProfile;
  readonly limits: TierLimits;
}

const freeze = deepFreeze;

/**
 * The catalog. Defaults are DESIGN.md's table; limits are ours (docs/tenant-stack.md, "Tiers").
 * Frozen: a change here is a design change.
 */
export const TIERS: Readonly<Record<Tier, TierProfile>> = freeze({
  trial: {
    name: "trial",
    description: "Evaluation: one small task, a micro database, no cache, platform key.",
    task: { cpu: 256, memory: 512, desiredCount: 1, maxCount: 2 },
    database: {
      instanceClass: "db.t4g.micro",
      allocatedStorageGb: 20,
      multiAz: false,
      backupRetentionDays: 1,
      performanceInsights: false,
    },
    cache: { enabled: false },
    dedicatedKmsKey: false,
    logRetentionDays: 30,
    offRegionBackupCopy: false,
    alarms: {
      cpuPercent: 85,
      memoryPercent: 85,
      target5xxRatePercent: 10,
      target5xxMinRequests: 50,
      p99ResponseTimeSeconds: 5,
      dbCpuPercent: 90,
      dbFreeStoragePercent: 10,
      dbConnectionsPercent: 75,
      cacheMemoryPercent: 85,
      cacheEvictions: 1000,
    },
    limits: {
      minTaskCpu: 256,
      maxTaskCpu: 512,
      maxTaskMemory: 1024,
      minDesiredCount: 1,
      maxDesiredCount: 2,
      maxTaskCount: 2,
      allowedDbInstanceClasses: ["db.t4g.micro", "db.t4g.small"],
      minAllocatedStorageGb: 20,
      maxAllocatedStorageGb: 50,
      minBackupRetentionDays: 1,
      requireMultiAz: false,
      allowedCacheNodeTypes: [],
      maxCacheNodes: 0,
    },
  },
  standard: {
    name: "standard",
    description: "Production workloads: two tasks, a small database, a one-node cache, platform key.",
    task: { cpu: 512, memory: 1024, desiredCount: 2, maxCount: 6 },
    database: {
      instanceClass: "db.t4g.small",
      allocatedStorageGb: 50,
      multiAz: false,
      backupRetentionDays: 7,
      performanceInsights: false,
    },
    cache: {
      enabled: true,
      nodeType: "cache.t4g.micro",
      numCacheClusters: 1,
      automaticFailover: false,
      multiAz: false,
    },
    dedicatedKmsKey: false,
    logRetentionDays: 90,
    offRegionBackupCopy: false,
    alarms: {
      cpuPercent: 85,
      memoryPercent: 85,
      target5xxRatePercent: 5,
      target5xxMinRequests: 50,
      p99ResponseTimeSeconds: 2,
      dbCpuPercent: 85,
      dbFreeStoragePercent: 10,
      dbConnectionsPercent: 75,
      cacheMemoryPercent: 85,
      cacheEvictions: 1000,
    },
    limits: {
      minTaskCpu: 256,
      maxTaskCpu: 2048,
      maxTaskMemory: 4096,
      minDesiredCount: 1,
      maxDesiredCount: 6,
      maxTaskCount: 10,
      allowedDbInstanceClasses: ["db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large"],
      minAllocatedStorageGb: 20,
      maxAllocatedStorageGb: 200,
      minBackupRetentionDays: 7,
      requireMultiAz: false,
      allowedCacheNodeTypes: ["cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium"],
      maxCacheNodes: 1,
    },
  },
  enterprise: {
    name: "enterprise",
    description: "Isolation and availability: Multi-AZ database, cache with failover, dedicated KMS key.",
    task: { cpu: 1024, memory: 2048, desiredCount: 3, maxCount: 20 },
    database: {
      instanceClass: "db.m7g.large",
      allocatedStorageGb: 100,
      multiAz: true,
      backupRetentionDays: 35,
      performanceInsights: true,
    },
    cache: {
      enabled: true,
      nodeType: "cache.m7g.large",
      numCacheClusters: 2,
      automaticFailover: true,
      multiAz: true,
    },
    dedicatedKmsKey: true,
    logRetentionDays: 365,
    offRegionBackupCopy: true,
    alarms: {
      cpuPercent: 80,
      memoryPercent: 80,
      target5xxRatePercent: 2,
      target5xxMinRequests: 50,
      p99ResponseTimeSeconds: 1,
      dbCpuPercent: 80,
      dbFreeStoragePercent: 15,
      dbConnectionsPercent: 70,
      cacheMemoryPercent: 80,
      cacheEvictions: 100,
    },
    limits: {
      minTaskCpu: 512,
      maxTaskCpu: 4096,
      maxTaskMemory: 16384,
      minDesiredCount: 2,
      maxDesiredCount: 20,
      maxTaskCount: 50,
      allowedDbInstanceClasses: [
        "db.m7g.large",
        "db.m7g.xlarge",
        "db.m7g.2xlarge",
        "db.r7g.large",
        "db.r7g.xlarge",
        "db.r7g.2xlarge",
      ],
      minAllocatedStorageGb: 100,
      maxAllocatedStorageGb: 1000,
      minBackupRetentionDays: 35,
      requireMultiAz: true,
      allowedCacheNodeTypes: ["cache.m7g.large", "cache.m7g.xlarge", "cache.r7g.large", "cache.r7g.xlarge"],
      maxCacheNodes: 2,
    },
  },
});

/**
 * Memory of every RDS instance class a tier allows, GiB (the RDS instance class table). Tiers may
 * only allow classes listed here: the connections alarm is derived from it (common.test.ts checks).
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html
 */
export const DB_INSTANCE_CLASS_MEMORY_GIB: Readonly<Record<string, number>> = freeze({
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.t4g.large": 8,
  "db.m7g.large": 8,
  "db.m7g.xlarge": 16,
  "db.m7g.2xlarge": 32,
  "db.r7g.large": 16,
  "db.r7g.xlarge": 32,
  "db.r7g.2xlarge": 64,
});

/**
 * RDS for PostgreSQL's default `max_connections`, `LEAST(DBInstanceClassMemory / 9531392, 5000)`,
 * from the class's nominal memory. The instance's real value is somewhat lower (RDS subtracts the
 * memory its own processes use), so an alarm at a share of this fires a little later than the
 * share suggests; the tiers' `dbConnectionsPercent` allow for that.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections
 * @throws for a class not in {@link DB_INSTANCE_CLASS_MEMORY_GIB}.
 */
export function postgresMaxConnections(instanceClass: string): number {
  const gib = DB_INSTANCE_CLASS_MEMORY_GIB[instanceClass];
  if (gib === undefined) {
    throw new Error(
      `dbInstanceClass: ${JSON.stringify(instanceClass)} has no memory size in DB_INSTANCE_CLASS_MEMORY_GIB; ` +
        `known: ${Object.keys(DB_INSTANCE_CLASS_MEMORY_GIB).join(", ")}`,
    );
  }
  return Math.min(Math.floor((gib * 2 ** 30) / 9531392), 5000);
}

/**
 * The tiers whose recovery points an environment copies to its second region: every tier where
 * the environment says so (production), else those whose catalog entry asks for it (enterprise).
 */
export function offRegionCopyTiers(environment: Environment): "all" | readonly Tier[] {
  return ENVIRONMENT_PROFILES[environment].backupCopyAllTiers
    ? "all"
    : TIER_NAMES.filter((tier) => TIERS[tier].offRegionBackupCopy);
}

/**
 * Why `cpu`/`memory` is not a Fargate task size, blamed on the value that is wrong: a cpu that is no
 * Fargate CPU value at all; else the memory when the spec sets it; else the cpu, which does not fit
 * the tier's default memory.
 */
function fargatePairProblem(tier: Tier, overrides: SizingOverrides, cpu: number, memory: number): Problem {
  const cpus = Object.keys(FARGATE_TASK_SIZES).join(", ");
  const withCpu = FARGATE_TASK_SIZES[cpu];
  const problem = (field: "cpu" | "memory", value: number, message: string): Problem => ({
    path: `sizing.${field}`,
    value,
    message: `${show(value)} ${message}`,
  });
  if (!withCpu) {
    // The tiers' default cpu values are all Fargate values: this cpu is the spec's.
    return problem("cpu", cpu, `is not a Fargate CPU value; allowed: ${cpus}`);
  }
  const fits = `memory allowed with cpu ${cpu}: ${withCpu.join(", ")} MiB`;
  return overrides.memory !== undefined
    ? problem("memory", memory, `is not a valid Fargate task size with cpu ${cpu}; ${fits}`)
    : problem(
        "cpu",
        cpu,
        `does not fit the ${tier} tier's default memory ${memory} MiB; set sizing.memory too (${fits})`,
      );
}

/** A tenant's sizing overrides; every field optional, each replacing the tier's default. */
export interface SizingOverrides {
  /** Task CPU units. */
  readonly cpu?: number;
  /** Task memory, MiB. */
  readonly memory?: number;
  readonly desiredCount?: number;
  /** Autoscaling maximum. */
  readonly maxCount?: number;
  readonly dbInstanceClass?: string;
  readonly dbAllocatedStorageGb?: number;
  /** Only for tiers with a cache. */
  readonly cacheNodeType?: string;
  /** Longer than the tier's retention only; must be a CloudWatch Logs retention value. */
  readonly logRetentionDays?: number;
}

/** The override fields, in the order errors are reported. */
export const SIZING_OVERRIDE_KEYS = [
  "cpu",
  "memory",
  "desiredCount",
  "maxCount",
  "dbInstanceClass",
  "dbAllocatedStorageGb",
  "cacheNodeType",
  "logRetentionDays",
] as const satisfies readonly (keyof SizingOverrides)[];

/** What {@link effectiveSizing} needs from a tenant spec. */
export interface SizedSpec {
  readonly tier: Tier;
  readonly sizing?: SizingOverrides;
}

/**
 * Every problem with `overrides` for `tier`, each naming the field (`sizing.<field>`), the value and
 * what the tier allows; empty when they fit. Also checks the resulting task size is a Fargate pair
 * and that the autoscaling maximum is not below the desired count.
 */
export function sizingProblems(tier: Tier, overrides: SizingOverrides = {}): Problem[] {
  const profile = TIERS[tier];
  const l = profile.limits;
  const problems: Problem[] = [];
  const at = (field: string, value: unknown, what: string) =>
    problems.push({ path: `sizing.${field}`, value, message: `${show(value)} ${what}` });
  const within = (field: keyof SizingOverrides, min: number, max: number, unit: string) => {
    const v = overrides[field];
    if (typeof v === "number" && (v < min || v > max)) {
      at(field, v, `is outside the ${tier} tier's limits: ${min} to ${max}${unit}`);
    }
  };

  within("cpu", l.minTaskCpu, l.maxTaskCpu, " CPU units");
  within("memory", 512, l.maxTaskMemory, " MiB");
  within("desiredCount", l.minDesiredCount, l.maxDesiredCount, " tasks");
  within("maxCount", 1, l.maxTaskCount, " tasks");
  within("dbAllocatedStorageGb", l.minAllocatedStorageGb, l.maxAllocatedStorageGb, " GiB");

  const cpu = overrides.cpu ?? profile.task.cpu;
  const memory = overrides.memory ?? profile.task.memory;
  if (!isValidFargateSize(cpu, memory)) {
    problems.push(fargatePairProblem(tier, overrides, cpu, memory));
  }
  const desired = overrides.desiredCount ?? profile.task.desiredCount;
  const max = overrides.maxCount ?? profile.task.maxCount;
  if (max < desired) {
    at(
      overrides.maxCount !== undefined ? "maxCount" : "desiredCount",
      overrides.maxCount ?? overrides.desiredCount,
      `leaves the autoscaling maximum (${max}) below the desired count (${desired})`,
    );
  }
  if (
    overrides.dbInstanceClass !== undefined &&
    !l.allowedDbInstanceClasses.includes(overrides.dbInstanceClass)
  ) {
    at(
      "dbInstanceClass",
      overrides.dbInstanceClass,
      `is not allowed for the ${tier} tier; allowed: ${l.allowedDbInstanceClasses.join(", ")}`,
    );
  }
  if (overrides.cacheNodeType !== undefined && !l.allowedCacheNodeTypes.includes(overrides.cacheNodeType)) {
    at(
      "cacheNodeType",
      overrides.cacheNodeType,
      profile.cache.enabled
        ? `is not allowed for the ${tier} tier; allowed: ${l.allowedCacheNodeTypes.join(", ")}`
        : `is not allowed: the ${tier} tier has no cache`,
    );
  }
  const retention = overrides.logRetentionDays;
  if (retention !== undefined) {
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
      at(
        "logRetentionDays",
        retention,
        `is not a CloudWatch Logs retention value; allowed: ${LOG_RETENTION_DAYS.join(", ")}`,
      );
    } else if (retention < profile.logRetentionDays) {
      at(
        "logRetentionDays",
        retention,
        `is below the ${tier} tier's ${profile.logRetentionDays} days; overrides may only keep logs longer`,
      );
    }
  }
  return problems;
}

/** The final sizing of one tenant in one environment: tier defaults, overrides, environment rules. */
export interface EffectiveSizing {
  readonly tier: Tier;
  readonly environment: Environment;
  readonly task: TaskProfile;
  readonly database: DatabaseProfile & {
    /** Deletion protection and a final snapshot, from the environment. */
    readonly deletionProtection: boolean;
    /**
     * Storage autoscaling ceiling, GiB: the tier's `maxAllocatedStorageGb` limit; undefined (no
     * autoscaling) when the allocated storage already is at that limit (RDS wants the ceiling above it).
     */
    readonly maxAllocatedStorageGb?: number;
  };
  readonly cache: CacheProfile;
  readonly dedicatedKmsKey: boolean;
  /** Whether recovery points are copied to the environment's second region (tier or environment). */
  readonly offRegionBackupCopy: boolean;
  /** The tier's thresholds, plus the two that depend on the sizing. */
  readonly alarms: AlarmProfile & {
    /** `dbConnectionsPercent` of the instance class's max_connections, rounded down. */
    readonly dbConnections: number;
    /** `dbFreeStoragePercent` of the allocated storage, bytes. */
    readonly dbFreeStorageBytes: number;
  };
  /** max(tier or override, environment floor), rounded up to a CloudWatch Logs retention value. */
  readonly logRetentionDays: number;
}

/** The smallest CloudWatch Logs retention value that is at least `days`. */
export function retentionAtLeast(days: number): number {
  return LOG_RETENTION_DAYS.find((d) => d >= days) ?? LOG_RETENTION_DAYS[LOG_RETENTION_DAYS.length - 1];
}

/**
 * The sizing a tenant gets in `environment`: the tier's defaults with the spec's overrides applied,
 * log retention raised to the environment's floor, deletion protection from the environment.
 * @throws listing every override outside the tier's limits (specs parsed by `parseTenantSpec` never do).
 */
export function effectiveSizing(spec: SizedSpec, environment: Environment): EffectiveSizing {
  const profile = TIERS[spec.tier];
  if (!profile) {
    throw new Error(problemText(notOneOf("tier", spec.tier, TIER_NAMES)));
  }
  const o = spec.sizing ?? {};
  const problems = sizingProblems(spec.tier, o);
  if (problems.length > 0) {
    throw new Error(formatProblems(`sizing overrides outside the ${spec.tier} tier's limits`, problems));
  }
  const env = ENVIRONMENT_PROFILES[environment];
  const instanceClass = o.dbInstanceClass ?? profile.database.instanceClass;
  const allocatedStorageGb = o.dbAllocatedStorageGb ?? profile.database.allocatedStorageGb;
  const ceiling = profile.limits.maxAllocatedStorageGb;
  return freeze({
    tier: spec.tier,
    environment,
    task: {
      cpu: o.cpu ?? profile.task.cpu,
      memory: o.memory ?? profile.task.memory,
      desiredCount: o.desiredCount ?? profile.task.desiredCount,
      maxCount: o.maxCount ?? profile.task.maxCount,
    },
    database: {
      ...profile.database,
      instanceClass,
      allocatedStorageGb,
      deletionProtection: env.deletionProtection,
      ...(ceiling > allocatedStorageGb ? { maxAllocatedStorageGb: ceiling } : {}),
    },
    cache:
      profile.cache.enabled && o.cacheNodeType
        ? { ...profile.cache, nodeType: o.cacheNodeType }
        : { ...profile.cache },
    dedicatedKmsKey: profile.dedicatedKmsKey,
    offRegionBackupCopy: profile.offRegionBackupCopy || env.backupCopyAllTiers,
    alarms: {
      ...profile.alarms,
      dbConnections: Math.floor(
        (postgresMaxConnections(instanceClass) * profile.alarms.dbConnectionsPercent) / 100,
      ),
      dbFreeStorageBytes: Math.floor(
        (allocatedStorageGb * 2 ** 30 * profile.alarms.dbFreeStoragePercent) / 100,
      ),
    },
    logRetentionDays: retentionAtLeast(
      Math.max(o.logRetentionDays ?? profile.logRetentionDays, env.logRetentionFloorDays),
    ),
  });
}

/**
 * The stack config key holding a tenant stack's spec, as JSON (tenants/config.ts reads it in the
 * program; the automation service and the pull-request workflow set it; the policy pack reads the
 * stack's tier from it).
 */
export const TENANT_SPEC_CONFIG_KEY = "tenant:spec";

/**
 * The tier a tenant stack runs at, from its stack config (`tenant:spec`'s `tier`), or a problem
 * naming the key and what is wrong. Only the tier is read: the spec itself is validated by the
 * program (tenants/spec.ts), which refuses to run with an invalid one.
 */
export function tierOfStackConfig(
  config: Readonly<Record<string, string>>,
): { tier: Tier; problem?: undefined } | { tier?: undefined; problem: string } {
  const raw = config[TENANT_SPEC_CONFIG_KEY];
  if (raw === undefined) {
    return { problem: `the stack has no ${TENANT_SPEC_CONFIG_KEY} config, so its tier is unknown` };
  }
  let tier: unknown;
  try {
    tier = (JSON.parse(raw) as { tier?: unknown } | null)?.tier;
  } catch {
    return { problem: `the stack's ${TENANT_SPEC_CONFIG_KEY} config is not JSON, so its tier is unknown` };
  }
  if (!isTier(tier)) {
    return {
      problem: `the stack's ${TENANT_SPEC_CONFIG_KEY} config has tier ${tier === undefined ? "unset" : JSON.stringify(tier)}; it must be one of ${TIER_NAMES.join(", ")}`,
    };
  }
  return { tier };
}

/**
 * How often drift detection runs for a tier's tenant stacks, in hours (docs/rollouts.md, "Drift on
 * a schedule"): the drift scheduler (automation/drift/schedule.ts) and the scheduled workflow
 * (.github/workflows/drift.yml, checked against this table by its test) read it. Each cadence
 * divides 24, so its runs fall on the same UTC hours every day.
 */
export const DRIFT_CADENCE_HOURS: Readonly<Record<Tier, number>> = Object.freeze({
  trial: 24,
  standard: 6,
  enterprise: 1,
});
