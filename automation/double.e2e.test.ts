/**
 * The real programs on the real engine, against the cloud double: the base program in staging and
 * production, tenants of every tier on top of it through a real StackReference, spec changes,
 * replacements, drift made in the double's cloud, offboarding in both environments, and the
 * resources each engine run produced compared with what the mocks record for the same stacks. One
 * base per environment, deployed once for the whole file.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Environment, parseBaseOutputs } from "../common";
import { CloudStore } from "../offline/double/store";
import { REPO_ROOT } from "./settings";
import type { MockStack, MockStackResources } from "./testing/mockCounts";
import { createDoubleHarness, DoubleHarness, testSpec } from "./testing/harness";
import type { TenantSpec } from "../tenants/spec";

let h: DoubleHarness;
let store: CloudStore;

beforeAll(async () => {
  h = await createDoubleHarness("programs", ["staging", "production"]);
  store = new CloudStore(h.doubleDir);
}, 600000);

afterAll(() => h?.cleanup());

const TIERS = ["trial", "standard", "enterprise"] as const;

/** One engine run's resources (from the stack's state right after it), and how to record it under the mocks. */
interface EngineRun {
  readonly label: string;
  readonly mock: MockStack;
  readonly resources: { type: string; name: string; custom: boolean }[];
}
const engineRuns: EngineRun[] = [];

/** Keeps what the stack's state holds now, as the run `label` produced it. */
async function keepRun(label: string, project: string, stack: string, mock: MockStack): Promise<void> {
  const s = await h.engine.selectStack(project, stack, async () => undefined);
  const resources = ((await s.exportStack()).deployment.resources ?? []) as {
    urn: string;
    type: string;
    custom?: boolean;
  }[];
  engineRuns.push({
    label,
    mock,
    resources: resources.map((r) => ({
      type: r.type,
      name: r.urn.split("::").slice(3).join("::"),
      custom: r.custom === true,
    })),
  });
}

const tenantMock = (environment: Environment, spec: TenantSpec): MockStack => ({
  kind: "tenant",
  environment,
  spec: JSON.parse(JSON.stringify(spec)),
});

function recordsOf(stack: string) {
  return store.list().filter((r) => r.urn.startsWith(`urn:pulumi:${stack}::`));
}

describe("base stacks", () => {
  it("go up in staging and production, and a second up changes nothing", async () => {
    for (const env of ["staging", "production"] as const) {
      expect(h.baseUps[env]?.create).toBeGreaterThan(80);
      await keepRun(`base ${env}`, "platform", env, { kind: "base", environment: env });
      const again = await h.base.up(env);
      expect(Object.keys(again.changes)).toEqual(["same"]);
      expect(again.outputs?.environment).toBe(env);
    }
    // Production has a WAF and a NAT gateway per AZ; staging has neither.
    expect(recordsOf("production").some((r) => r.type === "aws:wafv2/webAcl:WebAcl")).toBe(true);
    expect(recordsOf("staging").some((r) => r.type === "aws:wafv2/webAcl:WebAcl")).toBe(false);
  }, 300000);

  it("outputs parse with the base outputs contract", async () => {
    const { outputs } = await h.base.outputs("staging");
    expect(() => parseBaseOutputs("staging", outputs)).not.toThrow();
    // The values are the double's: the VPC the tenants read is a record in its cloud.
    expect(store.get("aws:ec2/vpc:Vpc", outputs!.vpcId)).toMatchObject({
      type: "aws:ec2/vpc:Vpc",
      id: outputs!.vpcId,
      urn: expect.stringContaining("::platform::"),
    });
  }, 120000);
});

