/**
 * Pure logic of the tenant stack: the tier catalog, the spec schema, the registry, the stack config
 * and listener priorities. No Pulumi program runs here (program.test.ts records them).
 */
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOG_RETENTION_DAYS } from "../common";
import { problemLines, valueOrThrow } from "../common";
import {
  parseTenantConfig as readTenantConfig,
  RawTenantConfig,
  specFromConfigValue,
  stackConfig,
  TENANT_CONFIG_KEYS,
  tenantStackName,
} from "./contract";
import {
  loadRegistry,
  readSpec,
  REGISTRY_DIR,
  RegistryError,
  removeEnvironment,
  specDisplayPath,
  specPath,
  specToYaml,
  writeSpec,
} from "./registry";
import { derivedListenerPriority, LISTENER_PRIORITY_RANGE, listenerPriority } from "./routing";
import {
  healthCheckPathOf,
  migrateCommandOf,
  isParsedTenantSpec,
  parseTenantSpec,
  tenantHostname,
  TenantSpec,
  TenantSpecError,
  tenantSpecProblems,
} from "./spec";
import {
  effectiveSizing,
  FARGATE_TASK_SIZES,
  isValidFargateSize,
  postgresMaxConnections,
  retentionAtLeast,
  SizingOverrides,
  sizingProblems,
  TIER_NAMES,
  TIERS,
} from "../common";

/** A valid spec; each error test changes one thing. */
const VALID = Object.freeze({
  id: "acme",
  displayName: "Acme Corporation",
  tier: "standard",
  environments: ["staging", "production"],
  owner: "team@acme.example.com",
  costCenter: "CC-4100",
  dataClassification: "confidential",
  imageTag: "1.4.2",
});

