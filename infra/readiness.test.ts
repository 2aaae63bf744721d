/**
 * Production readiness of the base stack under Pulumi's mocks (issue 11): DNS for the apex and the
 * wildcard, HSTS, the base alarms, backup copies to a second region and restore testing, the
 * pull-request preview role and the least-privilege deploy role, whose policy must cover every
 * resource type the base and tenant programs declare.
 */
import { ENVIRONMENT_PROFILES, ENVIRONMENTS, Environment, TIER_NAMES } from "../common";
import { DEFAULT_BASE_CONFIG, recordBase } from "../offline/base";
import { one, ofType, RecordedResource, Recording } from "../offline/recorder";
import { recordTenant } from "../offline/tenant";
import { parseTenantSpec } from "../tenants/spec";
import { BASE_ALARM_THRESHOLDS } from "./alarms";
import { RESTORE_TESTING_SCHEDULE, RESTORE_VALIDATION_HOURS } from "./backup";
import {
  ATTACHABLE_MANAGED_POLICIES,
  BUCKET_NAME_PATTERNS,
  DEPLOY_SERVICE_PREFIXES,
  deployPolicyDocument,
  IAM_NAME_PATTERNS,
  iamServicesOf,
  PREVIEW_MANAGED_POLICY,
  SCOPED_SERVICE_PREFIXES,
  SECRET_NAME_PATTERNS,
} from "./deployPolicy";
import { HSTS_HEADER_VALUE } from "./ingress";

const T = {
  record: "aws:route53/record:Record",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  nat: "aws:ec2/natGateway:NatGateway",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  key: "aws:kms/key:Key",
  vault: "aws:backup/vault:Vault",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  restorePlan: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
  restoreSelection: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
} as const;

const bases = {} as Record<Environment, Recording>;
const tenants: Recording[] = [];
let withStateBucket: Recording;

beforeAll(async () => {
  for (const env of ENVIRONMENTS) {
    bases[env] = await recordBase(env);
    for (const tier of TIER_NAMES) {
      const spec = parseTenantSpec({
        id: `${tier}-co`,
        displayName: tier,
        tier,
        environments: [...ENVIRONMENTS],
        owner: "team@example.com",
        costCenter: "CC-1",
        dataClassification: "internal",
        imageTag: "1.0.0",
        ...(tier === "trial" ? {} : { cacheTokenRotation: { generation: 1, phase: "rotate" } }),
      });
      tenants.push(await recordTenant(spec, env, bases[env].outputs));
    }
  }
  withStateBucket = await recordBase("staging", { "platform:stateBucket": "acme-pulumi-state" });
}, 300_000);

const policyOf = (r: RecordedResource, field = "policy") => JSON.parse(r.inputs[field]);

