/**
 * The pack against the real programs: the base stack in both environments and every registered
 * tenant in each of its environments (offline/stacks.ts), plus a minimal tenant for every tier the
 * registry leaves out of an environment, pass every policy; copies of those
 * recordings with one deliberate defect each are caught.
 */
import { ENVIRONMENTS } from "../common";
import { recordTenant } from "../offline/tenant";
import { parseTenantSpec } from "../tenants/spec";
import { TIER_NAMES, TIERS } from "../common";
import type { RecordedResource, Recording } from "../offline/recorder";
import { RecordedStack, recordAllStacks } from "../offline/stacks";
import { ALL_POLICIES } from "./registry";
import { analyzeLikeEngine } from "./testing/analyzer";
import { evaluate, Violation } from "./engine/harness";

const stacks: RecordedStack[] = [];

beforeAll(async () => {
  for await (const s of recordAllStacks()) {
    stacks.push(s);
  }
  // The registry need not hold every tier in every environment (the trial example runs in staging
  // only): record a minimal tenant for each missing pair so the pack sees every tier everywhere.
  for (const environment of ENVIRONMENTS) {
    const base = stack("base", environment);
    for (const tier of TIER_NAMES) {
      if (stacks.some((x) => x.kind === "tenant" && x.environment === environment && x.spec?.tier === tier)) {
        continue;
      }
      const spec = parseTenantSpec({
        id: `every-${tier}`,
        displayName: `Every ${tier}`,
        tier,
        environments: [environment],
        owner: "platform-team@example.com",
        costCenter: "CC-0001",
        dataClassification: "internal",
        imageTag: "1.0.0",
      });
      stacks.push({
        kind: "tenant",
        environment,
        tenant: spec.id,
        spec,
        source: "policies/stacks.test.ts",
        recording: await recordTenant(spec, environment, base.recording.outputs),
      });
    }
  }
}, 180000);

function stack(kind: "base" | "tenant", environment: string, tenant?: string): RecordedStack {
  const s = stacks.find((x) => x.kind === kind && x.environment === environment && x.tenant === tenant);
  if (!s) {
    throw new Error(`no ${kind} stack ${tenant ?? ""} in ${environment}`);
  }
  return s;
}

/** A deep copy of a recording with one resource changed. */
function mutate(
  rec: Recording,
  pick: (r: RecordedResource) => boolean,
  change: (r: { inputs: any; state: any }) => void,
): Recording {
  const copy: Recording = structuredClone(rec);
  const target = copy.resources.find(pick);
  if (!target) {
    throw new Error(`${rec.stack}: no resource to mutate`);
  }
  change(target);
  return copy;
}

const brief = (vs: Violation[]) => vs.map((v) => `${v.level} ${v.policy}: ${v.message}`);

describe("the real programs", () => {
  it("record the base stack in both environments and every tenant in each of its environments", () => {
    const labels = stacks.map((s) => `${s.kind}:${s.recording.stack}`);
    expect(labels).toEqual(expect.arrayContaining(["base:staging", "base:production"]));
    expect(stacks.filter((s) => s.kind === "tenant").length).toBeGreaterThanOrEqual(3);
    for (const environment of ENVIRONMENTS) {
      const tiers = stacks
        .filter((s) => s.kind === "tenant" && s.environment === environment)
        .map((s) => s.spec?.tier);
      expect(new Set(tiers)).toEqual(new Set(TIER_NAMES));
    }
  });

  it("pass every policy, in every environment and tier", async () => {
    for (const s of stacks) {
      const { violations } = await evaluate(s.recording, ALL_POLICIES, {
        environment: s.environment,
        tenant: s.tenant,
      });
      expect({ stack: s.recording.stack, violations: brief(violations) }).toEqual({
        stack: s.recording.stack,
        violations: [],
      });
    }
  });

  it("give the same (empty) result through @pulumi/policy's own analyzer handlers", async () => {
    for (const s of [stack("base", "production"), stacks.find((x) => x.spec?.tier === "enterprise")!]) {
      expect(await analyzeLikeEngine(s.recording, ALL_POLICIES)).toEqual([]);
    }
  });
});

