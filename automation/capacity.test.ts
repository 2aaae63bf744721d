/**
 * The capacity command: what the registry needs of an environment against AWS's quotas, counted
 * from the real programs under mocks, with exit codes 0 (fits), 1 (a quota would be exceeded) and
 * 2 (bad input).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseQuotaOverrides, QUOTAS, Tier } from "../common";
import { DEFAULT_BASE_CONFIG } from "../offline/base";
import { parseBaseConfig } from "../infra/config";
import { specPath } from "../tenants/registry";
import { parseTenantSpec, TenantSpec } from "../tenants/spec";
import { capacityReport, CapacityReport } from "./capacity";
import { main } from "./cli/capacity";

jest.setTimeout(120_000);

function spec(id: string, tier: Tier, environments = ["staging", "production"]): TenantSpec {
  return parseTenantSpec({
    id,
    displayName: id,
    tier,
    environments,
    owner: "team@example.com",
    costCenter: "CC-1",
    dataClassification: "internal",
    imageTag: "1.0.0",
  });
}

function fleet(n: number, tier: Tier): TenantSpec[] {
  return Array.from({ length: n }, (_, i) => spec(`t${String(i).padStart(4, "0")}`, tier));
}

function rowOf(report: CapacityReport, id: string) {
  const row = report.rows.find((r) => r.quota.id === id);
  if (!row) throw new Error(`no row ${id}`);
  return row;
}

function io() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: { stdout: (s: string) => (out.stdout += s), stderr: (s: string) => (out.stderr += s) },
  };
}

/** Production's config without the raised quotas the example stack file records. */
const productionDefaults = { ...DEFAULT_BASE_CONFIG.production, "platform:quotas": "" };