function problemsOf(raw: unknown): string[] {
  try {
    parseTenantSpec(raw, "test.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(TenantSpecError);
    return problemLines((error as TenantSpecError).problems);
  }
  return [];
}

const withField = (field: string, value: unknown) => ({ ...VALID, [field]: value });
const withSizing = (sizing: Record<string, unknown>, tier: string = VALID.tier) => ({
  ...VALID,
  tier,
  sizing,
});

describe("tier catalog", () => {
  it("matches DESIGN.md's tiers table", () => {
    expect(TIER_NAMES).toEqual(["trial", "standard", "enterprise"]);
    expect(TIERS.trial.task).toEqual({ cpu: 256, memory: 512, desiredCount: 1, maxCount: 2 });
    expect(TIERS.standard.task).toEqual({ cpu: 512, memory: 1024, desiredCount: 2, maxCount: 6 });
    expect(TIERS.enterprise.task).toEqual({ cpu: 1024, memory: 2048, desiredCount: 3, maxCount: 20 });
    expect(TIERS.trial.database).toMatchObject({
      instanceClass: "db.t4g.micro",
      allocatedStorageGb: 20,
      multiAz: false,
      backupRetentionDays: 1,
    });
    expect(TIERS.standard.database).toMatchObject({
      instanceClass: "db.t4g.small",
      allocatedStorageGb: 50,
      multiAz: false,
      backupRetentionDays: 7,
    });
    expect(TIERS.enterprise.database).toMatchObject({
      instanceClass: "db.m7g.large",
      allocatedStorageGb: 100,
      multiAz: true,
      backupRetentionDays: 35,
    });
    expect(TIERS.trial.cache).toEqual({ enabled: false });
    expect(TIERS.standard.cache).toEqual({
      enabled: true,
      nodeType: "cache.t4g.micro",
      numCacheClusters: 1,
      automaticFailover: false,
      multiAz: false,
    });
    expect(TIERS.enterprise.cache).toEqual({
      enabled: true,
      nodeType: "cache.m7g.large",
      numCacheClusters: 2,
      automaticFailover: true,
      multiAz: true,
    });
    expect(TIER_NAMES.map((t) => TIERS[t].dedicatedKmsKey)).toEqual([false, false, true]);
    expect(TIER_NAMES.map((t) => TIERS[t].logRetentionDays)).toEqual([30, 90, 365]);
  });

  it("is frozen all the way down", () => {
    expect(Object.isFrozen(TIERS)).toBe(true);
    expect(Object.isFrozen(TIERS.enterprise.limits.allowedDbInstanceClasses)).toBe(true);
    expect(() => ((TIERS.trial.task as { cpu: number }).cpu = 4096)).toThrow(TypeError);
  });

  it.each(TIER_NAMES)("%s: defaults are valid Fargate sizes within the tier's own limits", (tier) => {
    const p = TIERS[tier];
    expect(isValidFargateSize(p.task.cpu, p.task.memory)).toBe(true);
    const defaultsAsOverrides: SizingOverrides = {
      ...p.task,
      dbInstanceClass: p.database.instanceClass,
      dbAllocatedStorageGb: p.database.allocatedStorageGb,
      cacheNodeType: p.cache.enabled ? p.cache.nodeType : undefined,
      logRetentionDays: p.logRetentionDays,
    };
    expect(sizingProblems(tier, defaultsAsOverrides)).toEqual([]);
    expect(p.limits.allowedCacheNodeTypes.length > 0).toBe(p.cache.enabled);
    expect(p.limits.maxCacheNodes).toBe(p.cache.enabled ? p.cache.numCacheClusters : 0);
    expect(p.limits.requireMultiAz).toBe(p.database.multiAz);
    expect(p.limits.minBackupRetentionDays).toBe(p.database.backupRetentionDays);
    expect(LOG_RETENTION_DAYS).toContain(p.logRetentionDays);
  });

  it("knows the Fargate task sizes", () => {
    expect(FARGATE_TASK_SIZES[256]).toEqual([512, 1024, 2048]);
    expect(FARGATE_TASK_SIZES[4096][0]).toBe(8192);
    expect(FARGATE_TASK_SIZES[4096].at(-1)).toBe(30720);
    expect(isValidFargateSize(1024, 2048)).toBe(true);
    expect(isValidFargateSize(1024, 1024)).toBe(false);
    expect(isValidFargateSize(300, 1024)).toBe(false);
  });

  it("effective sizing: overrides, environment floors and deletion protection", () => {
    const trialStaging = effectiveSizing({ tier: "trial" }, "staging");
    expect(trialStaging.logRetentionDays).toBe(30);
    expect(trialStaging.database.deletionProtection).toBe(false);
    const trialProduction = effectiveSizing({ tier: "trial" }, "production");
    // The production floor (90) beats the trial tier's 30 days.
    expect(trialProduction.logRetentionDays).toBe(90);
    expect(trialProduction.database.deletionProtection).toBe(true);
    expect(effectiveSizing({ tier: "enterprise" }, "production").logRetentionDays).toBe(365);
    const sized = effectiveSizing(
      {
        tier: "standard",
        sizing: {
          cpu: 1024,
          memory: 3072,
          maxCount: 10,
          dbInstanceClass: "db.t4g.medium",
          cacheNodeType: "cache.t4g.small",
          logRetentionDays: 180,
        },
      },
      "staging",
    );
    expect(sized.task).toEqual({ cpu: 1024, memory: 3072, desiredCount: 2, maxCount: 10 });
    expect(sized.database.instanceClass).toBe("db.t4g.medium");
    expect(sized.cache).toMatchObject({ enabled: true, nodeType: "cache.t4g.small", numCacheClusters: 1 });
    expect(sized.logRetentionDays).toBe(180);
    expect(Object.isFrozen(sized.task)).toBe(true);
    expect(() => effectiveSizing({ tier: "trial", sizing: { cpu: 4096 } }, "staging")).toThrow(
      "sizing overrides outside the trial tier's limits:\n  - sizing.cpu: 4096 is outside the trial tier's limits: 256 to 512 CPU units",
    );
    expect(() => effectiveSizing({ tier: "gold" as never }, "staging")).toThrow(
      'tier: "gold" is not one of trial, standard, enterprise',
    );
  });

  it("keeps every tier's alarm thresholds and storage ceiling as data, within what AWS allows", () => {
    expect(TIERS.trial.alarms).toMatchObject({ target5xxRatePercent: 10, p99ResponseTimeSeconds: 5 });
    expect(TIERS.standard.alarms).toMatchObject({ target5xxRatePercent: 5, p99ResponseTimeSeconds: 2 });
    expect(TIERS.enterprise.alarms).toMatchObject({ target5xxRatePercent: 2, p99ResponseTimeSeconds: 1 });
    expect([TIERS.trial, TIERS.standard, TIERS.enterprise].map((t) => t.offRegionBackupCopy)).toEqual([
      false,
      false,
      true,
    ]);
    for (const tier of TIER_NAMES) {
      const t = TIERS[tier];
      for (const percent of [
        t.alarms.cpuPercent,
        t.alarms.memoryPercent,
        t.alarms.target5xxRatePercent,
        t.alarms.dbCpuPercent,
        t.alarms.dbFreeStoragePercent,
        t.alarms.dbConnectionsPercent,
        t.alarms.cacheMemoryPercent,
      ]) {
        expect([tier, percent > 0 && percent < 100]).toEqual([tier, true]);
      }
      // Every class a tier allows has a memory size, so its connections alarm can be derived.
      for (const cls of t.limits.allowedDbInstanceClasses) {
        expect([cls, postgresMaxConnections(cls) > 0]).toEqual([cls, true]);
      }
      // The default storage can always autoscale.
      expect(effectiveSizing({ tier }, "staging").database.maxAllocatedStorageGb).toBe(
        t.limits.maxAllocatedStorageGb,
      );
    }
    expect(postgresMaxConnections("db.t4g.micro")).toBe(112);
    expect(postgresMaxConnections("db.m7g.large")).toBe(901);
    expect(postgresMaxConnections("db.r7g.2xlarge")).toBe(5000);
    expect(() => postgresMaxConnections("db.x1e.32xlarge")).toThrow(
      'dbInstanceClass: "db.x1e.32xlarge" has no memory size in DB_INSTANCE_CLASS_MEMORY_GIB',
    );
    // Production copies every tier's recovery points off the region; staging only enterprise's.
    expect(effectiveSizing({ tier: "trial" }, "production").offRegionBackupCopy).toBe(true);
    expect(effectiveSizing({ tier: "trial" }, "staging").offRegionBackupCopy).toBe(false);
    expect(effectiveSizing({ tier: "enterprise" }, "staging").offRegionBackupCopy).toBe(true);
    const sized = effectiveSizing(
      { tier: "standard", sizing: { dbInstanceClass: "db.t4g.large" } },
      "staging",
    );
    expect(sized.alarms).toMatchObject({
      dbConnections: Math.floor(901 * 0.75),
      dbFreeStorageBytes: 5 * 2 ** 30,
    });
  });

  it("rounds retention up to a CloudWatch Logs value", () => {
    expect(retentionAtLeast(14)).toBe(14);
    expect(retentionAtLeast(31)).toBe(60);
    expect(retentionAtLeast(5000)).toBe(3653);
  });

  it("property: any overrides either fail with problems or size within the tier's limits", () => {
    const overrides = fc.record(
      {
        cpu: fc.constantFrom(256, 512, 1024, 2048, 4096, 8192),
        memory: fc.constantFrom(512, 1024, 2048, 3072, 4096, 8192, 16384, 30720),
        desiredCount: fc.integer({ min: 0, max: 60 }),
        maxCount: fc.integer({ min: 0, max: 60 }),
        dbAllocatedStorageGb: fc.integer({ min: 1, max: 2000 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.constantFrom(...TIER_NAMES), overrides, (tier, o) => {
        const problems = sizingProblems(tier, o);
        if (problems.length > 0) {
          expect(() => effectiveSizing({ tier, sizing: o }, "production")).toThrow(/sizing\./);
          return;
        }
        const s = effectiveSizing({ tier, sizing: o }, "production");
        const l = TIERS[tier].limits;
        expect(isValidFargateSize(s.task.cpu, s.task.memory)).toBe(true);
        expect(s.task.cpu).toBeLessThanOrEqual(l.maxTaskCpu);
        expect(s.task.memory).toBeLessThanOrEqual(l.maxTaskMemory);
        expect(s.task.desiredCount).toBeGreaterThanOrEqual(l.minDesiredCount);
        expect(s.task.desiredCount).toBeLessThanOrEqual(Math.min(l.maxDesiredCount, s.task.maxCount));
        expect(s.task.maxCount).toBeLessThanOrEqual(l.maxTaskCount);
        expect(s.database.allocatedStorageGb).toBeLessThanOrEqual(l.maxAllocatedStorageGb);
      }),
      { numRuns: 500 },
    );
  });
});

describe("tenant spec", () => {
  it("parses a valid spec into a frozen object", () => {
    const spec = parseTenantSpec({
      ...VALID,
      environments: ["production", "staging"],
      sizing: { cpu: 1024, memory: 2048 },
    });
    expect(spec).toEqual({
      ...VALID,
      environments: ["staging", "production"],
      sizing: { cpu: 1024, memory: 2048 },
    });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.sizing)).toBe(true);
    expect(Object.isFrozen(spec.environments)).toBe(true);
  });

  it("accepts release tags and digests", () => {
    for (const tag of ["1.4.2", "v2.0.0", "v2.0.0-rc.1", `sha256:${"a".repeat(64)}`]) {
      expect(problemsOf(withField("imageTag", tag))).toEqual([]);
    }
  });

  it("defaults the migration command and the health check path, and keeps what the spec says", () => {
    const defaults = parseTenantSpec(VALID);
    expect(defaults.migrateCommand).toBeUndefined();
    expect(migrateCommandOf(defaults)).toEqual(["migrate"]);
    expect(healthCheckPathOf(defaults)).toBe("/healthz");
    const custom = parseTenantSpec({
      ...VALID,
      migrateCommand: ["bundle", "exec", "rails", "db:migrate"],
      healthCheckPath: "/up",
      cacheTokenRotation: { generation: 3, phase: "set" },
    });
    expect(migrateCommandOf(custom)).toEqual(["bundle", "exec", "rails", "db:migrate"]);
    expect(healthCheckPathOf(custom)).toBe("/up");
    expect(custom.cacheTokenRotation).toEqual({ generation: 3, phase: "set" });
    expect(Object.isFrozen(custom.migrateCommand)).toBe(true);
  });

  it("resolves the host name below each environment's domain", () => {
    expect(tenantHostname({ id: "acme" }, "platform.example.com")).toBe("acme.platform.example.com");
    expect(tenantHostname({ id: "acme", subdomain: "portal" }, "staging.platform.example.com")).toBe(
      "portal.staging.platform.example.com",
    );
  });

  // One test per error path; each message names the field, the value and what is allowed.
  it.each<[string, unknown, string]>([
    ["unknown tier", withField("tier", "gold"), 'tier: "gold" is not one of trial, standard, enterprise'],
    [
      "id too long for the target group name",
      withField("id", "a-very-long-tenant-id-x"),
      'id: tenant id "a-very-long-tenant-id-x" is 23 characters; allowed 3 to 20 (longer ids do not fit the 32-character target group name)',
    ],
    [
      "reserved id",
      withField("id", "admin"),
      'id: tenant id "admin" is reserved; reserved ids: www, api, admin',
    ],
    ["id not a DNS label", withField("id", "Acme_1"), 'id: tenant id "Acme_1" must be a lowercase DNS label'],
    ["id with --", withField("id", "ac--me"), 'id: tenant id "ac--me" must not contain "--"'],
    ["id not a string", withField("id", 42), "id: 42 is not a string"],
    [
      "missing display name",
      withField("displayName", undefined),
      "displayName: is required (a string of 1 to 100 characters)",
    ],
    [
      "blank display name",
      withField("displayName", "  "),
      'displayName: "  " is not a string of 1 to 100 characters',
    ],
    [
      "no environments",
      withField("environments", []),
      "environments: [] is not a non-empty list of staging, production",
    ],
    [
      "unknown environment",
      withField("environments", ["dev"]),
      'environments.0: "dev" is not one of staging, production',
    ],
    [
      "environments not a list",
      withField("environments", "staging"),
      'environments: "staging" is not a list of staging, production',
    ],
    [
      "duplicate environment",
      withField("environments", ["staging", "staging"]),
      'environments: ["staging","staging"] lists staging more than once',
    ],
    [
      "invalid owner tag value",
      withField("owner", "a, b"),
      'owner: tag Owner="a, b" must be 1-256 characters',
    ],
    ["missing cost center", withField("costCenter", undefined), "costCenter: is required (a string)"],
    [
      "unknown data classification",
      withField("dataClassification", "secret"),
      'dataClassification: "secret" is not one of public, internal, confidential, restricted',
    ],
    [
      "moving image tag",
      withField("imageTag", "latest"),
      'imageTag: "latest" is not a release tag (e.g. 1.4.2, v2.0.0-rc.1) or an image digest',
    ],
    ["missing image tag", withField("imageTag", undefined), "imageTag: is required (a release tag"],
    [
      "subdomain with a dot",
      withField("subdomain", "a.b"),
      'subdomain: "a.b" is not one lowercase DNS label',
    ],
    ["reserved subdomain", withField("subdomain", "www"), 'subdomain: "www" is reserved'],
    [
      "listener priority out of range",
      withField("listenerRulePriority", 10),
      "listenerRulePriority: 10 is outside 1000 to 49999 (lower priorities belong to the base stack)",
    ],
    [
      "listener priority not whole",
      withField("listenerRulePriority", 1000.5),
      "listenerRulePriority: 1000.5 is not a whole number",
    ],
    [
      "unknown field",
      withField("tierr", "trial"),
      "tierr: unknown field; allowed fields: id, displayName, tier, environments",
    ],
    [
      "unknown sizing field",
      withSizing({ vcpu: 2 }),
      "sizing.vcpu: unknown field; allowed fields of sizing: cpu, memory",
    ],
    ["sizing not an object", withField("sizing", 3), "sizing: 3 is not an object with some of: cpu, memory"],
    ["sizing value not a number", withSizing({ cpu: "1024" }), 'sizing.cpu: "1024" is not a whole number'],
    [
      "cpu above the tier's limit",
      withSizing({ cpu: 8192, memory: 16384 }, "enterprise"),
      "sizing.cpu: 8192 is outside the enterprise tier's limits: 512 to 4096 CPU units",
    ],
    [
      "memory above the tier's limit",
      withSizing({ cpu: 2048, memory: 8192 }),
      "sizing.memory: 8192 is outside the standard tier's limits: 512 to 4096 MiB",
    ],
    [
      "invalid Fargate pair",
      withSizing({ memory: 512 }),
      "sizing.memory: 512 is not a valid Fargate task size with cpu 512; memory allowed with cpu 512: 1024, 2048, 3072, 4096 MiB",
    ],
    [
      "cpu not a Fargate value, memory set too: the cpu is blamed (issue 10, item 9)",
      { ...VALID, tier: "enterprise", sizing: { cpu: 3072, memory: 8192 } },
      "sizing.cpu: 3072 is not a Fargate CPU value; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384",
    ],
    [
      "a valid cpu that does not fit the tier's default memory: the cpu is blamed, and memory named as the fix",
      { ...VALID, tier: "enterprise", sizing: { cpu: 4096 } },
      "sizing.cpu: 4096 does not fit the enterprise tier's default memory 2048 MiB; set sizing.memory too (memory allowed with cpu 4096: 8192, 9216,",
    ],
    [
      "cpu not a Fargate value",
      withSizing({ cpu: 768 }),
      "sizing.cpu: 768 is not a Fargate CPU value; allowed: 256, 512, 1024",
    ],
    [
      "desired count above the tier's limit",
      withSizing({ desiredCount: 7, maxCount: 8 }),
      "sizing.desiredCount: 7 is outside the standard tier's limits: 1 to 6 tasks",
    ],
    [
      "enterprise desired count below its minimum",
      withSizing({ desiredCount: 1 }, "enterprise"),
      "sizing.desiredCount: 1 is outside the enterprise tier's limits: 2 to 20 tasks",
    ],
    [
      "max count below desired",
      withSizing({ maxCount: 1 }),
      "sizing.maxCount: 1 leaves the autoscaling maximum (1) below the desired count (2)",
    ],
    [
      "max count above the limit",
      withSizing({ maxCount: 11 }),
      "sizing.maxCount: 11 is outside the standard tier's limits: 1 to 10 tasks",
    ],
    [
      "database class not allowed",
      withSizing({ dbInstanceClass: "db.r7g.large" }),
      'sizing.dbInstanceClass: "db.r7g.large" is not allowed for the standard tier; allowed: db.t4g.small, db.t4g.medium, db.t4g.large, db.m7g.large',
    ],
    [
      "storage above the limit",
      withSizing({ dbAllocatedStorageGb: 500 }),
      "sizing.dbAllocatedStorageGb: 500 is outside the standard tier's limits: 20 to 200 GiB",
    ],
    [
      "cache node type on a tier without cache",
      withSizing({ cacheNodeType: "cache.t4g.small" }, "trial"),
      'sizing.cacheNodeType: "cache.t4g.small" is not allowed: the trial tier has no cache',
    ],
    [
      "cache node type not allowed",
      withSizing({ cacheNodeType: "cache.r7g.large" }),
      'sizing.cacheNodeType: "cache.r7g.large" is not allowed for the standard tier; allowed: cache.t4g.micro, cache.t4g.small, cache.t4g.medium',
    ],
    [
      "log retention not a CloudWatch value",
      withSizing({ logRetentionDays: 100 }),
      "sizing.logRetentionDays: 100 is not a CloudWatch Logs retention value; allowed: 1, 3, 5",
    ],
    [
      "log retention below the tier's",
      withSizing({ logRetentionDays: 30 }),
      "sizing.logRetentionDays: 30 is below the standard tier's 90 days; overrides may only keep logs longer",
    ],
    ["not a mapping", "acme", '(spec): "acme" is not a mapping of tenant spec fields'],
    [
      "migrateCommand not a list",
      withField("migrateCommand", "npm run migrate"),
      'migrateCommand: "npm run migrate" is not a non-empty list of at most 32 non-empty strings (the program, then its arguments), e.g. ["npm", "run", "migrate"]',
    ],
    [
      "migrateCommand empty",
      withField("migrateCommand", []),
      "migrateCommand: [] is not a non-empty list of at most 32 non-empty strings",
    ],
    [
      "migrateCommand with an empty word",
      withField("migrateCommand", ["npm", ""]),
      'migrateCommand.1: "" is not a non-empty list of at most 32 non-empty strings',
    ],
    [
      "migrateCommand with a line break",
      withField("migrateCommand", ["sh", "-c", "a\nb"]),
      'migrateCommand.2: "a\\nb" contains a NUL or a line break; each word is one line',
    ],
    [
      "migrateCommand too long",
      withField("migrateCommand", Array(33).fill("x")),
      "is not a non-empty list of at most 32 non-empty strings",
    ],
    [
      "healthCheckPath not absolute",
      withField("healthCheckPath", "healthz"),
      'healthCheckPath: "healthz" is not an absolute path of letters, digits and / . _ ~ - (no query string), at most 1024 characters, e.g. /healthz',
    ],
    [
      "healthCheckPath with a quote (the container check runs it through sh)",
      withField("healthCheckPath", "/health'; rm -rf /"),
      `healthCheckPath: "/health'; rm -rf /" is not an absolute path`,
    ],
    [
      "healthCheckPath with a query",
      withField("healthCheckPath", "/health?deep=1"),
      'healthCheckPath: "/health?deep=1" is not an absolute path',
    ],
    [
      "cacheTokenRotation without a cache",
      { ...withField("cacheTokenRotation", { generation: 1, phase: "rotate" }), tier: "trial" },
      'cacheTokenRotation: {"generation":1,"phase":"rotate"} is not allowed: the trial tier has no cache (remove the field)',
    ],
    [
      "cacheTokenRotation generation 0",
      withField("cacheTokenRotation", { generation: 0, phase: "rotate" }),
      "cacheTokenRotation.generation: 0 is not a whole number, at least 1",
    ],
    [
      "cacheTokenRotation unknown phase",
      withField("cacheTokenRotation", { generation: 1, phase: "delete" }),
      'cacheTokenRotation.phase: "delete" is not one of rotate, set',
    ],
  ])("%s", (_name, raw, message) => {
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
    expect(() => parseTenantSpec(raw, "registry/acme.yaml")).toThrow(
      `invalid tenant spec registry/acme.yaml (1 problem):\n  - ${problems[0]}`,
    );
  });

  it("reports every problem at once, limits included", () => {
    const raw = {
      id: "Admin",
      tier: "standard",
      environments: [],
      owner: "",
      dataClassification: "top-secret",
      imageTag: "latest",
      extra: true,
      sizing: { cpu: 4096, dbInstanceClass: "db.x1e.32xlarge" },
    };
    const problems = tenantSpecProblems(raw);
    expect(problems.map((p) => p.path)).toEqual([
      "id",
      "displayName",
      "environments",
      "owner",
      "costCenter",
      "dataClassification",
      "imageTag",
      "extra",
      "sizing.cpu",
      "sizing.cpu",
      "sizing.dbInstanceClass",
    ]);
    expect(() => parseTenantSpec(raw, "x.yaml")).toThrow(
      /^invalid tenant spec x\.yaml \(11 problems\):\n {2}- id: /,
    );
  });
});

describe("listener rule priorities", () => {
  it("derives a stable priority from the id, inside the tenants' range", () => {
    expect(derivedListenerPriority("acme")).toBe(derivedListenerPriority("acme"));
    expect(derivedListenerPriority("acme")).not.toBe(derivedListenerPriority("globex"));
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/), (id) => {
        const p = derivedListenerPriority(id);
        return Number.isInteger(p) && p >= LISTENER_PRIORITY_RANGE.min && p <= LISTENER_PRIORITY_RANGE.max;
      }),
    );
    expect(listenerPriority({ id: "acme", listenerRulePriority: 1234 })).toBe(1234);
  });
});

