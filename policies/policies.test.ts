/**
 * Unit tests of the pack: compliant fixtures pass every policy, each failing case breaks exactly the
 * rule it names, every policy and rule has a failing case, levels and waivers behave, and the harness
 * matches @pulumi/policy's own analyzer handlers.
 */
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import { ENVIRONMENTS } from "../common";
import { TIER_NAMES } from "../common";
import { resolveLevel } from "./lib/config";
import { stackConfig } from "./lib/stack-config";
import { stackInfoFromUrn } from "./lib/stack-info";
import { effectiveTags } from "./lib/tags";
import { isExpired, loadWaivers, parseWaivers, waiverMatches } from "./lib/waivers";
import { ALL_POLICIES } from "./registry";
import { FAILING_CASES, fixtureFor } from "./testing/cases";
import { analyzeLikeEngine } from "./testing/analyzer";
import { baseFixture, find, patch, remove, setDefaultTags, tenantFixture } from "./testing/fixtures";
import { engineProps, evaluate, isTypeOf, resourceArgs } from "./engine/harness";
import { awsVersion, renderTaggableTypes, scanTaggableTypes } from "./tagging/generate-taggable-types";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknown } = require("@pulumi/pulumi/output");

const brief = (vs: { policy: string; message: string }[]) => vs.map((v) => `${v.policy}: ${v.message}`);

describe("compliant fixtures", () => {
  for (const env of ENVIRONMENTS) {
    it(`base stack (${env}) passes every policy`, async () => {
      const { violations } = await evaluate(baseFixture(env).recording(), ALL_POLICIES, { environment: env });
      expect(brief(violations)).toEqual([]);
    });
    for (const tier of TIER_NAMES) {
      it(`${tier} tenant (${env}) passes every policy`, async () => {
        const { violations } = await evaluate(tenantFixture(tier, env).recording(), ALL_POLICIES, {
          environment: env,
        });
        expect(brief(violations)).toEqual([]);
      });
    }
  }
});

describe("as the engine shows a tenant stack (no StackReference among the resources)", () => {
  it.each(TIER_NAMES)(
    "a %s tenant on the base's isolated groups passes platform-vpc-isolated-data-subnets",
    async (tier) => {
      const stack = tenantFixture(tier, "staging");
      remove(stack, "pulumi:pulumi:StackReference");
      const { violations } = await evaluate(stack.recording(), ALL_POLICIES, { environment: "staging" });
      expect(brief(violations)).toEqual([]);
    },
  );
});

describe("failing cases", () => {
  it.each(FAILING_CASES.map((c) => [`${c.policy}: ${c.rule} (${c.expect.source})`, c] as const))(
    "%s",
    async (_title, c) => {
      const s = fixtureFor(c);
      c.change(s);
      const { violations } = await evaluate(s.recording(), ALL_POLICIES, c.options);
      const mine = violations.filter((v) => v.policy === c.policy);
      // A default-tag change reaches every resource; any other change breaks one resource once.
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(brief(mine)).toEqual(mine.map(() => expect.stringMatching(c.expect)));
      expect(new Set(mine.map((v) => v.level))).toEqual(new Set(["mandatory"]));
    },
  );

  it("every policy has a failing case for each of its rules, and every case names a real rule", () => {
    const missing: string[] = [];
    for (const p of ALL_POLICIES) {
      const covered = new Set(FAILING_CASES.filter((c) => c.policy === p.name).map((c) => c.rule));
      p.rules.filter((r) => !covered.has(r)).forEach((r) => missing.push(`${p.name}: "${r}"`));
    }
    const stray = FAILING_CASES.filter(
      (c) => !ALL_POLICIES.find((p) => p.name === c.policy)?.rules.includes(c.rule),
    ).map((c) => `${c.policy}: "${c.rule}"`);
    expect({ missing, stray }).toEqual({ missing: [], stray: [] });
  });
});

