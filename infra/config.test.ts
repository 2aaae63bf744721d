import { ENVIRONMENT_PROFILES } from "../common";
import { record } from "../offline/recorder";
import { BaseConfig, CONFIG_KEYS, loadBaseConfig, parseBaseConfig } from "./config";

/** A complete, valid raw config, as Pulumi hands it over (arrays JSON-encoded). */
const VALID: Readonly<Record<string, string>> = Object.freeze({
  "aws:region": "us-east-1",
  "platform:domain": "platform.example.com",
  "platform:hostedZoneId": "",
  "platform:owner": "platform-team",
  "platform:costCenter": "cc-platform",
  "platform:dataClassification": "internal",
  "platform:vpcCidr": "10.0.0.0/16",
  "platform:githubRepository": "example-org/saas-platform",
  "platform:githubBranches": '["main"]',
  "platform:githubOidcProviderArn": "",
  "platform:ecrImagesToKeep": "30",
  "platform:backupRetentionDays": "35",
  "platform:alarmEmail": "",
  "platform:backupCopyRegion": "us-west-2",
  "platform:stateBucket": "",
  "platform:quotas": "",
  "platform:ingressShards": "1",
});

function parseWith(overrides: Record<string, string | undefined>, environment = "staging"): BaseConfig {
  return parseBaseConfig(environment, { ...VALID, ...overrides });
}

