import fc from "fast-check";
import {
  BASE_OUTPUT_KEYS,
  buildTags,
  choiceProblem,
  deepFreeze,
  environmentProblem,
  formatProblems,
  isRequired,
  issueProblems,
  notOneOf,
  parseWholeNumber,
  problemText,
  ProblemsError,
  tenantIdProblemsAt,
  UsageError,
  valueOrThrow,
  withPathPrefix,
  ENVIRONMENTS,
  environmentOfStack,
  NAME_RULES,
  NamedService,
  ingressShardsOf,
  parseBaseOutputs,
  parseTenantStackName,
  physicalName,
  RESERVED_TENANT_IDS,
  tagValueProblem,
  tenantIdProblems,
  tenantStackName,
  TENANT_ID_MAX_LENGTH,
} from "./index";

/** Valid tenant ids, from 3 to 20 characters. */
const tenantIds = fc
  .tuple(
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"),
    fc.array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-"), { minLength: 1, maxLength: 18 }),
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
  )
  .map(([a, mid, z]) => `${a}${mid.join("")}${z}`.replace(/-{2,}/g, "-"))
  .filter((id) => id.length <= TENANT_ID_MAX_LENGTH && tenantIdProblems(id).length === 0);

describe("tenantIdProblems", () => {
  it("accepts DNS-label ids of 3 to 20 characters", () => {
    expect(tenantIdProblems("acme")).toEqual([]);
    expect(tenantIdProblems("a1-b2")).toEqual([]);
    expect(tenantIdProblems("a".repeat(20))).toEqual([]);
  });

  it.each([
    ["ab", /is 2 characters; allowed 3 to 20/],
    [
      "a".repeat(21),
      /is 21 characters; allowed 3 to 20 \(longer ids do not fit the 32-character target group name\)/,
    ],
    ["Acme", /must be a lowercase DNS label/],
    ["1acme", /must be a lowercase DNS label/],
    ["acme-", /must be a lowercase DNS label/],
    ["ac_me", /must be a lowercase DNS label/],
    ["ac--me", /must not contain "--"/],
    ["admin", /tenant id "admin" is reserved; reserved ids: www, api, admin/],
    ["staging", /is reserved/],
  ])("rejects %j", (id, message) => {
    expect(tenantIdProblems(id).join("\n")).toMatch(message);
  });

  it("rejects a value that is not a string", () => {
    expect(tenantIdProblems(42)).toEqual(["tenant id must be a string, got 42"]);
  });

  it("reports every problem at once", () => {
    expect(tenantIdProblems("A--")).toHaveLength(2);
  });

  it("keeps the reserved list frozen", () => {
    expect(Object.isFrozen(RESERVED_TENANT_IDS)).toBe(true);
  });
});

describe("physicalName", () => {
  it("joins prefix, environment, tenant and role", () => {
    expect(physicalName("rds", { environment: "production", tenant: "acme", role: "db" })).toBe(
      "plat-prd-acme-db",
    );
    expect(physicalName("ecr", { environment: "staging", role: "app" })).toBe("plat-stg-app");
  });

  it("lowercases where the service requires it and keeps case elsewhere", () => {
    expect(physicalName("s3", { environment: "staging", role: "Logs" })).toBe("plat-stg-logs");
    expect(physicalName("iamRole", { environment: "staging", role: "Deploy" })).toBe("plat-stg-Deploy");
  });

  it("cuts a long name to the limit and ends it with a hash, keeping names distinct", () => {
    const a = physicalName("targetGroup", {
      environment: "production",
      tenant: "a".repeat(20),
      role: "blue-green",
    });
    const b = physicalName("targetGroup", {
      environment: "production",
      tenant: "a".repeat(20),
      role: "blue-greer",
    });
    expect(a).toHaveLength(32);
    expect(a).toMatch(/^plat-prd-a{15}-[0-9a-f]{7}$/);
    expect(a).not.toBe(b);
  });

  it("fits the longest tenant id in a target group name without cutting", () => {
    const name = physicalName("targetGroup", {
      environment: "production",
      tenant: "a".repeat(TENANT_ID_MAX_LENGTH),
    });
    expect(name).toBe(`plat-prd-${"a".repeat(20)}`);
    expect(name.length).toBeLessThanOrEqual(NAME_RULES.targetGroup.max);
  });

  it("always fits the service's limit, uses only allowed characters and never ends with a hyphen", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(NAME_RULES) as NamedService[])),
        fc.constantFrom(...ENVIRONMENTS),
        tenantIds,
        fc.string({ minLength: 0, maxLength: 80 }),
        (service, environment, tenant, role) => {
          const name = physicalName(service, { environment, tenant, role });
          expect(name.length).toBeLessThanOrEqual(NAME_RULES[service].max);
          expect(name).toMatch(/^[A-Za-z0-9-]+$/);
          expect(name).not.toMatch(/--/);
          expect(name.endsWith("-")).toBe(false);
          if (NAME_RULES[service].lowercase) {
            expect(name).toBe(name.toLowerCase());
          }
          expect(physicalName(service, { environment, tenant, role })).toBe(name);
        },
      ),
    );
  });
});