describe("the pack", () => {
  it("names every policy platform-<service>-<rule>, once, with the file policies/<service>/<rule>.ts", () => {
    const names = ALL_POLICIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      const [, service, rule] = /^platform-([a-z0-9]+)-([a-z0-9-]+)$/.exec(name) ?? [];
      expect(fs.existsSync(path.join(__dirname, service, `${rule}.ts`))).toBe(true);
    }
  });

  it("documents every policy in docs/policies.md", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "policies.md"), "utf8");
    expect(ALL_POLICIES.map((p) => p.name).filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  });

  it("does not declare enforcementLevel in any config schema (the server refuses to start)", () => {
    for (const p of ALL_POLICIES) {
      expect(Object.keys(p.configSchema?.properties ?? {})).not.toContain("enforcementLevel");
    }
  });

  it("keeps the taggable type list in sync with the installed @pulumi/aws", () => {
    const version = awsVersion();
    const current = fs.readFileSync(path.join(__dirname, "tagging", "taggable-types.ts"), "utf8");
    expect(current).toBe(renderTaggableTypes(scanTaggableTypes(), version));
  });
});

describe("enforcement levels", () => {
  it("reports tagging and limits as advisory in staging and mandatory in production", async () => {
    for (const env of ENVIRONMENTS) {
      const s = tenantFixture("trial", env);
      setDefaultTags(s, ({ Owner: _o, ...t }) => t);
      patch(s, "aws:rds/instance:Instance", "db", { instanceClass: "db.m7g.large" });
      const { violations } = await evaluate(s.recording(), ALL_POLICIES, { environment: env });
      const levels = new Set(violations.filter((v) => /tagging|rds-size/.test(v.policy)).map((v) => v.level));
      expect([...levels]).toEqual([env === "production" ? "mandatory" : "advisory"]);
    }
  });

  it("keeps encryption mandatory in staging", async () => {
    const s = tenantFixture("trial", "staging");
    patch(s, "aws:rds/instance:Instance", "db", { storageEncrypted: false });
    const { violations } = await evaluate(s.recording(), ALL_POLICIES, { environment: "staging" });
    expect(violations.map((v) => [v.policy, v.level])).toEqual([["platform-rds-encryption", "mandatory"]]);
  });

  it("lets config raise staging or disable it, as --policy-pack-config would", async () => {
    const s = tenantFixture("trial", "staging");
    setDefaultTags(s, ({ Owner: _o, ...t }) => t);
    const raised = await evaluate(s.recording(), ALL_POLICIES, {
      config: { "platform-tagging-required-tags": { levels: { staging: "mandatory" } } },
    });
    expect(new Set(raised.violations.map((v) => v.level))).toEqual(new Set(["mandatory"]));
    const disabled = await evaluate(s.recording(), ALL_POLICIES, {
      config: { "platform-tagging-required-tags": { levels: { staging: "disabled" } } },
    });
    expect(disabled.violations).toEqual([]);
  });

  it("rejects config that lowers production or a fixed category, naming the field", () => {
    expect(() =>
      resolveLevel("platform-rds-size", "limits", "production", { levels: { production: "advisory" } }),
    ).toThrow('levels.production: "advisory" is not allowed; limits policies are mandatory in production');
    expect(() =>
      resolveLevel("platform-sns-kms", "encryption", "staging", { levels: { staging: "advisory" } }),
    ).toThrow('levels.staging: "advisory" is not allowed; encryption policies are always mandatory');
    expect(() =>
      resolveLevel("platform-sns-kms", "encryption", "staging", { levels: { dev: "advisory" } }),
    ).toThrow(/policy config for platform-sns-kms is invalid/);
  });

  it("fails the evaluation (as the engine fails the preview) on invalid config", async () => {
    await expect(
      evaluate(baseFixture("staging").recording(), ALL_POLICIES, {
        config: { "platform-kms-rotation": { levels: { staging: "disabled" } } },
      }),
    ).rejects.toThrow(/levels.staging: "disabled" is not allowed/);
  });
});