describe.each(ENVIRONMENTS)("base stack (%s)", (environment) => {
  const profile = ENVIRONMENT_PROFILES[environment];
  const config = DEFAULT_BASE_CONFIG[environment];
  const domain = config["platform:domain"];
  let rec: Recording;
  beforeAll(() => (rec = bases[environment]));

  it("points the domain's apex and wildcard at the ALB (README's 301 and 404 checks resolve)", () => {
    const alb = one(rec, T.alb).state;
    const zone = rec.outputs.hostedZoneId;
    for (const [name, recordName] of [
      ["ingress-apex", domain],
      ["ingress-wildcard", `*.${domain}`],
    ]) {
      expect(one(rec, T.record, name).inputs).toEqual({
        zoneId: zone,
        name: recordName,
        type: "A",
        aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: false }],
      });
    }
  });

  it("sends HSTS on every HTTPS answer", () => {
    expect(HSTS_HEADER_VALUE).toBe("max-age=31536000; includeSubDomains");
    expect(
      one(rec, "aws:lb/listener:Listener", "ingress-https").inputs
        .routingHttpResponseStrictTransportSecurityHeaderValue,
    ).toBe(HSTS_HEADER_VALUE);
  });

  it("alarms on ALB 5xx and rejected connections, and on each NAT gateway's errors and dropped packets", () => {
    const topic = rec.outputs.alarmTopicArn;
    const alb = { LoadBalancer: one(rec, T.alb).state.arnSuffix };
    const nats = ofType(rec, T.nat).map((n) => n.state.id);
    expect(nats).toHaveLength(profile.natGateways === "perAz" ? 3 : 1);
    const rows = ofType(rec, T.alarm).map((a) => [
      a.name,
      a.inputs.metricName,
      a.inputs.dimensions,
      a.inputs.threshold,
    ]);
    const t = BASE_ALARM_THRESHOLDS;
    expect(rows.sort()).toEqual(
      [
        ["alarms-alb-5xx", "HTTPCode_ELB_5XX_Count", alb, t.alb5xxCount],
        ["alarms-alb-rejected", "RejectedConnectionCount", alb, t.albRejectedConnections],
        ...nats.flatMap((id, i) => [
          [
            `alarms-nat-${i}-port-errors`,
            "ErrorPortAllocation",
            { NatGatewayId: id },
            t.natPortAllocationErrors,
          ],
          [`alarms-nat-${i}-dropped`, "PacketsDropCount", { NatGatewayId: id }, t.natPacketsDropped],
        ]),
      ].sort(),
    );
    for (const a of ofType(rec, T.alarm)) {
      expect(a.inputs).toMatchObject({
        alarmActions: [topic],
        okActions: [topic],
        statistic: "Sum",
        period: 300,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
    }
  });

  it("copies recovery points into a vault in the second region, under a key of its own there", () => {
    const key = one(rec, T.key, "backup-copy-key");
    expect(key.inputs).toMatchObject({
      region: "us-west-2",
      enableKeyRotation: true,
      deletionWindowInDays: profile.deletionProtection ? 30 : 7,
    });
    const vault = one(rec, T.vault, "backup-copy");
    expect(vault.inputs).toEqual({ region: "us-west-2", kmsKeyArn: key.state.arn, forceDestroy: false });
    expect(vault.state.arn).toMatch(/^arn:aws:backup:us-west-2:/);
    expect(key.state.arn).not.toBe(rec.outputs.platformKmsKeyArn);
  });

  it(
    profile.restoreTesting
      ? "tests restores weekly, RDS into the isolated subnets"
      : "has no restore testing",
    () => {
      if (!profile.restoreTesting) {
        expect(ofType(rec, T.restorePlan)).toEqual([]);
        expect(ofType(rec, T.restoreSelection)).toEqual([]);
        return;
      }
      const plan = one(rec, T.restorePlan);
      expect(plan.inputs).toEqual({
        name: `plat_${environment}_restore_testing`,
        scheduleExpression: RESTORE_TESTING_SCHEDULE,
        startWindowHours: 4,
        recoveryPointSelection: {
          algorithm: "LATEST_WITHIN_WINDOW",
          includeVaults: [one(rec, T.vault, "backup").state.arn],
          recoveryPointTypes: ["SNAPSHOT"],
          selectionWindowDays: 7,
        },
      });
      const role = one(rec, T.role, "backup-role").state.arn;
      const conditions = { stringEquals: [{ key: "aws:ResourceTag/Backup", value: environment }] };
      expect(one(rec, T.restoreSelection, "backup-restore-testing-rds").inputs).toEqual({
        name: "rds",
        restoreTestingPlanName: plan.state.name,
        protectedResourceType: "RDS",
        iamRoleArn: role,
        protectedResourceConditions: conditions,
        restoreMetadataOverrides: { DBSubnetGroupName: rec.outputs.dbSubnetGroupName, MultiAZ: "false" },
        validationWindowHours: RESTORE_VALIDATION_HOURS,
      });
      expect(one(rec, T.restoreSelection, "backup-restore-testing-s3").inputs).toMatchObject({
        protectedResourceType: "S3",
        protectedResourceConditions: conditions,
      });
    },
  );

  it("trusts the read-only preview role for the repository's pull requests only", () => {
    const role = one(rec, T.role, "ci-preview");
    expect(role.inputs.name).toBe(`plat-${profile.shortName}-preview`);
    expect(rec.outputs.previewRoleArn).toBe(role.state.arn);
    expect(policyOf(role, "assumeRolePolicy").Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: one(rec, T.oidc).state.arn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": ["repo:example-org/saas-platform:pull_request"],
          },
        },
      },
    ]);
    // The deploy role still trusts branch refs only: pull-request code never gets it.
    expect(JSON.stringify(policyOf(one(rec, T.role, "ci"), "assumeRolePolicy"))).not.toContain(
      "pull_request",
    );
    expect(
      ofType(rec, T.attachment)
        .filter((a) => a.inputs.role === role.state.name)
        .map((a) => a.inputs.policyArn),
    ).toEqual([PREVIEW_MANAGED_POLICY]);
    // Without a state bucket configured, no state statement.
    expect(ofType(rec, T.rolePolicy).filter((p) => p.name === "ci-preview-state")).toEqual([]);
  });

  it("gives the deploy role the platform's own policy, never AdministratorAccess", () => {
    const deploy = one(rec, T.role, "ci");
    const policy = one(rec, T.policy, "ci");
    expect(policy.inputs.name).toBe(`plat-${profile.shortName}-deploy`);
    expect(
      ofType(rec, T.attachment)
        .filter((a) => a.inputs.role === deploy.state.name)
        .map((a) => a.inputs.policyArn),
    ).toEqual([policy.state.arn]);
    expect(JSON.stringify(rec.resources.map((r) => r.inputs))).not.toContain("AdministratorAccess");
    const document = policyOf(policy);
    expect(document.Statement.map((s: any) => s.Sid)).toEqual([
      "PlatformServices",
      "PlatformRoles",
      "AttachKnownPolicies",
      "GitHubOidcProvider",
      "ServiceLinkedRoles",
      "PlatformBuckets",
      "PlatformSecrets",
      "AccountWideReads",
    ]);
    // IAM managed policies hold at most 6,144 characters, whitespace not counted.
    expect(JSON.stringify(document).length).toBeLessThanOrEqual(6144);
  });
});