describe("registry", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, spec: unknown) =>
    fs.writeFileSync(path.join(dir, file), typeof spec === "string" ? spec : specToYaml(spec as TenantSpec));

  it("loads the example tenants: one per tier", () => {
    // The checkout's registry is live data (the onboarding CLI writes to it by default, e.g. the
    // `demo` walk-through in docs/readme-sections/automation.md): look for the examples, sorted by
    // id, and allow others beside them.
    const specs = loadRegistry();
    const examples = ["acme", "globex", "initech"];
    expect(specs.filter((s) => examples.includes(s.id)).map((s) => [s.id, s.tier, s.environments])).toEqual([
      ["acme", "enterprise", ["staging", "production"]],
      ["globex", "standard", ["staging", "production"]],
      ["initech", "trial", ["staging"]],
    ]);
    expect(specs.map((s) => s.id)).toEqual([...specs.map((s) => s.id)].sort());
    expect(Object.isFrozen(specs)).toBe(true);
    expect(REGISTRY_DIR).toBe(path.join(__dirname, "registry"));
  });

  it("keeps the registry's files in writeSpec's canonical form", () => {
    for (const spec of loadRegistry()) {
      expect(specToYaml(spec)).toBe(fs.readFileSync(specPath(spec.id), "utf8"));
    }
  });

  it("writes stable YAML that loads back to the same spec", () => {
    const spec = parseTenantSpec({
      ...VALID,
      sizing: { maxCount: 8, cpu: 1024, memory: 2048 },
      subdomain: "portal",
    });
    const file = writeSpec(spec, dir);
    expect(file).toBe(path.join(dir, "acme.yaml"));
    const text = fs.readFileSync(file, "utf8");
    expect(text).toBe(
      [
        "# Tenant spec (tenants/spec.ts; docs/readme-sections/tenants.md).",
        "id: acme",
        "displayName: Acme Corporation",
        "tier: standard",
        "environments:",
        "  - staging",
        "  - production",
        "owner: team@acme.example.com",
        "costCenter: CC-4100",
        "dataClassification: confidential",
        "subdomain: portal",
        "imageTag: 1.4.2",
        "sizing:",
        "  cpu: 1024",
        "  memory: 2048",
        "  maxCount: 8",
        "",
      ].join("\n"),
    );
    expect(loadRegistry(dir)).toEqual([spec]);
    expect(fs.readdirSync(dir)).toEqual(["acme.yaml"]);
  });

  it("reads one tenant's spec, and takes an environment out of it after offboarding", () => {
    const spec = parseTenantSpec({
      ...VALID,
      owner: "team@acme.example.com",
      costCenter: "CC-1",
      dataClassification: "internal",
      imageTag: "1.0.0",
    });
    expect(readSpec("acme", dir)).toBeUndefined();
    expect(writeSpec(spec, dir)).toBe(specPath("acme", dir));
    expect(readSpec("acme", dir)).toEqual(spec);
    expect(specDisplayPath("acme")).toBe("tenants/registry/acme.yaml");

    expect(removeEnvironment("acme", "production", dir)).toEqual({
      kind: "environment-removed",
      file: specPath("acme", dir),
      spec: { ...spec, environments: ["staging"] },
    });
    expect(readSpec("acme", dir)?.environments).toEqual(["staging"]);
    // Not listed (any more), or no spec at all: nothing changes.
    expect(removeEnvironment("acme", "production", dir)).toEqual({ kind: "none" });
    expect(removeEnvironment("globex", "staging", dir)).toEqual({ kind: "none" });
    expect(removeEnvironment("acme", "staging", dir)).toEqual({
      kind: "spec-removed",
      file: specPath("acme", dir),
    });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("writes nothing for an invalid spec (writeSpec takes only a parsed one)", () => {
    expect(() => writeSpec(parseTenantSpec({ ...VALID, tier: "gold" }), dir)).toThrow(
      'tier: "gold" is not one of trial, standard, enterprise',
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("reports every file's problems at once, each with its file name", () => {
    write("acme.yaml", { ...VALID });
    write("globex.yaml", { ...VALID, id: "globex", tier: "gold", imageTag: "latest" });
    write("initech.yaml", { ...VALID, id: "initrode" });
    write("broken.yaml", "id: [unclosed\n");
    write("notes.txt", "ignored");
    let error: unknown;
    try {
      loadRegistry(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegistryError);
    expect(problemLines((error as RegistryError).problems)).toEqual([
      expect.stringMatching(/^broken\.yaml: not valid YAML: /),
      'globex.yaml: tier: "gold" is not one of trial, standard, enterprise',
      expect.stringMatching(/^globex\.yaml: imageTag: "latest" is not a release tag/),
      'initech.yaml: id: "initrode" does not match the file name; rename the file to initrode.yaml',
    ]);
    expect((error as Error).message).toMatch(
      new RegExp(`^tenant registry ${dir} has 4 problems:\\n {2}- broken\\.yaml`),
    );
  });

  it("reports two tenants on one host name", () => {
    write("acme.yaml", { ...VALID });
    write("globex.yaml", { ...VALID, id: "globex", subdomain: "acme" });
    expect(() => loadRegistry(dir)).toThrow(
      'acme.yaml, globex.yaml: subdomain: "acme" (host acme.<domain>) is used by 2 tenants; give each its own subdomain',
    );
  });

  it("reports two tenants on one listener rule priority", () => {
    write("acme.yaml", { ...VALID });
    write("globex.yaml", { ...VALID, id: "globex", listenerRulePriority: derivedListenerPriority("acme") });
    expect(() => loadRegistry(dir)).toThrow(
      `acme.yaml, globex.yaml: listenerRulePriority: ${derivedListenerPriority("acme")} is taken by 2 tenants on ingress shard 0 ` +
        "(ALB rule priorities are unique per listener); set listenerRulePriority in one of them to a free value from 1000 to 49999",
    );
  });

  it("reports a missing directory", () => {
    expect(() => loadRegistry(path.join(dir, "nope"))).toThrow(
      /has 1 problem:\n {2}- cannot read the registry directory: ENOENT/,
    );
  });
});

/** The config parse at a throwing boundary, as the program entry (loadTenantConfig) reports it. */
function parseTenantConfig(raw: RawTenantConfig) {
  return valueOrThrow(readTenantConfig(raw), `tenant stack "${raw.stackName}" is misconfigured`);
}

describe("stack config", () => {
  const raw = { stackName: "acme-staging", spec: { ...VALID } };

  it("parses the stack name, the spec and the base stack name", () => {
    const config = parseTenantConfig(raw);
    expect(config).toEqual({
      stackName: "acme-staging",
      environment: "staging",
      spec: parseTenantSpec(VALID),
      baseStackName: "organization/platform/staging",
    });
    expect(parseTenantConfig({ ...raw, baseStackName: "" }).baseStackName).toBe(
      "organization/platform/staging",
    );
    expect(parseTenantConfig({ ...raw, baseStackName: "acme-corp/platform/staging" }).baseStackName).toBe(
      "acme-corp/platform/staging",
    );
  });

  it("reads back exactly the config the service sets (stackConfig), secrets included", () => {
    const spec = parseTenantSpec(VALID);
    const config = stackConfig(spec, "acme-corp/platform/staging", { API_TOKEN: "t" });
    expect(Object.keys(config)).toEqual([
      TENANT_CONFIG_KEYS.spec,
      TENANT_CONFIG_KEYS.baseStackName,
      TENANT_CONFIG_KEYS.secrets,
    ]);
    expect(config[TENANT_CONFIG_KEYS.secrets].secret).toBe(true);
    const parsed = parseTenantConfig({
      stackName: tenantStackName("acme", "staging"),
      spec: JSON.parse(config[TENANT_CONFIG_KEYS.spec].value),
      baseStackName: config[TENANT_CONFIG_KEYS.baseStackName].value,
      secrets: config[TENANT_CONFIG_KEYS.secrets].value,
    });
    expect(parsed).toMatchObject({
      spec,
      baseStackName: "acme-corp/platform/staging",
      environment: "staging",
    });
    expect(parsed.appSecrets?.names).toEqual(["API_TOKEN"]);
    expect(specFromConfigValue(config[TENANT_CONFIG_KEYS.spec].value)).toEqual({ value: spec });
    expect(specFromConfigValue(undefined)).toEqual({ value: undefined });
    expect(problemLines(specFromConfigValue("{").problems ?? [])).toEqual([
      expect.stringMatching(/^is not JSON: /),
    ]);
  });

  it("a spec parsed at the edge is known as parsed; a copy is not", () => {
    const spec = parseTenantSpec(VALID);
    expect(isParsedTenantSpec(spec)).toBe(true);
    expect(isParsedTenantSpec({ ...spec })).toBe(false);
    expect(Object.isFrozen(spec.environments)).toBe(true);
  });

  it("turns numbers the CLI stored for text fields back into text", () => {
    // `pulumi config set --path tenant:spec.costCenter 4100` stores an integer.
    expect(
      parseTenantConfig({ ...raw, spec: { ...VALID, costCenter: 4100, imageTag: "1.4.2" } }).spec.costCenter,
    ).toBe("4100");
  });

  it.each<[string, Parameters<typeof parseTenantConfig>[0], string]>([
    [
      "stack name without an environment",
      { ...raw, stackName: "acme" },
      'stack name: "acme" is not <tenant>-<environment> (e.g. acme-staging, acme-production) with a valid tenant id',
    ],
    ["spec not set", { ...raw, spec: undefined }, "tenant:spec: is not set; set the tenant's spec with"],
    [
      "invalid spec field",
      { ...raw, spec: { ...VALID, tier: "gold" } },
      'tenant:spec.tier: "gold" is not one of trial, standard, enterprise',
    ],
    [
      "spec of another tenant",
      { ...raw, stackName: "globex-staging" },
      'tenant:spec.id: "acme" does not match the stack "globex-staging" (tenant "globex"); a tenant stack holds its own tenant\'s spec',
    ],
    [
      "environment not in the spec",
      { ...raw, stackName: "acme-production", spec: { ...VALID, environments: ["staging"] } },
      'tenant:spec.environments: ["staging"] does not include "production"; add it to tenants/registry/acme.yaml to deploy the tenant there',
    ],
    [
      "invalid base stack name",
      { ...raw, baseStackName: "org/platform/staging/extra" },
      'tenant:baseStackName: "org/platform/staging/extra" is not a stack name',
    ],
  ])("%s", (_name, input, message) => {
    expect(() => parseTenantConfig(input)).toThrow(message);
    expect(() => parseTenantConfig(input)).toThrow(
      `tenant stack "${input.stackName}" is misconfigured:\n  - `,
    );
  });
});