describe("waivers", () => {
  const waiver = {
    policy: "platform-kms-rotation",
    resource: "platform-*",
    reason: "key material imported from the legacy account",
    owner: "platform-team",
    expires: "2030-12-31",
  };

  it("suppresses the matching violation and reports it as waived", async () => {
    const s = baseFixture("production");
    patch(s, "aws:kms/key:Key", undefined, { enableKeyRotation: false });
    const { violations, waived } = await evaluate(s.recording(), ALL_POLICIES, {
      waivers: [waiver],
      now: new Date("2030-12-31T23:00:00Z"),
    });
    expect(violations).toEqual([]);
    expect(waived.map((w) => [w.policy, w.urn])).toEqual([
      ["platform-kms-rotation", find(s, "aws:kms/key:Key").urn],
    ]);
  });

  it("stops applying after its last day, and then is itself a violation", async () => {
    const s = baseFixture("production");
    patch(s, "aws:kms/key:Key", undefined, { enableKeyRotation: false });
    const { violations } = await evaluate(s.recording(), ALL_POLICIES, {
      waivers: [waiver],
      now: new Date("2031-01-01T00:00:00Z"),
    });
    expect(violations.map((v) => v.policy).sort()).toEqual([
      "platform-kms-rotation",
      "platform-waivers-expired",
    ]);
  });

  it("matches a glob over the URN or the logical name, for its policy only", () => {
    const urn = "urn:pulumi:acme-staging::tenant::aws:kms/key:Key::platform-key";
    expect(waiverMatches(waiver, "platform-kms-rotation", urn)).toBe(true);
    expect(
      waiverMatches({ ...waiver, resource: "urn:pulumi:*-staging::tenant::*" }, "platform-kms-rotation", urn),
    ).toBe(true);
    expect(
      waiverMatches({ ...waiver, resource: "urn:pulumi:*-production::*" }, "platform-kms-rotation", urn),
    ).toBe(false);
    expect(waiverMatches(waiver, "platform-sns-kms", urn)).toBe(false);
    expect(isExpired(waiver, new Date("2030-12-31T23:59:59Z"))).toBe(false);
  });

  it("validates the file, naming each bad entry and field", () => {
    expect(() =>
      parseWaivers(
        "waivers:\n  - policy: kms\n    resource: x\n    reason: short\n    owner: me\n    expires: 31/12/2030\n    extra: 1\n",
      ),
    ).toThrow(
      /waivers.yaml is invalid:\n {2}- waivers.0.policy: must be a policy name[\s\S]*waivers.0.reason: must say why[\s\S]*waivers.0.expires: must be a date, YYYY-MM-DD[\s\S]*Unrecognized key/,
    );
  });

  it("checks in a valid waivers file naming only real policies", () => {
    const names = new Set(ALL_POLICIES.map((p) => p.name));
    expect(loadWaivers().filter((w) => !names.has(w.policy))).toEqual([]);
  });
});