describe("tenants on the real base", () => {
  it.each(TIERS)(
    "a %s tenant onboards through a real StackReference",
    async (tier) => {
      const id = `t-${tier}`;
      const outcome = await h.service.onboard(testSpec(id, { tier }), "staging");
      await keepRun(
        `${tier} tenant staging`,
        "tenant",
        `${id}-staging`,
        tenantMock("staging", testSpec(id, { tier })),
      );
      expect(outcome.changes.create).toBeGreaterThan(20);
      const outputs = await h.service.outputs(id, "staging");
      const base = (await h.base.outputs("staging")).outputs!;
      expect(outputs.tier).toBe(tier);
      expect(outputs.databaseEndpoint).toMatch(/\.rds\.amazonaws\.com:5432$/);
      // The tenant read the base stack's real outputs through the StackReference: its service runs in
      // the cluster the base stack created in the double's cloud.
      const [service] = recordsOf(`${id}-staging`).filter((r) => r.type === "aws:ecs/service:Service");
      expect(service.properties.cluster).toBe(base.clusterArn);
      expect(store.get("aws:ecs/cluster:Cluster", base.clusterArn)).toMatchObject({
        type: "aws:ecs/cluster:Cluster",
        id: base.clusterArn,
        urn: expect.stringContaining("::platform::"),
      });
      expect(recordsOf(`${id}-staging`).some((r) => r.type === "aws:rds/instance:Instance")).toBe(true);
      expect(
        recordsOf(`${id}-staging`).some(
          (r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup",
        ),
      ).toBe(tier !== "trial");
    },
    300000,
  );

  it("trial to standard: the preview shows the database resized and the cache created", async () => {
    const preview = await h.service.preview(testSpec("t-trial", { tier: "standard" }), "staging");
    const byType = (type: string) => preview.resourceChanges.filter((c) => c.type === type);
    expect(byType("aws:rds/instance:Instance").map((c) => c.op)).toEqual(["update"]);
    expect(byType("aws:rds/instance:Instance")[0].diffs).toEqual(
      expect.arrayContaining(["instanceClass", "allocatedStorage"]),
    );
    expect(byType("aws:elasticache/replicationGroup:ReplicationGroup").map((c) => c.op)).toEqual(["create"]);
    const update = await h.service.update(testSpec("t-trial", { tier: "standard" }), "staging");
    expect(update.changes.update).toBeGreaterThan(0);
    expect((await h.service.outputs("t-trial", "staging")).tier).toBe("standard");
  }, 300000);

  it("standard to enterprise replaces the database (a dedicated KMS key), and preview says so", async () => {
    const preview = await h.service.preview(testSpec("t-standard", { tier: "enterprise" }), "staging");
    const db = preview.resourceChanges.filter((c) => c.type === "aws:rds/instance:Instance");
    expect(db.map((c) => c.op)).toEqual([expect.stringMatching(/replace/)]);
  }, 300000);

  it("drift: a change in the double's cloud makes `drift` exit 3 naming the resource and property", async () => {
    const [db] = recordsOf("t-enterprise-staging").filter((r) => r.type === "aws:rds/instance:Instance");
    const file = store.recordPath(db.type, db.id);
    const record = JSON.parse(fs.readFileSync(file, "utf8"));
    record.properties.allocatedStorage = 999;
    fs.writeFileSync(file, JSON.stringify(record));
    const cli = spawnSync(
      path.join(REPO_ROOT, "node_modules", ".bin", "ts-node"),
      [
        "--transpile-only",
        path.join(REPO_ROOT, "automation/cli/tenant.ts"),
        "drift",
        "t-enterprise",
        "--env",
        "staging",
      ],
      { cwd: REPO_ROOT, env: h.cliEnv, encoding: "utf8", timeout: 240000 },
    );
    expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 3, stderr: "" });
    expect(cli.stdout.split("\n")[0]).toMatch(/^Cloud: the cloud double/);
    expect(cli.stdout).toMatch(/aws:rds\/instance:Instance/);
    expect(cli.stdout).toMatch(/allocatedStorage/);
  }, 300000);
});

describe("offboarding", () => {
  it("staging: everything of the tenant leaves the double's cloud", async () => {
    await h.service.offboard("t-trial", "staging", { confirm: "t-trial" });
    expect(recordsOf("t-trial-staging")).toEqual([]);
  }, 300000);

  it("production: the bucket and the enterprise key stay in the cloud, in no stack; final snapshots are named", async () => {
    const spec = testSpec("t-prod", { tier: "enterprise", environments: ["staging", "production"] });
    await h.service.onboard(spec, "production");
    await keepRun(
      "enterprise tenant production",
      "tenant",
      "t-prod-production",
      tenantMock("production", spec),
    );
    const outcome = await h.service.offboard("t-prod", "production", { confirm: "t-prod" });
    expect(outcome.decommission?.databaseFinalSnapshot).toMatch(/final/);
    const left = recordsOf("t-prod-production");
    expect(left.map((r) => r.type).sort()).toEqual(
      expect.arrayContaining(["aws:kms/key:Key", "aws:s3/bucket:Bucket"]),
    );
    expect(left.find((r) => r.type === "aws:s3/bucket:Bucket")?.id).toBe(
      outcome.decommission?.retainedBucket,
    );
    const stacks = await h.engine.listStacks("tenant");
    expect(stacks.map((s) => s.name)).not.toContain("t-prod-production");
  }, 600000);
});