describe("capacityReport", () => {
  test("counts one standard and one enterprise tenant in production from the programs", async () => {
    const report = await capacityReport({
      environment: "production",
      specs: [spec("globex", "standard"), spec("acme", "enterprise"), spec("initech", "trial", ["staging"])],
      baseConfig: productionDefaults,
    });
    expect(report.tenants).toEqual({ trial: 0, standard: 1, enterprise: 1 });
    const needed = Object.fromEntries(report.rows.map((r) => [r.quota.id, r.needed]));
    expect(needed).toMatchObject({
      albTargetGroupsPerAlb: 2,
      albRulesPerAlb: 2,
      albsPerRegion: 1,
      rdsInstances: 2,
      // standard: one node; enterprise: primary and replica.
      elasticacheNodes: 3,
      // production runs a NAT gateway (and its Elastic IP) per AZ.
      elasticIps: 3,
      // the platform key and the enterprise tenant's own.
      kmsKeys: 2,
      // standard 6 tasks x 0.5 vCPU + enterprise 20 tasks x 1 vCPU.
      fargateVcpus: 23,
    });
    expect(rowOf(report, "fargateVcpus")).toMatchObject({
      limit: 6,
      raised: false,
      status: "exceeded",
      headroom: -17,
    });
    expect(rowOf(report, "fargateVcpus").requestAtLeast).toBe(28);
    expect(report.exceeded).toBe(true);
    expect(rowOf(report, "rdsInstances")).toMatchObject({ status: "ok", headroom: 38, limit: 40 });
  });

  test("41 trial tenants exceed the RDS instances of a region; a raised quota holds them", async () => {
    const specs = fleet(41, "trial");
    const report = await capacityReport({
      environment: "staging",
      specs,
      baseConfig: { ...DEFAULT_BASE_CONFIG.staging, "platform:quotas": "" },
    });
    expect(rowOf(report, "rdsInstances")).toMatchObject({
      needed: 41,
      limit: 40,
      status: "exceeded",
      requestAtLeast: 50,
    });
    const raised = await capacityReport({
      environment: "staging",
      specs,
      baseConfig: {
        ...DEFAULT_BASE_CONFIG.staging,
        "platform:quotas": '{"rdsInstances": 100, "fargateVcpus": 100}',
      },
    });
    expect(rowOf(raised, "rdsInstances")).toMatchObject({
      needed: 41,
      limit: 100,
      raised: true,
      status: "ok",
    });
    // 41 trial tasks at their maximum of 2 x 0.25 vCPU: 20.5, rounded up.
    expect(rowOf(raised, "fargateVcpus")).toMatchObject({ needed: 21, limit: 100, status: "ok" });
  });

  test("a quota above 80% is near, with an increase to request", async () => {
    const report = await capacityReport({
      environment: "staging",
      specs: fleet(33, "trial"),
      baseConfig: { ...DEFAULT_BASE_CONFIG.staging, "platform:quotas": '{"fargateVcpus": 100}' },
    });
    expect(rowOf(report, "rdsInstances")).toMatchObject({ needed: 33, status: "near", requestAtLeast: 40 });
    expect(report.exceeded).toBe(false);
  });

  test("101 tenants on one ALB pass its hard limit of 100 target groups: no increase to request", async () => {
    const report = await capacityReport({
      environment: "staging",
      specs: fleet(101, "trial"),
      baseConfig: { ...DEFAULT_BASE_CONFIG.staging, "platform:quotas": "" },
    });
    const tg = rowOf(report, "albTargetGroupsPerAlb");
    expect(tg).toMatchObject({ needed: 101, limit: 100, status: "exceeded" });
    expect(tg.requestAtLeast).toBeUndefined();
  });

  test("over two ingress shards the busiest shard is what the per-ALB quotas count", async () => {
    // 101 tenants, 60 of them placed on shard 1: shard 1 is the busiest with 60 target groups.
    const specs = fleet(101, "trial").map((s, i) =>
      i < 60 ? parseTenantSpec({ ...s, ingressShard: 1 }) : s,
    );
    const report = await capacityReport({
      environment: "staging",
      specs,
      baseConfig: { ...DEFAULT_BASE_CONFIG.staging, "platform:quotas": "", "platform:ingressShards": "2" },
    });
    expect(rowOf(report, "albTargetGroupsPerAlb")).toMatchObject({ needed: 60, limit: 100, status: "ok" });
    expect(rowOf(report, "albTargetGroupsPerAlb").detail).toContain("the busiest is shard 1");
    expect(rowOf(report, "albsPerRegion")).toMatchObject({ needed: 2 });
  });
});

describe("platform:quotas", () => {
  test("accepts raised values of adjustable quotas", () => {
    expect(parseQuotaOverrides('{"rdsInstances": 200}')).toEqual({
      overrides: { rdsInstances: 200 },
      problems: [],
    });
    expect(parseQuotaOverrides("")).toEqual({ overrides: {}, problems: [] });
  });

  test("names the key, the value and what is allowed", () => {
    expect(parseQuotaOverrides("[1]").problems).toEqual([
      `platform:quotas = "[1]" is not an object of quota ids to raised values; set it with \`pulumi config set platform:quotas '{"rdsInstances": 100}'\``,
    ]);
    expect(
      parseQuotaOverrides('{"rds": 100, "rdsInstances": 10, "albTargetGroupsPerAlb": 200, "iamRoles": "x"}')
        .problems,
    ).toEqual([
      `platform:quotas.rds is not a quota id; allowed ${QUOTAS.map((q) => q.id).join(", ")}`,
      "platform:quotas.rdsInstances = 10 is not a whole number of at least the default 40",
      'platform:quotas.albTargetGroupsPerAlb: "Target groups per Application Load Balancer" is a hard limit AWS does not raise; remove it',
      'platform:quotas.iamRoles = "x" is not a whole number of at least the default 1000',
    ]);
  });

  test("the base stack refuses an invalid value before any resource is created", () => {
    expect(() =>
      parseBaseConfig("production", {
        ...DEFAULT_BASE_CONFIG.production,
        "platform:quotas": '{"rdsInstances": 1}',
      }),
    ).toThrow(
      'platform:quotas = "{\\"rdsInstances\\": 1}" platform:quotas.rdsInstances = 1 is not a whole number of at least the default 40',
    );
    expect(parseBaseConfig("production", DEFAULT_BASE_CONFIG.production).quotas).toEqual(
      JSON.parse(DEFAULT_BASE_CONFIG.production["platform:quotas"]),
    );
  });
});