describe("the harness mirrors the engine", () => {
  it("yields the same violations as @pulumi/policy's analyzer handlers, on compliant and broken stacks", async () => {
    const broken = tenantFixture("trial", "production");
    setDefaultTags(broken, ({ Owner: _o, ...t }) => t);
    patch(broken, "aws:rds/instance:Instance", "db", {
      instanceClass: "db.m7g.large",
      storageEncrypted: false,
    });
    patch(broken, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", undefined, {
      cidrIpv4: "0.0.0.0/0",
    });
    const preview = tenantFixture("standard", "production");
    patch(preview, "aws:rds/instance:Instance", "db", { instanceClass: unknown });
    patch(preview, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", undefined, { bucket: unknown });
    for (const s of [baseFixture("production"), broken, preview]) {
      const ours = await evaluate(s.recording(), ALL_POLICIES);
      const engine = await analyzeLikeEngine(s.recording(), ALL_POLICIES);
      const key = (v: { policy: string; level: string; urn?: string; message: string }) =>
        `${v.policy}|${v.level}|${v.urn}|${v.message}`;
      expect(engine.map(key).sort()).toEqual(ours.violations.map(key).sort());
    }
    const engineBroken = await analyzeLikeEngine(broken.recording(), ALL_POLICIES);
    expect(engineBroken.length).toBeGreaterThanOrEqual(4);
  });

  it("compares type tokens in isType/asType", () => {
    const s = baseFixture("staging");
    const args = resourceArgs(s.recording(), find(s, "aws:kms/key:Key"), "x");
    expect(args.isType(aws.kms.Key)).toBe(true);
    expect(args.isType(aws.kms.Alias)).toBe(false);
    expect(args.asType(aws.s3.Bucket)).toBeUndefined();
    expect(isTypeOf("aws:lb/listener:Listener", aws.alb.Listener)).toBe(false);
    expect(args.provider?.type).toBe("pulumi:providers:aws");
    expect(typeof args.provider?.props.defaultTags).toBe("string");
  });

  it("throws on unknown values like the runtime's proxy", () => {
    const props = engineProps({ a: 1, b: unknown, nested: { c: unknown } });
    expect(props.a).toBe(1);
    expect(() => props.b).toThrow("value at .b can't be known during preview");
    expect(() => props.nested.c).toThrow("value at .nested.c can't be known during preview");
  });

  it("during preview, reports a policy that reads an unknown value as advisory 'can't run', like the engine", async () => {
    const s = tenantFixture("standard", "production");
    patch(s, "aws:rds/instance:Instance", "db", { instanceClass: unknown });
    const { violations } = await evaluate(s.recording(), ALL_POLICIES);
    expect(violations.map((v) => [v.policy, v.level])).toEqual([["platform-rds-size", "advisory"]]);
    expect(violations[0].message).toMatch(
      /can't run policy 'platform-rds-size' from policy pack 'platform@v0.1.0' during preview: .*instanceClass/,
    );
  });

  it("treats unknown key, token and certificate references as set, and still runs the policy's other rules", async () => {
    const s = tenantFixture("enterprise", "production");
    patch(s, "aws:rds/instance:Instance", "db", {
      kmsKeyId: unknown,
      performanceInsightsKmsKeyId: unknown,
      parameterGroupName: unknown,
      storageEncrypted: false,
    });
    patch(s, "aws:elasticache/replicationGroup:ReplicationGroup", undefined, {
      authToken: unknown,
      kmsKeyId: unknown,
    });
    patch(s, "aws:cloudwatch/logGroup:LogGroup", undefined, { kmsKeyId: unknown });
    const { violations } = await evaluate(s.recording(), ALL_POLICIES);
    expect(brief(violations)).toEqual([
      expect.stringMatching(/^platform-rds-encryption: .*storageEncrypted is false/),
    ]);
  });

  it("accepts a production database without deletion protection only while it is being decommissioned", async () => {
    const rds = (changes: Record<string, unknown>) => {
      const s = tenantFixture("enterprise", "production");
      patch(s, "aws:rds/instance:Instance", "db", {
        identifier: "plat-prd-acme-db",
        deletionProtection: false,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: "plat-prd-acme-db-final-202611220130",
        ...changes,
      });
      return evaluate(s.recording(), ALL_POLICIES).then(({ violations }) => brief(violations));
    };
    // What the tenant program declares while `tenant:decommission` is set.
    expect(await rds({})).toEqual([]);
    // Not decommissioning: the fixed name of an ordinary final snapshot, another database's name,
    // or no final snapshot at all.
    for (const changes of [
      { finalSnapshotIdentifier: "plat-prd-acme-db-final" },
      { finalSnapshotIdentifier: "plat-prd-other-db-final-202611220130" },
      { skipFinalSnapshot: true },
    ]) {
      expect(await rds(changes)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^platform-rds-production-protection: .*deletionProtection is false; production data stores must have it on/,
          ),
        ]),
      );
    }
  });

  it("never reports a missing companion when a stack policy cannot match unknown references", async () => {
    const s = tenantFixture("trial", "production");
    patch(s, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", undefined, { bucket: unknown });
    const { violations } = await evaluate(s.recording(), ALL_POLICIES);
    expect(violations.map((v) => [v.policy, v.level])).toEqual([
      ["platform-s3-bucket-companions", "advisory"],
    ]);
    expect(violations[0].message).toMatch(
      /can't run policy 'platform-s3-bucket-companions' from policy pack 'platform@v0.1.0' during preview/,
    );
  });

  it("unwraps secrets, as the analyzer does", () => {
    const s = tenantFixture("standard", "staging");
    const props = engineProps(find(s, "aws:elasticache/replicationGroup:ReplicationGroup").inputs);
    expect(props.authToken).toBe("placeholder-token");
  });

  it("reads provider default tags JSON-encoded (Node programs) and as objects (other SDKs)", () => {
    const tags = { tags: { Owner: "team", Tenant: "shared" } };
    const asString = {
      type: "pulumi:providers:aws",
      urn: "u",
      name: "aws",
      props: { defaultTags: JSON.stringify(tags) },
    };
    const asObject = { ...asString, props: { defaultTags: tags } };
    for (const provider of [asString, asObject]) {
      expect(effectiveTags({ tags: { Owner: "other" } }, provider)).toEqual({
        Owner: "other",
        Tenant: "shared",
      });
    }
    expect(effectiveTags({}, undefined)).toEqual({});
  });
});