describe("stack names", () => {
  it("round-trips tenant stack names", () => {
    fc.assert(
      fc.property(tenantIds, fc.constantFrom(...ENVIRONMENTS), (tenant, environment) => {
        expect(parseTenantStackName(tenantStackName(tenant, environment))).toEqual({ tenant, environment });
      }),
    );
  });

  it("rejects names that are not tenant stacks", () => {
    expect(parseTenantStackName("staging")).toBeUndefined();
    expect(parseTenantStackName("acme-dev")).toBeUndefined();
    expect(parseTenantStackName("admin-staging")).toBeUndefined();
  });

  it("finds the environment of base and tenant stacks", () => {
    expect(environmentOfStack("staging")).toBe("staging");
    expect(environmentOfStack("acme-production")).toBe("production");
    expect(() => environmentOfStack("dev")).toThrow(
      'stack "dev": the name must be an environment (staging, production) or end with "-<environment>"',
    );
  });
});

describe("buildTags", () => {
  const input = {
    tenant: "acme",
    environment: "staging" as const,
    owner: "team-payments@example.com",
    costCenter: "CC-1234",
    dataClassification: "confidential" as const,
  };

  it("builds every required key, frozen, with ManagedBy=pulumi", () => {
    const tags = buildTags(input);
    expect(tags).toEqual({
      Tenant: "acme",
      Environment: "staging",
      Owner: "team-payments@example.com",
      CostCenter: "CC-1234",
      DataClassification: "confidential",
      ManagedBy: "pulumi",
    });
    expect(Object.isFrozen(tags)).toBe(true);
  });

  it("adds Tier for tenant stacks", () => {
    expect(buildTags({ ...input, tier: "standard" }).Tier).toBe("standard");
  });

  it("reports every invalid value at once", () => {
    expect(() =>
      buildTags({ ...input, owner: "", costCenter: "a#b", dataClassification: "secret" as never }),
    ).toThrow(
      [
        "invalid tags:",
        '  - tag Owner must be a non-empty string, got ""',
        '  - tag CostCenter="a#b" must be 1-256 characters of letters, digits, spaces and _.:/=+-@',
        '  - tag DataClassification="secret" must be one of public, internal, confidential, restricted',
      ].join("\n"),
    );
  });

  it("checks Environment and ManagedBy values", () => {
    expect(tagValueProblem("Environment", "dev")).toBe(
      'tag Environment="dev" must be one of staging, production',
    );
    expect(tagValueProblem("ManagedBy", "terraform")).toBe('tag ManagedBy="terraform" must be "pulumi"');
    expect(tagValueProblem("Owner", "x".repeat(257))).toMatch(/must be 1-256 characters/);
  });
});

describe("base outputs contract", () => {
  const valid = {
    environment: "staging",
    region: "us-east-1",
    vpcId: "vpc-1",
    vpcCidr: "10.0.0.0/16",
    publicSubnetIds: ["subnet-1", "subnet-2", "subnet-3"],
    privateSubnetIds: ["subnet-4", "subnet-5", "subnet-6"],
    isolatedSubnetIds: ["subnet-7", "subnet-8", "subnet-9"],
    dbSubnetGroupName: "plat-stg-db",
    cacheSubnetGroupName: "plat-stg-cache",
    clusterName: "plat-stg",
    clusterArn: "arn:aws:ecs:us-east-1:1:cluster/plat-stg",
    albArn: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1",
    albArnSuffix: "app/x/1",
    albDnsName: "x.elb.amazonaws.com",
    albZoneId: "Z35",
    albSecurityGroupId: "sg-1",
    httpsListenerArn: "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2",
    ingressShards: [
      {
        index: 0,
        albArn: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1",
        albArnSuffix: "app/x/1",
        albDnsName: "x.elb.amazonaws.com",
        albZoneId: "Z35",
        httpsListenerArn: "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2",
      },
      {
        index: 1,
        albArn: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x-1/3",
        albArnSuffix: "app/x-1/3",
        albDnsName: "x-1.elb.amazonaws.com",
        albZoneId: "Z35",
        httpsListenerArn: "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x-1/3/4",
      },
    ],
    hostedZoneId: "Z1",
    domain: "platform.example.com",
    platformKmsKeyArn: "arn:aws:kms:us-east-1:1:key/1",
    platformKmsKeyId: "1",
    alarmTopicArn: "arn:aws:sns:us-east-1:1:alarms",
    ecrRepositoryUrl: "1.dkr.ecr.us-east-1.amazonaws.com/app",
    ecrRepositoryArn: "arn:aws:ecr:us-east-1:1:repository/app",
    backupVaultName: "plat-stg",
    backupPlanId: "plan-1",
    s3AccessLogBucketName: "plat-stg-s3-access-logs",
    deployRoleArn: "arn:aws:iam::1:role/deploy",
    previewRoleArn: "arn:aws:iam::1:role/preview",
  };

  it("lists every key of the schema", () => {
    expect([...BASE_OUTPUT_KEYS].sort()).toEqual(Object.keys(valid).sort());
  });

  it("accepts a base stack deployed before the preview role (tenants never read it)", () => {
    const { previewRoleArn: _preview, ...older } = valid;
    expect(parseBaseOutputs("organization/platform/staging", older)).toEqual(older);
  });

  it("reads a base stack from before sharding as one shard, its single ALB", () => {
    const { ingressShards: _shards, ...older } = valid;
    const parsed = parseBaseOutputs("organization/platform/staging", older);
    expect(ingressShardsOf(parsed)).toEqual([valid.ingressShards[0]]);
    expect(ingressShardsOf(parseBaseOutputs("organization/platform/staging", valid))).toEqual(
      valid.ingressShards,
    );
  });

  it("refuses shards listed out of order, naming the position", () => {
    const swapped = { ...valid, ingressShards: [valid.ingressShards[1], valid.ingressShards[0]] };
    expect(() => parseBaseOutputs("organization/platform/staging", swapped)).toThrow(
      /ingressShards\.0\.index: shard at position 0 says index 1/,
    );
  });

  it("accepts a complete set of outputs", () => {
    expect(parseBaseOutputs("organization/platform/staging", valid)).toEqual(valid);
  });

  it("names every missing or malformed output and what to do", () => {
    const { vpcId: _vpcId, ...missing } = valid;
    expect(() =>
      parseBaseOutputs("organization/platform/staging", { ...missing, albArn: "nope", environment: "dev" }),
    ).toThrow(
      /base stack "organization\/platform\/staging" does not export the base outputs contract:\n {2}- environment: .*\n {2}- vpcId: .*\n {2}- albArn: .*\nRun `pulumi up` on the base stack first/,
    );
  });
});