describe("parseBaseConfig", () => {
  it("returns a typed, deeply frozen config with the environment profile", () => {
    const config = parseWith({}, "production");
    expect(config).toEqual({
      environment: "production",
      profile: ENVIRONMENT_PROFILES.production,
      region: "us-east-1",
      domain: "platform.example.com",
      owner: "platform-team",
      costCenter: "cc-platform",
      dataClassification: "internal",
      vpcCidr: "10.0.0.0/16",
      github: { repository: "example-org/saas-platform", branches: ["main"] },
      ecrImagesToKeep: 30,
      backupRetentionDays: 35,
      backupCopyRegion: "us-west-2",
      quotas: {},
      ingressShards: 1,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.github)).toBe(true);
    expect(Object.isFrozen(config.github.branches)).toBe(true);
  });

  it("turns the optional settings' empty defaults into absent values, and keeps set ones", () => {
    const config = parseWith({
      "platform:hostedZoneId": "Z0123456789ABCDEFGHIJ",
      "platform:alarmEmail": "oncall@example.com",
      "platform:githubBranches": '["main","release/2026"]',
      "platform:githubOidcProviderArn":
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    });
    expect(config.hostedZoneId).toBe("Z0123456789ABCDEFGHIJ");
    expect(config.alarmEmail).toBe("oncall@example.com");
    expect(config.github).toEqual({
      repository: "example-org/saas-platform",
      branches: ["main", "release/2026"],
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    });
    expect(parseWith({ "platform:stateBucket": "acme-pulumi-state" }).stateBucket).toBe("acme-pulumi-state");
    expect("stateBucket" in parseWith({})).toBe(false);
    expect("hostedZoneId" in parseWith({})).toBe(false);
    expect("alarmEmail" in parseWith({})).toBe(false);
  });

  it("ignores keys of other namespaces", () => {
    expect(parseWith({ "aws:profile": "ops", "tenant:tier": "trial" }).domain).toBe("platform.example.com");
  });

  // One case per error path: the message names the key, the value and what is allowed.
  it.each<[string, Record<string, string | undefined>, string]>([
    [
      "backup copies into the stack's own region",
      { "platform:backupCopyRegion": "us-east-1" },
      'platform:backupCopyRegion = "us-east-1" is the stack\'s own region (aws:region); copies must go to another region (e.g. us-west-2 for us-east-1)',
    ],
    [
      "bad backup copy region",
      { "platform:backupCopyRegion": "west" },
      'platform:backupCopyRegion = "west" is not an AWS region of the commercial partition',
    ],
    [
      "state bucket that is not a bucket name",
      { "platform:stateBucket": "s3://Acme_State" },
      'platform:stateBucket = "s3://Acme_State" is not an S3 bucket name; expected 3 to 63 lowercase letters, digits, "." and "-"',
    ],
    [
      "raised quota below its default",
      { "platform:quotas": '{"elasticIps": 2}' },
      'platform:quotas = "{\\"elasticIps\\": 2}" platform:quotas.elasticIps = 2 is not a whole number of at least the default 5',
    ],
    [
      "bad region",
      { "aws:region": "us-east" },
      'aws:region = "us-east" is not an AWS region of the commercial partition; expected e.g. us-east-1',
    ],
    [
      "region of another partition",
      { "aws:region": "cn-north-1" },
      'aws:region = "cn-north-1" is not an AWS region',
    ],
    [
      "uppercase domain",
      { "platform:domain": "Platform.Example.com" },
      'platform:domain = "Platform.Example.com" is not a lowercase DNS name',
    ],
    [
      "single-label domain",
      { "platform:domain": "localhost" },
      'platform:domain = "localhost" is not a lowercase DNS name; expected at least two dot-separated labels',
    ],
    [
      "wildcard domain",
      { "platform:domain": "*.example.com" },
      'platform:domain = "*.example.com" is not a lowercase DNS name',
    ],
    [
      "domain with trailing dot",
      { "platform:domain": "example.com." },
      'platform:domain = "example.com." is not a lowercase DNS name',
    ],
    [
      "too long domain",
      { "platform:domain": `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.com` },
      "characters; allowed at most 232 so <tenant>.<domain> fits in 253",
    ],
    [
      "bad hosted zone id",
      { "platform:hostedZoneId": "zone-1" },
      'platform:hostedZoneId = "zone-1" is not a Route 53 hosted zone id',
    ],
    ["bad owner", { "platform:owner": "team#1" }, 'platform:owner = "team#1" is not a valid Owner tag value'],
    [
      "empty cost center",
      { "platform:costCenter": "" },
      'platform:costCenter = "" is not a valid CostCenter tag value',
    ],
    [
      "bad data classification",
      { "platform:dataClassification": "secret" },
      'platform:dataClassification = "secret" is not a data classification; allowed public, internal, confidential, restricted',
    ],
    [
      "VPC CIDR too large",
      { "platform:vpcCidr": "10.0.0.0/8" },
      'platform:vpcCidr = "10.0.0.0/8" is a /8; allowed /16 to /21',
    ],
    [
      "VPC CIDR not private",
      { "platform:vpcCidr": "52.0.0.0/16" },
      'platform:vpcCidr = "52.0.0.0/16" is not a private network',
    ],
    [
      "VPC CIDR with host bits",
      { "platform:vpcCidr": "10.0.1.0/16" },
      'platform:vpcCidr = "10.0.1.0/16" has host bits set; the network address is 10.0.0.0/16',
    ],
    [
      "VPC CIDR not a CIDR",
      { "platform:vpcCidr": "10.0.0.0" },
      'platform:vpcCidr = "10.0.0.0" is not an IPv4 CIDR',
    ],
    [
      "repository without owner",
      { "platform:githubRepository": "saas-platform" },
      'platform:githubRepository = "saas-platform" is not a GitHub repository; expected owner/repo',
    ],
    [
      "repository URL",
      { "platform:githubRepository": "https://github.com/example-org/saas-platform" },
      "is not a GitHub repository",
    ],
    [
      "wildcard branch",
      { "platform:githubBranches": '["main","feature/*"]' },
      'platform:githubBranches = "[\\"main\\",\\"feature/*\\"]" branch "feature/*" is not an exact git branch name; allowed letters, digits and . _ / -',
    ],
    [
      "branch with ..",
      { "platform:githubBranches": '["a..b"]' },
      'branch "a..b" is not an exact git branch name',
    ],
    [
      "branches not a list",
      { "platform:githubBranches": "main" },
      "platform:githubBranches = \"main\" is not a non-empty list of branch names; set it with `pulumi config set --path 'platform:githubBranches[0]' main`",
    ],
    [
      "empty branch list",
      { "platform:githubBranches": "[]" },
      'platform:githubBranches = "[]" is not a non-empty list of branch names',
    ],
    [
      "bad OIDC provider ARN",
      { "platform:githubOidcProviderArn": "arn:aws:iam::123:oidc-provider/x" },
      "is not the ARN of a GitHub OIDC provider",
    ],
    [
      "zero images to keep",
      { "platform:ecrImagesToKeep": "0" },
      'platform:ecrImagesToKeep = "0" is not an integer from 1 to 1000',
    ],
    [
      "non-numeric images to keep",
      { "platform:ecrImagesToKeep": "ten" },
      'platform:ecrImagesToKeep = "ten" is not an integer from 1 to 1000',
    ],
    [
      "fractional images to keep",
      { "platform:ecrImagesToKeep": "2.5" },
      'platform:ecrImagesToKeep = "2.5" is not an integer from 1 to 1000',
    ],
    [
      "too many images to keep",
      { "platform:ecrImagesToKeep": "1001" },
      'platform:ecrImagesToKeep = "1001" is not an integer from 1 to 1000',
    ],
    [
      "no ingress shard",
      { "platform:ingressShards": "0" },
      'platform:ingressShards = "0" is not an integer from 1 to 100',
    ],
    [
      "more ingress shards than allowed",
      { "platform:ingressShards": "101" },
      'platform:ingressShards = "101" is not an integer from 1 to 100',
    ],
    [
      "a fractional number of ingress shards",
      { "platform:ingressShards": "2.5" },
      'platform:ingressShards = "2.5" is not an integer from 1 to 100',
    ],
    [
      "bad backup retention",
      { "platform:backupRetentionDays": "-1" },
      'platform:backupRetentionDays = "-1" is not an integer from 1 to 3650',
    ],
    [
      "bad alarm email",
      { "platform:alarmEmail": "oncall" },
      'platform:alarmEmail = "oncall" is not an email address; expected name@example.com, or "" for none',
    ],
    [
      "missing setting",
      { "platform:domain": undefined },
      "platform:domain is not set; set it with `pulumi config set platform:domain <value>`",
    ],
    [
      "typo in a key",
      { "platform:domian": "x.example.com" },
      "platform:domian is not a known setting (a typo?); known: aws:region, platform:domain",
    ],
  ])("%s", (_, overrides, message) => {
    expect(() => parseWith(overrides)).toThrow(message);
  });

  it("rejects a stack name that is not an environment", () => {
    expect(() => parseBaseConfig("dev", VALID)).toThrow(
      'invalid configuration of base stack "dev":\n  - stack "dev": a base stack is named after its environment; allowed staging, production',
    );
  });

  it("reports every problem at once, then how to fix them", () => {
    let message = "";
    try {
      parseBaseConfig("prod", {
        ...VALID,
        "aws:region": "nowhere",
        "platform:domain": "bad_domain",
        "platform:vpcCidr": "10.0.0.0/8",
        "platform:ecrImagesToKeep": "0",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    const problems = message.split("\n").filter((line) => line.startsWith("  - "));
    expect(problems.map((p) => p.split(" ")[3])).toEqual([
      "stack",
      "aws:region",
      "platform:domain",
      "platform:vpcCidr",
      "platform:ecrImagesToKeep",
    ]);
    expect(message).toMatch(/fix it with `pulumi config set <key> <value>`\.$/);
  });

  it("names every setting in CONFIG_KEYS", () => {
    expect(Object.keys(VALID).sort()).toEqual(Object.values(CONFIG_KEYS).sort());
  });
});

describe("loadBaseConfig", () => {
  it("reads the running stack's name as the environment and its config", async () => {
    const recording = await record(() => ({ config: loadBaseConfig() }), {
      project: "platform",
      stack: "production",
      config: { ...VALID, "platform:domain": "prod.example.com" },
    });
    expect(recording.outputs.config.environment).toBe("production");
    expect(recording.outputs.config.domain).toBe("prod.example.com");
  });

  it("fails on a stack named after no environment", async () => {
    await expect(
      record(() => loadBaseConfig(), { project: "platform", stack: "dev", config: VALID }),
    ).rejects.toThrow('stack "dev": a base stack is named after its environment');
  });
});