describe("stack info", () => {
  it("reads environment and tenant from URNs", () => {
    expect(stackInfoFromUrn("urn:pulumi:acme-production::tenant::aws:s3/bucket:Bucket::b")).toMatchObject({
      kind: "tenant",
      tenant: "acme",
      environment: "production",
    });
    expect(stackInfoFromUrn("urn:pulumi:staging::platform::a$aws:s3/bucket:Bucket::b")).toMatchObject({
      kind: "base",
      environment: "staging",
    });
    expect(stackInfoFromUrn("urn:pulumi:dev::platform::aws:s3/bucket:Bucket::b")).toMatchObject({
      environment: "production",
      environmentKnown: false,
    });
    expect(() => stackInfoFromUrn("nope")).toThrow('"nope" is not a Pulumi URN');
  });
});

describe("address ranges are compared as networks, not as text", () => {
  const open = async (source: { cidrIpv4?: string; cidrIpv6?: string }, port = 5432) => {
    const s = tenantFixture("standard", "production");
    patch(s, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", undefined, {
      referencedSecurityGroupId: undefined,
      fromPort: port,
      toPort: port,
      ...source,
    });
    const { violations } = await evaluate(s.recording(), ALL_POLICIES);
    return brief(violations.filter((v) => v.policy === "platform-ec2-public-ingress"));
  };

  it.each([
    [{ cidrIpv6: "0:0:0:0:0:0:0:0/0" }, "::/0"],
    [{ cidrIpv6: "0000::/0" }, "::/0"],
    [{ cidrIpv4: "0.0.0.0/1" }, "0.0.0.0/1"],
    [{ cidrIpv4: "128.0.0.0/1" }, "128.0.0.0/1"],
    [{ cidrIpv4: "10.0.0.0/7" }, "10.0.0.0/7"],
    [{ cidrIpv6: "2000::/3" }, "2000::/3"],
  ])("flags %j on tcp 5432 as public", async (source, shown) => {
    expect(await open(source)).toEqual([expect.stringContaining(`admits tcp 5432 from ${shown}`)]);
  });

  it("does not flag a range within the limit, or a wide range on tcp 443", async () => {
    expect(await open({ cidrIpv4: "10.0.0.0/8" })).toEqual([]);
    expect(await open({ cidrIpv6: "2001:db8::/32" })).toEqual([]);
    expect(await open({ cidrIpv4: "0.0.0.0/1" }, 443)).toEqual([]);
  });

  it("flags a source that is not an address range at all, since it cannot be vouched for", async () => {
    expect(await open({ cidrIpv4: "0.0.0.0/33" })).toEqual([
      expect.stringContaining('"0.0.0.0/33" is not a valid CIDR'),
    ]);
  });
});