describe("broken variants of the real programs are caught", () => {
  it("an unencrypted bucket (its encryption configuration removed)", async () => {
    const s = stacks.find((x) => x.kind === "tenant" && x.environment === "production")!;
    const copy: Recording = structuredClone(s.recording);
    const sse = copy.resources.findIndex((r) => r.type.includes("BucketServerSideEncryptionConfiguration"));
    expect(sse).toBeGreaterThanOrEqual(0);
    (copy.resources as RecordedResource[]).splice(sse, 1);
    const { violations } = await evaluate(copy, ALL_POLICIES);
    expect(brief(violations)).toEqual([
      expect.stringMatching(
        /^mandatory platform-s3-bucket-companions: bucket ".*" has no encryption configuration/,
      ),
    ]);
  });

  it("a bucket encrypted with SSE-S3 that is not the ALB log bucket", async () => {
    const s = stacks.find((x) => x.kind === "tenant" && x.environment === "production")!;
    const rec = mutate(
      s.recording,
      (r) => r.type.includes("BucketServerSideEncryptionConfiguration"),
      (r) => {
        r.inputs.rules = r.state.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
      },
    );
    const { violations } = await evaluate(rec, ALL_POLICIES);
    expect(brief(violations)).toEqual([
      expect.stringMatching(
        /^mandatory platform-s3-sse-s3-only-lb-logs: .*with SSE-S3 \(AES256\), but no load balancer or S3 server access logging delivers logs to it/,
      ),
    ]);
  });

  it("an open security group on the base stack", async () => {
    const base = stack("base", "production");
    const rec = mutate(
      base.recording,
      (r) => r.type === "aws:ec2/securityGroup:SecurityGroup",
      (r) => {
        const ssh = { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] };
        r.inputs.ingress = [...(r.inputs.ingress ?? []), ssh];
        r.state.ingress = [...(r.state.ingress ?? []), ssh];
      },
    );
    const { violations } = await evaluate(rec, ALL_POLICIES);
    expect(brief(violations)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mandatory platform-ec2-public-ingress: .* admits tcp 22 from 0.0.0.0\/0/),
      ]),
    );
  });

  it("an oversized trial database", async () => {
    const trial = stacks.find((x) => x.spec?.tier === "trial")!;
    const rec = mutate(
      trial.recording,
      (r) => r.type === "aws:rds/instance:Instance",
      (r) => {
        r.inputs.instanceClass = r.state.instanceClass = "db.r7g.2xlarge";
        r.inputs.allocatedStorage = r.state.allocatedStorage = 1000;
      },
    );
    const { violations } = await evaluate(rec, ALL_POLICIES);
    const level = trial.environment === "production" ? "mandatory" : "advisory";
    expect(brief(violations)).toEqual([
      expect.stringMatching(
        new RegExp(`^${level} platform-rds-size: .*instanceClass "db.r7g.2xlarge" is not allowed`),
      ),
      expect.stringMatching(
        new RegExp(`^${level} platform-rds-size: .*allocatedStorage 1000 GiB is outside 20-50 GiB`),
      ),
    ]);
    const strict = await evaluate(rec, ALL_POLICIES, {
      config: { "platform-rds-size": { levels: { staging: "mandatory" } } },
    });
    expect(new Set(strict.violations.map((v) => v.level))).toEqual(new Set(["mandatory"]));
  });

  it("a missing Owner tag in production", async () => {
    const s = stacks.find((x) => x.kind === "tenant" && x.environment === "production")!;
    const rec = mutate(
      s.recording,
      (r) => r.type === "pulumi:providers:aws",
      (r) => {
        const tags = JSON.parse(r.inputs.defaultTags);
        delete tags.tags.Owner;
        r.inputs.defaultTags = r.state.defaultTags = JSON.stringify(tags);
      },
    );
    const { violations } = await evaluate(rec, ALL_POLICIES);
    expect(violations.length).toBeGreaterThan(10);
    expect(new Set(brief(violations).map((v) => v.replace(/: .*/, "")))).toEqual(
      new Set(["mandatory platform-tagging-required-tags"]),
    );
    expect(violations[0].message).toMatch(
      /is missing tag Owner\. Set it through the AWS provider's defaultTags/,
    );
  });
});

describe("the tier comes from the stack, not from a resource's own Tier tag", () => {
  it("a trial database tagged Tier: enterprise with enterprise sizes fails, in production too", async () => {
    const trial = stack("tenant", "production", "every-trial");
    const enterprise = TIERS.enterprise.database;
    const rec = mutate(
      trial.recording,
      (r) => r.type === "aws:rds/instance:Instance",
      (r) => {
        for (const bag of [r.inputs, r.state]) {
          bag.tags = { ...(bag.tags ?? {}), Tier: "enterprise" };
          bag.instanceClass = enterprise.instanceClass;
          bag.allocatedStorage = enterprise.allocatedStorageGb;
          bag.multiAz = true;
        }
      },
    );
    const { violations } = await evaluate(rec, ALL_POLICIES, { environment: "production" });
    expect(brief(violations)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^mandatory platform-rds-size: RDS instance ".*" \(trial tier\): instanceClass "db.m7g.large" is not allowed/,
        ),
        expect.stringMatching(
          /^mandatory platform-tagging-tenant-tags: .*Tier tag "enterprise" disagrees with the stack's tier "trial"/,
        ),
      ]),
    );
  });
});