describe("problems as values", () => {
  test("one formatter, with the path before each message", () => {
    expect(
      formatProblems("invalid input", [
        notOneOf("--env", "qa", ENVIRONMENTS),
        isRequired("--tier", ["trial", "standard"]),
        { path: "", message: "the input as a whole" },
        "a line already rendered",
      ]),
    ).toBe(
      [
        "invalid input:",
        '  - --env: "qa" is not one of staging, production',
        "  - --tier: is required (one of trial, standard)",
        "  - the input as a whole",
        "  - a line already rendered",
      ].join("\n"),
    );
  });

  test("the builders keep the value and what is allowed, for edges that map them", () => {
    expect(environmentProblem("env", "dev")).toEqual({
      path: "env",
      value: "dev",
      allowed: ENVIRONMENTS,
      message: '"dev" is not one of staging, production',
    });
    expect(environmentProblem("env", undefined)?.message).toBe("is required (one of staging, production)");
    expect(environmentProblem("env", undefined, { required: false })).toBeUndefined();
    expect(environmentProblem("env", "staging")).toBeUndefined();
    expect(choiceProblem("op", 3, ["a"])?.message).toBe("3 is not one of a");
    expect(
      withPathPrefix("tenant:spec", [
        { path: "tier", message: "m" },
        { path: "", message: "n" },
      ]),
    ).toEqual([
      { path: "tenant:spec.tier", message: "m" },
      { path: "tenant:spec", message: "n" },
    ]);
    expect(tenantIdProblemsAt("<tenant>", "ab").map(problemText)).toEqual([
      '<tenant>: tenant id "ab" is 2 characters; allowed 3 to 20 (longer ids do not fit the 32-character target group name)',
    ]);
  });

  test("parsers return a value or problems; only a boundary throws", () => {
    expect(parseWholeNumber("--n", "7", 1, 10)).toEqual({ value: 7 });
    expect(parseWholeNumber("--n", undefined, 1, 10)).toEqual({ value: undefined });
    expect(parseWholeNumber("--n", "1.5", 1, 10).problems?.map(problemText)).toEqual([
      '--n: "1.5" is not a whole number from 1 to 10',
    ]);
    expect(valueOrThrow({ value: 1 }, "x")).toBe(1);
    const error = (() => {
      try {
        valueOrThrow({ problems: [{ path: "a", message: "is bad" }] }, "the thing is wrong");
      } catch (e) {
        return e as ProblemsError;
      }
      throw new Error("expected a ProblemsError");
    })();
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error.message).toBe("the thing is wrong:\n  - a: is bad");
    expect(new UsageError([{ path: "--x", message: "y" }])).toMatchObject({
      name: "UsageError",
      message: "invalid input:\n  - --x: y",
    });
  });

  test("issues of a schema validator become problems, the whole input as (root)", () => {
    expect(
      issueProblems([
        { path: ["a", 0], message: "m" },
        { path: [], message: "n" },
      ]),
    ).toEqual([
      { path: "a.0", message: "m" },
      { path: "(root)", message: "n" },
    ]);
  });

  test("deepFreeze freezes every level", () => {
    const value = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
  });
});