describe("npm run capacity", () => {
  let registry: string;
  beforeAll(() => {
    registry = fs.mkdtempSync(path.join(os.tmpdir(), "capacity-"));
    for (const id of ["acme", "globex", "initech"]) {
      fs.copyFileSync(specPath(id), specPath(id, registry));
    }
  });

  test("the embedded registry fits production with the quotas its stack file records: exit 0", async () => {
    const { out, io: cli } = io();
    expect(await main(["--env", "production", "--registry", registry], cli)).toBe(0);
    expect(out.stdout).toContain("capacity of production: 0 trial, 1 standard, 1 enterprise tenant(s)");
    expect(out.stdout).toMatch(
      /Fargate On-Demand vCPU resource count\s+region\s+63\s+200 \(raised\)\s+137\s+ok/,
    );
  });

  test("a quota that would be exceeded: exit 1, with the increase to request and how to record it", async () => {
    const { out, io: cli } = io();
    expect(
      await main(["--env", "production", "--registry", registry], cli, { baseConfig: productionDefaults }),
    ).toBe(1);
    expect(out.stdout).toMatch(/Fargate On-Demand vCPU resource count\s+region\s+63\s+6\s+-57\s+EXCEEDED/);
    expect(out.stdout).toContain(
      `- AWS Fargate: request "Fargate On-Demand vCPU resource count" of at least 76 (needed 63, default 6); ` +
        `then record it: pulumi config set platform:quotas '{"fargateVcpus": 76}' -s production`,
    );
  });

  test("--json prints one document", async () => {
    const { out, io: cli } = io();
    expect(
      await main(["--env", "production", "--json", "--registry", registry], cli, {
        baseConfig: productionDefaults,
      }),
    ).toBe(1);
    const doc = JSON.parse(out.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.exceeded).toBe(true);
    expect(doc.rows.find((r: { quota: { id: string } }) => r.quota.id === "fargateVcpus")).toMatchObject({
      needed: 63,
      limit: 6,
      status: "exceeded",
      requestAtLeast: 76,
    });
  });

  test.each([
    [[], "capacity: --env: is required (one of staging, production)"],
    [["--env", "prod"], 'capacity: --env: "prod" is not one of staging, production'],
    [["--env", "staging", "--bogus"], "capacity: unknown option '--bogus'"],
  ])("bad usage %j: exit 2 naming the flag", async (argv, message) => {
    const { out, io: cli } = io();
    expect(await main(argv, cli)).toBe(2);
    expect(out.stderr).toContain(message);
  });

  test("an invalid registry: exit 2 naming the file, and --json still prints a document", async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), "capacity-bad-"));
    fs.writeFileSync(path.join(bad, "zeta.yaml"), "id: zeta\ntier: platinum\n");
    const { out, io: cli } = io();
    expect(await main(["--env", "staging", "--json", "--registry", bad], cli)).toBe(2);
    expect(out.stderr).toContain("zeta.yaml");
    expect(JSON.parse(out.stdout)).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("zeta.yaml") },
    });
  });

  test("an invalid platform:quotas: exit 2 naming the key", async () => {
    const { out, io: cli } = io();
    const baseConfig = { ...DEFAULT_BASE_CONFIG.staging, "platform:quotas": '{"nope": 1}' };
    expect(await main(["--env", "staging", "--registry", registry], cli, { baseConfig })).toBe(2);
    expect(out.stderr).toContain("platform:quotas.nope is not a quota id");
  });
});