/**
 * The differences between an engine run's state and the mocks' recording of the same stack that
 * are explained, as data. Anything else fails the test.
 */
const EXPLAINED_DIFFERENCES: readonly {
  side: "engine" | "mocks";
  type: RegExp;
  name: RegExp;
  why: string;
}[] = [
  {
    side: "engine",
    type: /^pulumi:pulumi:Stack$/,
    name: /./,
    why: "the engine keeps the stack's root resource in the state; the recorder leaves it out",
  },
  {
    side: "engine",
    type: /^pulumi:providers:(aws|random)$/,
    name: /^default_/,
    why: "the engine registers a default provider for a package the program uses without an explicit provider (random in the tenant program; the cloud double plays it); the mocks answer without providers",
  },
  {
    side: "engine",
    type: /^pulumi:providers:pulumi$/,
    name: /^default$/,
    why: "the engine reads the StackReference through its builtin pulumi provider, which it keeps in the state; the mocks answer the read without one",
  },
];

describe("resource counts: the engine on the double against the mocks", () => {
  it("trial and standard tenants onboard in production too", async () => {
    for (const tier of ["trial", "standard"] as const) {
      const spec = testSpec(`p-${tier}`, { tier, environments: ["staging", "production"] });
      await h.service.onboard(spec, "production");
      await keepRun(
        `${tier} tenant production`,
        "tenant",
        `p-${tier}-production`,
        tenantMock("production", spec),
      );
    }
  }, 900000);

  it("every engine run holds exactly the resources the mocks record, but the listed, explained differences", () => {
    expect(engineRuns.map((r) => r.label).sort()).toEqual(
      [
        "base production",
        "base staging",
        ...TIERS.flatMap((t) => [`${t} tenant production`, `${t} tenant staging`]),
      ].sort(),
    );
    const cli = spawnSync(
      path.join(REPO_ROOT, "node_modules", ".bin", "ts-node"),
      [
        "--transpile-only",
        path.join(REPO_ROOT, "automation/testing/mockCounts.ts"),
        JSON.stringify(engineRuns.map((r) => r.mock)),
      ],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 240000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: "" });
    const mocks = JSON.parse(cli.stdout) as MockStackResources[];
    const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
    const explained = (side: "engine" | "mocks", r: { type: string; name: string }) =>
      EXPLAINED_DIFFERENCES.find((d) => d.side === side && d.type.test(r.type) && d.name.test(r.name));
    const rows: string[][] = [];
    const unexplained: string[] = [];
    engineRuns.forEach((run, i) => {
      const mock = mocks[i].resources;
      const mockKeys = new Set(mock.map(key));
      const engineKeys = new Set(run.resources.map(key));
      // Every resource name is unique within a stack: the URNs would collide otherwise.
      expect(engineKeys.size).toBe(run.resources.length);
      expect(mockKeys.size).toBe(mock.length);
      const engineOnly = run.resources.filter((r) => !mockKeys.has(key(r)));
      const mocksOnly = mock.filter((r) => !engineKeys.has(key(r)));
      for (const r of engineOnly) {
        if (!explained("engine", r)) unexplained.push(`${run.label}: only in the engine's state: ${key(r)}`);
      }
      for (const r of mocksOnly) {
        if (!explained("mocks", r)) unexplained.push(`${run.label}: only in the mocks' recording: ${key(r)}`);
      }
      const count = (rs: { type: string; custom: boolean }[]) => ({
        custom: rs.filter((r) => r.custom && !r.type.startsWith("pulumi:")).length,
        all: rs.length,
      });
      const e = count(run.resources);
      const m = count(mock);
      rows.push([
        `${run.label} (${mocks[i].stack})`,
        String(e.custom),
        String(m.custom),
        String(e.all),
        String(m.all),
        engineOnly.map((r) => `+${r.type}`).join(", ") || "-",
      ]);
    });
    const header = [
      "stack",
      "engine cloud resources",
      "mocks cloud resources",
      "engine all",
      "mocks all",
      "engine only (explained)",
    ];
    const widths = header.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
    const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
    console.log([fmt(header), ...rows.map(fmt)].join("\n"));
    expect(unexplained).toEqual([]);
    // The cloud resources (everything but the engine's own pulumi:* entries) match one for one.
    for (const row of rows) {
      expect(row[1]).toBe(row[2]);
    }
  }, 300000);
});