describe("the deploy role's policy covers every resource the programs declare", () => {
  const all = () => [...Object.values(bases), ...tenants];
  const matches = (patterns: readonly string[], name: string) =>
    patterns.some((p) =>
      new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(name),
    );

  it("maps every AWS resource type to an IAM service the policy allows", () => {
    const allowed = new Set([...DEPLOY_SERVICE_PREFIXES, ...SCOPED_SERVICE_PREFIXES]);
    const types = new Set(
      all()
        .flatMap((r) => r.resources.map((x) => x.type))
        .filter((t) => t.startsWith("aws:")),
    );
    expect(types.size).toBeGreaterThan(50);
    const uncovered = [...types].filter((type) => {
      const services = iamServicesOf(type);
      return !services || services.some((s) => !allowed.has(s));
    });
    expect(uncovered).toEqual([]);
  });

  it("names every role, bucket and secret the programs create within the policy's patterns", () => {
    const names = (type: string, field: string) =>
      all().flatMap((r) => ofType(r, type).map((x) => String(x.state[field])));
    const outside = [
      ...names(T.role, "name").filter((n) => !matches(IAM_NAME_PATTERNS, n)),
      ...names(T.policy, "name").filter((n) => !matches(IAM_NAME_PATTERNS, n)),
      ...names("aws:s3/bucket:Bucket", "bucket").filter((n) => !matches(BUCKET_NAME_PATTERNS, n)),
      ...names("aws:secretsmanager/secret:Secret", "name").filter((n) => !matches(SECRET_NAME_PATTERNS, n)),
    ];
    expect(outside).toEqual([]);
    // The rotation application's CloudFormation stack makes its role as serverlessrepo-<stack name>-...
    for (const stack of all().flatMap((r) =>
      ofType(r, "aws:serverlessrepository/cloudFormationStack:CloudFormationStack"),
    )) {
      expect(matches(IAM_NAME_PATTERNS, `serverlessrepo-${stack.inputs.name}-RotationLambdaRole-ABC`)).toBe(
        true,
      );
    }
  });

  it("lets the deploy role attach only the managed policies the programs attach", () => {
    const attached = new Set(
      all()
        .flatMap((r) => ofType(r, T.attachment))
        .map((a) => String(a.inputs.policyArn))
        .filter((arn) => arn.startsWith("arn:aws:iam::aws:")),
    );
    expect([...attached].filter((arn) => !ATTACHABLE_MANAGED_POLICIES.includes(arn))).toEqual([]);
  });

  it("adds the state bucket to both roles when the backend is in S3: the preview role writes only locks", async () => {
    const preview = policyOf(one(withStateBucket, T.rolePolicy, "ci-preview-state"));
    expect(preview.Statement).toEqual([
      {
        Sid: "StateBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: "arn:aws:s3:::acme-pulumi-state",
      },
      {
        Sid: "StateRead",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::acme-pulumi-state/*",
      },
      {
        Sid: "StateLocks",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/*",
      },
    ]);
    const deploy = policyOf(one(withStateBucket, T.policy, "ci"));
    expect(deploy.Statement.slice(-2)).toEqual([
      {
        Sid: "StateBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: "arn:aws:s3:::acme-pulumi-state",
      },
      {
        Sid: "StateObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: "arn:aws:s3:::acme-pulumi-state/*",
      },
    ]);
    // The document function alone, for a plain account id.
    const doc = await new Promise<string>((resolve) =>
      deployPolicyDocument({ account: "123456789012" }).apply(resolve),
    );
    expect(JSON.parse(doc).Statement.find((s: any) => s.Sid === "PlatformSecrets").Resource).toEqual([
      "arn:aws:secretsmanager:*:123456789012:secret:plat-*",
      "arn:aws:secretsmanager:*:123456789012:secret:rds!*",
    ]);
  });
});