describe("the stack's tier", () => {
  it("comes from the stack's tenant:spec config; without it the tier limits cannot be checked", async () => {
    const s = tenantFixture("trial", "production");
    delete s.config["tenant:spec"];
    const { violations } = await evaluate(s.recording(), ALL_POLICIES);
    expect(new Set(violations.map((v) => v.policy))).toEqual(
      new Set([
        "platform-rds-size",
        "platform-ecs-task-size",
        "platform-ecs-task-count",
        "platform-appautoscaling-bounds",
        // Nor the placement on an ingress shard.
        "platform-lb-listener-shard",
      ]),
    );
    expect(violations[0].message).toMatch(
      /cannot check tier limits: the stack has no tenant:spec config, so its tier is unknown/,
    );
  });

  it("is the stack's even when every resource is tagged with another tier", async () => {
    const s = tenantFixture("trial", "production");
    setDefaultTags(s, (t) => ({ ...t, Tier: "enterprise" }));
    patch(s, "aws:rds/instance:Instance", "db", { instanceClass: "db.m7g.large" });
    const { violations } = await evaluate(s.recording(), ALL_POLICIES);
    expect(brief(violations.filter((v) => v.policy === "platform-rds-size"))).toEqual([
      expect.stringMatching(/\(trial tier\): instanceClass "db.m7g.large" is not allowed/),
    ]);
    expect(violations.filter((v) => v.policy === "platform-tagging-tenant-tags").length).toBeGreaterThan(5);
  });

  it("reads the engine's PULUMI_CONFIG (the analyzer's environment), leaving secret keys out", () => {
    const saved = { c: process.env.PULUMI_CONFIG, k: process.env.PULUMI_CONFIG_SECRET_KEYS };
    try {
      process.env.PULUMI_CONFIG = JSON.stringify({
        "tenant:spec": '{"tier":"standard"}',
        "tenant:secrets": "x",
      });
      process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(["tenant:secrets"]);
      expect(stackConfig()).toEqual({ "tenant:spec": '{"tier":"standard"}' });
      expect(
        stackInfoFromUrn("urn:pulumi:acme-staging::tenant::aws:s3/bucket:Bucket::b", stackConfig()),
      ).toMatchObject({
        tier: "standard",
      });
    } finally {
      process.env.PULUMI_CONFIG = saved.c;
      process.env.PULUMI_CONFIG_SECRET_KEYS = saved.k;
      if (saved.c === undefined) delete process.env.PULUMI_CONFIG;
      if (saved.k === undefined) delete process.env.PULUMI_CONFIG_SECRET_KEYS;
    }
  });

  it.each([
    [{}, "the stack has no tenant:spec config"],
    [{ "tenant:spec": "{" }, "config is not JSON"],
    [{ "tenant:spec": '{"tier":"gold"}' }, 'has tier "gold"; it must be one of trial, standard, enterprise'],
  ])("names what is wrong with config %j", (config, problem) => {
    expect(stackInfoFromUrn("urn:pulumi:acme-staging::tenant::t::n", config).tierProblem).toContain(problem);
  });
});

describe("S3 access logging on a tenant stack without the base outputs (the engine shows stack policies no reads)", () => {
  it("accepts a target outside the stack, and still refuses a bucket without logging", async () => {
    const s = tenantFixture("standard", "production");
    remove(s, "pulumi:pulumi:StackReference");
    patch(s, "aws:s3/bucketLogging:BucketLogging", "storage-access-logs", {
      targetBucket: "plat-prd-s3-access-logs-x",
    });
    const logging = (await evaluate(s.recording(), ALL_POLICIES)).violations.filter(
      (v) => v.policy === "platform-s3-access-logging",
    );
    expect(logging).toEqual([]);
    remove(s, "aws:s3/bucketLogging:BucketLogging", "storage-access-logs");
    const missing = (await evaluate(s.recording(), ALL_POLICIES)).violations.filter(
      (v) => v.policy === "platform-s3-access-logging",
    );
    expect(brief(missing)).toEqual([expect.stringMatching(/bucket "storage" has no server access logging/)]);
  });
});
