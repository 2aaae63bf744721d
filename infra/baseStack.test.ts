/**
 * The base stack under Pulumi's mocks, per environment: the exact resources that matter and their
 * inputs, tags through the provider, counts per type, and the outputs contract. Each environment
 * is recorded once (beforeAll) and every test reads the recording.
 */
import {
  BACKUP_TAG_KEY,
  BASE_OUTPUT_KEYS,
  BaseOutputsSchema,
  buildTags,
  Environment,
  ENVIRONMENT_PROFILES,
  ENVIRONMENTS,
  REQUIRED_TAG_KEYS,
  SHARED_TENANT,
} from "../common";
import { MOCK_AZS } from "../offline/mocks";
import {
  countByType,
  one,
  ofType,
  providerOf,
  record,
  RecordedResource,
  Recording,
} from "../offline/recorder";
import { planSubnets } from "./cidr";
import { parseBaseConfig } from "./config";
import { Network } from "./network";
import { DEFAULT_BASE_CONFIG, recordBase } from "../offline/base";

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  eip: "aws:ec2/eip:Eip",
  nat: "aws:ec2/natGateway:NatGateway",
  igw: "aws:ec2/internetGateway:InternetGateway",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
  association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  flowLog: "aws:ec2/flowLog:FlowLog",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  certificate: "aws:acm/certificate:Certificate",
  validation: "aws:acm/certificateValidation:CertificateValidation",
  record: "aws:route53/record:Record",
  zone: "aws:route53/zone:Zone",
  bucket: "aws:s3/bucket:Bucket",
  webAcl: "aws:wafv2/webAcl:WebAcl",
  webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  repository: "aws:ecr/repository:Repository",
  cluster: "aws:ecs/cluster:Cluster",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  vault: "aws:backup/vault:Vault",
  plan: "aws:backup/plan:Plan",
  selection: "aws:backup/selection:Selection",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  iamPolicy: "aws:iam/policy:Policy",
  restorePlan: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
  restoreSelection: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
  provider: "pulumi:providers:aws",
} as const;

/** Resources every environment declares, per type. */
const COMMON_COUNTS: Record<string, number> = {
  "aws:acm/certificate:Certificate": 1,
  "aws:acm/certificateValidation:CertificateValidation": 1,
  // The local vault and the copy vault in the second region.
  "aws:backup/vault:Vault": 2,
  "aws:cloudwatch/logGroup:LogGroup": 1,
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
  "aws:ec2/flowLog:FlowLog": 1,
  "aws:ec2/internetGateway:InternetGateway": 1,
  "aws:ec2/route:Route": 4,
  "aws:ec2/routeTable:RouteTable": 5,
  "aws:ec2/routeTableAssociation:RouteTableAssociation": 9,
  "aws:ec2/securityGroup:SecurityGroup": 2,
  "aws:ec2/subnet:Subnet": 9,
  "aws:ec2/vpc:Vpc": 1,
  "aws:ec2/vpcEndpoint:VpcEndpoint": 5,
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
  "aws:ecr/repository:Repository": 1,
  "aws:ecs/cluster:Cluster": 1,
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1,
  "aws:elasticache/subnetGroup:SubnetGroup": 1,
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
  "aws:iam/policy:Policy": 1,
  // Backup, flow logs, deploy and preview.
  "aws:iam/role:Role": 4,
  "aws:iam/rolePolicy:RolePolicy": 1,
  // Four for the backup role, the deploy policy, the preview role's ViewOnlyAccess.
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 6,
  "aws:kms/alias:Alias": 1,
  // The platform key and the copy vault's key.
  "aws:kms/key:Key": 2,
  "aws:lb/listener:Listener": 2,
  "aws:lb/loadBalancer:LoadBalancer": 1,
  "aws:rds/subnetGroup:SubnetGroup": 1,
  // Certificate validation, the apex and the wildcard alias.
  "aws:route53/record:Record": 3,
  "aws:route53/zone:Zone": 1,
  // The ALB's access-log bucket and the S3 server access log bucket (infra/s3AccessLogs.ts).
  "aws:s3/bucket:Bucket": 2,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 2,
  "aws:s3/bucketLogging:BucketLogging": 1,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 2,
  "aws:s3/bucketPolicy:BucketPolicy": 2,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 2,
  "aws:s3/bucketVersioning:BucketVersioning": 1,
  "aws:sns/topic:Topic": 1,
  "aws:sns/topicPolicy:TopicPolicy": 1,
  "platform:alarms:Alarms": 1,
  "platform:backup:Backup": 1,
  "platform:ci:CiAccess": 1,
  "platform:cluster:Cluster": 1,
  "platform:dns:Dns": 1,
  "platform:ingress:AccessLogBucket": 1,
  "platform:ingress:Certificate": 1,
  "platform:ingress:Ingress": 1,
  "platform:keys:PlatformKey": 1,
  "platform:network:FlowLogs": 1,
  "platform:network:Network": 1,
  "platform:network:VpcEndpoints": 1,
  "platform:registry:Registry": 1,
  "platform:storage:ServerAccessLogBucket": 1,
  "pulumi:providers:aws": 1,
};

/** What each environment adds: NAT per AZ and the WAF in production. */
const EXPECTED_COUNTS: Record<Environment, Record<string, number>> = {
  // Staging copies enterprise recovery points only: a second plan selects them by tier.
  staging: {
    ...COMMON_COUNTS,
    "aws:backup/plan:Plan": 2,
    "aws:backup/selection:Selection": 2,
    // ALB 5xx and rejected connections, two per NAT gateway.
    "aws:cloudwatch/metricAlarm:MetricAlarm": 4,
    "aws:ec2/eip:Eip": 1,
    "aws:ec2/natGateway:NatGateway": 1,
  },
  production: {
    ...COMMON_COUNTS,
    "aws:backup/plan:Plan": 1,
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": 1,
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": 2,
    "aws:backup/selection:Selection": 1,
    "aws:cloudwatch/metricAlarm:MetricAlarm": 8,
    "aws:ec2/eip:Eip": 3,
    "aws:ec2/natGateway:NatGateway": 3,
    "aws:wafv2/webAcl:WebAcl": 1,
    "aws:wafv2/webAclAssociation:WebAclAssociation": 1,
    "platform:ingress:WebAcl": 1,
  },
};

const recordings = {} as Record<Environment, Recording>;

beforeAll(async () => {
  for (const environment of ENVIRONMENTS) {
    recordings[environment] = await recordBase(environment);
  }
});

/** The resource of any type whose (mocked) id or ARN is `ref`. */
function byRef(rec: Recording, ref: unknown): RecordedResource {
  const found = rec.resources.filter((r) => r.custom && (r.state.id === ref || r.state.arn === ref));
  if (found.length !== 1) {
    throw new Error(`expected one resource with id/arn ${String(ref)}, found ${found.length}`);
  }
  return found[0];
}

function named(rec: Recording, type: string, name: string): RecordedResource {
  return one(rec, type, name);
}

/** A shard's HTTPS listener: modern TLS, the validated certificate, HSTS, a 404 for unknown hosts. */
function httpsListenerInputs(rec: Recording, alb: RecordedResource): Record<string, unknown> {
  return {
    loadBalancerArn: alb.state.arn,
    port: 443,
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    certificateArn: one(rec, T.validation).state.certificateArn,
    // HSTS on every HTTPS answer, the tenants' subdomains included.
    routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains",
    defaultActions: [
      {
        type: "fixed-response",
        fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" },
      },
    ],
  };
}

/** A shard's HTTP listener: only a 301 to HTTPS. */
function httpListenerInputs(alb: RecordedResource): Record<string, unknown> {
  return {
    loadBalancerArn: alb.state.arn,
    port: 80,
    protocol: "HTTP",
    defaultActions: [
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ],
  };
}

function policy(resource: RecordedResource, field = "policy"): any {
  return JSON.parse(resource.inputs[field]);
}

describe.each(ENVIRONMENTS)("base stack (%s)", (environment) => {
  const profile = ENVIRONMENT_PROFILES[environment];
  const config = parseBaseConfig(environment, DEFAULT_BASE_CONFIG[environment]);
  const plan = planSubnets(config.vpcCidr);
  let rec: Recording;
  beforeAll(() => {
    rec = recordings[environment];
  });

  it("declares exactly the expected resources per type", () => {
    expect(countByType(rec)).toEqual(EXPECTED_COUNTS[environment]);
  });

  describe("tags and providers", () => {
    it("has one AWS provider, in the configured region, whose default tags are exactly the built tags", () => {
      const provider = one(rec, T.provider);
      expect(provider.inputs.region).toBe("us-east-1");
      expect(JSON.parse(provider.inputs.defaultTags)).toEqual({
        tags: buildTags({
          tenant: SHARED_TENANT,
          environment,
          owner: config.owner,
          costCenter: config.costCenter,
          dataClassification: config.dataClassification,
        }),
      });
      expect(Object.keys(JSON.parse(provider.inputs.defaultTags).tags)).toEqual([...REQUIRED_TAG_KEYS]);
    });

    it("gives every AWS resource that provider and a component parent", () => {
      const provider = one(rec, T.provider);
      const components = new Set(rec.resources.filter((r) => !r.custom).map((r) => r.urn));
      const aws = rec.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
      const expected = Object.entries(EXPECTED_COUNTS[environment]).filter(([type]) =>
        type.startsWith("aws:"),
      );
      expect(aws).toHaveLength(expected.reduce((sum, [, n]) => sum + n, 0));
      for (const resource of aws) {
        expect([resource.name, providerOf(rec, resource)?.urn]).toEqual([resource.name, provider.urn]);
        expect([resource.name, components.has(resource.parent ?? "")]).toEqual([resource.name, true]);
      }
      for (const component of rec.resources.filter((r) => !r.custom)) {
        expect(component.type).toMatch(/^platform:[a-z]+:[A-Z][A-Za-z]+$/);
      }
    });

    it("sets no required tag on a resource itself (the provider's default tags carry them)", () => {
      for (const resource of rec.resources) {
        const own = Object.keys(resource.inputs.tags ?? {});
        expect([
          resource.name,
          own.filter((k) => (REQUIRED_TAG_KEYS as readonly string[]).includes(k)),
        ]).toEqual([resource.name, []]);
      }
    });
  });

  describe("network", () => {
    it("builds the VPC with DNS for private endpoints and locks down the default security group", () => {
      expect(one(rec, T.vpc).inputs).toMatchObject({
        cidrBlock: config.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
      });
      const defaultSg = one(rec, T.defaultSg);
      expect(defaultSg.inputs.ingress).toEqual([]);
      expect(defaultSg.inputs.egress).toEqual([]);
    });

    it("creates 3 subnets per tier with the planned CIDRs over 3 AZs; only public ones map public IPs", () => {
      for (const tier of ["public", "private", "isolated"] as const) {
        const subnets = [0, 1, 2].map((i) => named(rec, T.subnet, `network-${tier}-${i}`));
        expect(subnets.map((s) => s.inputs.cidrBlock)).toEqual(plan[tier]);
        expect(subnets.map((s) => s.inputs.availabilityZone)).toEqual([...MOCK_AZS]);
        expect(subnets.map((s) => s.inputs.mapPublicIpOnLaunch)).toEqual([
          tier === "public",
          tier === "public",
          tier === "public",
        ]);
      }
    });

    it(`has ${profile.natGateways === "perAz" ? "one NAT gateway per AZ" : "one NAT gateway"}, each with an EIP in a public subnet`, () => {
      const nats = ofType(rec, T.nat);
      expect(nats).toHaveLength(profile.natGateways === "perAz" ? 3 : 1);
      expect(ofType(rec, T.eip)).toHaveLength(nats.length);
      nats.forEach((nat, i) => {
        expect(byRef(rec, nat.inputs.allocationId).type).toBe(T.eip);
        expect(byRef(rec, nat.inputs.subnetId).name).toBe(`network-public-${i}`);
        expect(nat.inputs.connectivityType).toBe("public");
      });
    });

    it("routes public to the internet gateway, private to NAT, isolated nowhere", () => {
      const routes = ofType(rec, T.route);
      const routesOf = (table: RecordedResource) =>
        routes.filter((r) => r.inputs.routeTableId === table.state.id);
      const publicRoutes = routesOf(named(rec, T.routeTable, "network-public"));
      expect(
        publicRoutes.map((r) => [r.inputs.destinationCidrBlock, byRef(rec, r.inputs.gatewayId).type]),
      ).toEqual([["0.0.0.0/0", T.igw]]);
      const nats = ofType(rec, T.nat);
      [0, 1, 2].forEach((i) => {
        const privateRoutes = routesOf(named(rec, T.routeTable, `network-private-${i}`));
        expect(privateRoutes).toHaveLength(1);
        expect(privateRoutes[0].inputs.destinationCidrBlock).toBe("0.0.0.0/0");
        expect(privateRoutes[0].inputs.natGatewayId).toBe(
          nats[profile.natGateways === "perAz" ? i : 0].state.id,
        );
      });
      const isolated = named(rec, T.routeTable, "network-isolated");
      expect(routesOf(isolated)).toEqual([]);
      expect(isolated.inputs.routes ?? []).toEqual([]);
    });

    it("associates each subnet with its tier's route table", () => {
      const tableOf = (subnetName: string) => {
        const subnet = named(rec, T.subnet, subnetName);
        const associations = ofType(rec, T.association).filter((a) => a.inputs.subnetId === subnet.state.id);
        expect(associations).toHaveLength(1);
        return byRef(rec, associations[0].inputs.routeTableId).name;
      };
      expect([0, 1, 2].map((i) => tableOf(`network-public-${i}`))).toEqual(Array(3).fill("network-public"));
      expect([0, 1, 2].map((i) => tableOf(`network-private-${i}`))).toEqual(
        [0, 1, 2].map((i) => `network-private-${i}`),
      );
      expect([0, 1, 2].map((i) => tableOf(`network-isolated-${i}`))).toEqual(
        Array(3).fill("network-isolated"),
      );
    });

    it("has the S3 gateway endpoint on the private route tables and 4 interface endpoints in the private subnets", () => {
      const endpoints = ofType(rec, T.endpoint);
      expect(endpoints.map((e) => [e.inputs.serviceName, e.inputs.vpcEndpointType])).toEqual([
        ["com.amazonaws.us-east-1.s3", "Gateway"],
        ["com.amazonaws.us-east-1.ecr.api", "Interface"],
        ["com.amazonaws.us-east-1.ecr.dkr", "Interface"],
        ["com.amazonaws.us-east-1.logs", "Interface"],
        ["com.amazonaws.us-east-1.secretsmanager", "Interface"],
      ]);
      const privateTables = [0, 1, 2].map((i) => named(rec, T.routeTable, `network-private-${i}`).state.id);
      expect(endpoints[0].inputs.routeTableIds).toEqual(privateTables);
      const privateSubnets = [0, 1, 2].map((i) => named(rec, T.subnet, `network-private-${i}`).state.id);
      const endpointSg = named(rec, T.securityGroup, "network-endpoints-sg");
      for (const endpoint of endpoints.slice(1)) {
        expect(endpoint.inputs.subnetIds).toEqual(privateSubnets);
        expect(endpoint.inputs.privateDnsEnabled).toBe(true);
        expect(endpoint.inputs.securityGroupIds).toEqual([endpointSg.state.id]);
      }
      expect(endpointSg.inputs.ingress).toEqual([
        {
          description: "HTTPS from the VPC",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: [config.vpcCidr],
        },
      ]);
      expect(endpointSg.inputs.egress).toEqual([]);
    });

    it("sends all flow logs to a KMS-encrypted log group kept at least the environment's floor", () => {
      const logGroup = one(rec, T.logGroup);
      expect(logGroup.inputs.kmsKeyId).toBe(named(rec, T.key, "platform-key").state.arn);
      expect(logGroup.inputs.retentionInDays).toBe(profile.logRetentionFloorDays);
      const flowLog = one(rec, T.flowLog);
      expect(flowLog.inputs).toMatchObject({
        vpcId: one(rec, T.vpc).state.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: logGroup.state.arn,
      });
      const role = byRef(rec, flowLog.inputs.iamRoleArn);
      expect(policy(role, "assumeRolePolicy").Statement[0].Principal).toEqual({
        Service: "vpc-flow-logs.amazonaws.com",
      });
      const write = policy(named(rec, T.rolePolicy, "network-flow-logs-write"));
      expect(write.Statement[0].Resource).toEqual([logGroup.state.arn, `${logGroup.state.arn}:*`]);
    });

    it("puts the RDS and ElastiCache subnet groups over the isolated subnets", () => {
      const isolated = [0, 1, 2].map((i) => named(rec, T.subnet, `network-isolated-${i}`).state.id);
      const short = profile.shortName;
      expect(one(rec, "aws:rds/subnetGroup:SubnetGroup").inputs).toMatchObject({
        name: `plat-${short}-isolated`,
        subnetIds: isolated,
      });
      expect(one(rec, "aws:elasticache/subnetGroup:SubnetGroup").inputs).toMatchObject({
        name: `plat-${short}-isolated`,
        subnetIds: isolated,
      });
    });
  });

  describe("ingress", () => {
    it("runs an internet-facing ALB in the public subnets that drops invalid headers and logs access", () => {
      const alb = one(rec, T.alb);
      const publicSubnets = [0, 1, 2].map((i) => named(rec, T.subnet, `network-public-${i}`).state.id);
      expect(alb.inputs).toMatchObject({
        name: `plat-${profile.shortName}-alb`,
        loadBalancerType: "application",
        internal: false,
        subnets: publicSubnets,
        securityGroups: [named(rec, T.securityGroup, "ingress-sg").state.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: profile.deletionProtection,
        accessLogs: { bucket: named(rec, T.bucket, "ingress-access-logs").state.bucket, enabled: true },
      });
    });

    it("writes only descriptions EC2 accepts on security groups and their rules", () => {
      // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html: anything else (an
      // apostrophe, say) fails the create call with InvalidParameterValue.
      const allowed = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
      const descriptions = ofType(rec, T.securityGroup).flatMap((sg) => [
        sg.inputs.description,
        ...[...(sg.inputs.ingress ?? []), ...(sg.inputs.egress ?? [])].map((r: any) => r.description),
      ]);
      expect(descriptions).toHaveLength(6);
      for (const description of descriptions) {
        expect([description, allowed.test(description)]).toEqual([description, true]);
      }
    });

    it("opens 80/443 to the internet and lets the ALB reach only the VPC", () => {
      const sg = named(rec, T.securityGroup, "ingress-sg");
      expect(sg.inputs.ingress.map((r: any) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks])).toEqual([
        ["tcp", 443, 443, ["0.0.0.0/0"]],
        ["tcp", 80, 80, ["0.0.0.0/0"]],
      ]);
      expect(sg.inputs.egress.map((r: any) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks])).toEqual([
        ["tcp", 0, 65535, [config.vpcCidr]],
      ]);
    });

    it("serves HTTPS with the modern TLS policy, the validated certificate and a 404 by default", () => {
      const https = named(rec, T.listener, "ingress-https");
      expect(https.inputs).toEqual(httpsListenerInputs(rec, one(rec, T.alb)));
    });

    it("has an HTTP listener that only redirects to HTTPS with a 301", () => {
      const http = named(rec, T.listener, "ingress-http");
      expect(http.inputs).toEqual(httpListenerInputs(one(rec, T.alb)));
    });

    it("validates a certificate for the domain and its wildcard through the platform zone", () => {
      const certificate = one(rec, T.certificate);
      expect(certificate.inputs).toMatchObject({
        domainName: config.domain,
        subjectAlternativeNames: [`*.${config.domain}`],
        validationMethod: "DNS",
      });
      const zone = one(rec, T.zone);
      expect(zone.inputs.name).toBe(config.domain);
      const record = named(rec, T.record, "ingress-certificate-validation");
      const option = certificate.state.domainValidationOptions.find(
        (o: any) => o.domainName === config.domain,
      );
      expect(record.inputs).toMatchObject({
        zoneId: zone.state.zoneId,
        name: option.resourceRecordName,
        type: "CNAME",
        records: [option.resourceRecordValue],
      });
      const validation = one(rec, T.validation);
      expect(validation.inputs.certificateArn).toBe(certificate.state.arn);
      // One record validates the domain and its wildcard (its fqdn is known only after creation).
      expect(validation.inputs.validationRecordFqdns).toHaveLength(1);
    });

    it("keeps access logs in a private, TLS-only, SSE-S3 bucket with a lifecycle", () => {
      const bucket = named(rec, T.bucket, "ingress-access-logs");
      const forBucket = (type: string) => {
        const found = ofType(rec, type).filter((r) => r.inputs.bucket === bucket.state.id);
        expect(found).toHaveLength(1);
        return found[0].inputs;
      };
      expect(forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(
        forBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
          .rules,
      ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
      expect(
        forBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules[0],
      ).toMatchObject({
        status: "Enabled",
        expiration: { days: profile.logRetentionFloorDays },
      });
      const statements = JSON.parse(forBucket("aws:s3/bucketPolicy:BucketPolicy").policy).Statement;
      expect(statements.map((s: any) => [s.Effect, s.Principal, s.Action])).toEqual([
        ["Allow", { AWS: "arn:aws:iam::127311923021:root" }, "s3:PutObject"],
        ["Allow", { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, "s3:PutObject"],
        ["Deny", "*", "s3:*"],
      ]);
      expect(statements[0].Resource).toBe(`${bucket.state.arn}/AWSLogs/123456789012/*`);
      expect(statements[2].Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
      // The bucket's own requests are logged to the S3 server access log bucket (FSBP S3.9).
      expect(forBucket("aws:s3/bucketLogging:BucketLogging")).toEqual({
        bucket: bucket.state.id,
        targetBucket: named(rec, T.bucket, "s3-access-logs").state.bucket,
        targetPrefix: "alb-access-logs/",
      });
    });

    it("keeps S3 server access logs in a private, TLS-only, SSE-S3 bucket with a lifecycle, not logged itself", () => {
      const bucket = named(rec, T.bucket, "s3-access-logs");
      const forBucket = (type: string) =>
        ofType(rec, type).filter((r) => r.inputs.bucket === bucket.state.id);
      expect(
        forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").map((r) => r.inputs),
      ).toEqual([
        {
          bucket: bucket.state.id,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        },
      ]);
      // S3 log delivery supports only SSE-S3 default encryption on the target bucket.
      expect(
        forBucket(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ).map((r) => r.inputs.rules),
      ).toEqual([[{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]]);
      expect(
        forBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].inputs.rules[0],
      ).toMatchObject({ status: "Enabled", expiration: { days: profile.logRetentionFloorDays } });
      expect(forBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0].inputs.rule).toEqual({
        objectOwnership: "BucketOwnerEnforced",
      });
      // Not logged itself: that would loop.
      expect(forBucket("aws:s3/bucketLogging:BucketLogging")).toEqual([]);
      const policy = forBucket("aws:s3/bucketPolicy:BucketPolicy")[0];
      const statements = JSON.parse(policy.inputs.policy).Statement;
      expect(statements.map((st: any) => [st.Effect, st.Principal, st.Action, st.Resource])).toEqual([
        ["Allow", { Service: "logging.s3.amazonaws.com" }, "s3:PutObject", `${bucket.state.arn}/*`],
        ["Deny", "*", "s3:*", [bucket.state.arn, `${bucket.state.arn}/*`]],
      ]);
      expect(statements[0].Condition).toEqual({
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" },
      });
      expect(policy.dependencies).toContain(
        forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].urn,
      );
    });

    it("orders what AWS checks at creation: bucket policy before access logs, validation before HTTPS", () => {
      const bucketPolicy = named(rec, "aws:s3/bucketPolicy:BucketPolicy", "ingress-access-logs-policy");
      // ELB checks it may write to the bucket when access logs are turned on, and refuses an
      // internet-facing load balancer in a VPC without an internet gateway.
      expect(one(rec, T.alb).dependencies).toEqual(
        expect.arrayContaining([bucketPolicy.urn, one(rec, T.igw).urn]),
      );
      // S3 rejects a bucket policy while the public access block is being applied.
      expect(bucketPolicy.dependencies).toContain(
        named(
          rec,
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          "ingress-access-logs-public-access",
        ).urn,
      );
      // A listener takes only an issued certificate.
      expect(named(rec, T.listener, "ingress-https").dependencies).toContain(one(rec, T.validation).urn);
      // A flow log delivers only with its write permission in place.
      expect(one(rec, T.flowLog).dependencies).toContain(
        named(rec, T.rolePolicy, "network-flow-logs-write").urn,
      );
      // A NAT gateway routes only once the internet gateway is attached.
      for (const nat of ofType(rec, T.nat)) {
        expect(nat.dependencies).toContain(one(rec, T.igw).urn);
      }
    });

    it(profile.waf ? "fronts the ALB with a WAF of AWS managed rules and a rate limit" : "has no WAF", () => {
      if (!profile.waf) {
        expect(ofType(rec, T.webAcl)).toEqual([]);
        expect(ofType(rec, T.webAclAssociation)).toEqual([]);
        return;
      }
      const acl = one(rec, T.webAcl);
      expect(acl.inputs.scope).toBe("REGIONAL");
      expect(acl.inputs.defaultAction).toEqual({ allow: {} });
      expect(acl.inputs.rules.map((r: any) => r.statement.managedRuleGroupStatement?.name ?? "rate")).toEqual(
        [
          "AWSManagedRulesAmazonIpReputationList",
          "AWSManagedRulesCommonRuleSet",
          "AWSManagedRulesKnownBadInputsRuleSet",
          "rate",
        ],
      );
      expect(acl.inputs.rules[3]).toMatchObject({
        action: { block: {} },
        statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP" } },
      });
      expect(one(rec, T.webAclAssociation).inputs).toEqual({
        resourceArn: one(rec, T.alb).state.arn,
        webAclArn: acl.state.arn,
      });
    });
  });

  describe("keys, registry, cluster, alarms, backup", () => {
    it("rotates the platform key yearly and lets CloudWatch Logs and alarm publishers use it", () => {
      const key = named(rec, T.key, "platform-key");
      expect(key.inputs).toMatchObject({
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: profile.deletionProtection ? 30 : 7,
      });
      const statements = policy(key).Statement;
      expect(statements.map((s: any) => s.Principal)).toEqual([
        { AWS: "arn:aws:iam::123456789012:root" },
        { Service: "logs.us-east-1.amazonaws.com" },
        { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com"] },
      ]);
      expect(statements[1].Condition.ArnLike).toEqual({
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:*",
      });
      expect(one(rec, T.alias).inputs).toEqual({
        name: `alias/plat-${profile.shortName}-platform`,
        targetKeyId: key.state.keyId,
      });
    });

    it("keeps images in a scanned, immutable, KMS-encrypted repository pruned to the last N", () => {
      expect(one(rec, T.repository).inputs).toEqual({
        name: `plat-${profile.shortName}-app`,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [
          { encryptionType: "KMS", kmsKey: named(rec, T.key, "platform-key").state.arn },
        ],
        forceDelete: false,
      });
      const lifecycle = policy(one(rec, "aws:ecr/lifecyclePolicy:LifecyclePolicy"));
      expect(lifecycle.rules[1]).toEqual({
        rulePriority: 2,
        description: `Keep the last ${config.ecrImagesToKeep} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: config.ecrImagesToKeep },
        action: { type: "expire" },
      });
      expect(lifecycle.rules[0].selection.tagStatus).toBe("untagged");
    });

    it("runs an ECS cluster with Container Insights and the Fargate capacity providers", () => {
      const cluster = one(rec, T.cluster);
      expect(cluster.inputs.name).toBe(`plat-${profile.shortName}-cluster`);
      expect(cluster.inputs.settings).toEqual([{ name: "containerInsights", value: "enabled" }]);
      expect(one(rec, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs).toEqual({
        clusterName: cluster.state.name,
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", base: 1, weight: 1 }],
      });
    });

    it("encrypts the alarm topic with the platform key, no email subscription by default", () => {
      expect(one(rec, T.topic).inputs.kmsMasterKeyId).toBe(named(rec, T.key, "platform-key").state.arn);
      expect(ofType(rec, T.subscription)).toEqual([]);
      const statements = policy(one(rec, "aws:sns/topicPolicy:TopicPolicy")).Statement;
      expect(statements[1].Principal.Service).toContain("cloudwatch.amazonaws.com");
    });

    it("backs up data stores tagged Backup=<environment> into a KMS vault", () => {
      expect(named(rec, T.vault, "backup").inputs.kmsKeyArn).toBe(
        named(rec, T.key, "platform-key").state.arn,
      );
      const backupPlan = named(rec, T.plan, "backup");
      const copyVault = named(rec, T.vault, "backup-copy");
      const daily = {
        ruleName: "daily",
        targetVaultName: named(rec, T.vault, "backup").state.name,
        schedule: "cron(0 3 * * ? *)",
        startWindow: 60,
        completionWindow: 360,
        lifecycle: { deleteAfter: config.backupRetentionDays },
      };
      const copied = {
        ...daily,
        copyActions: [
          {
            destinationVaultArn: copyVault.state.arn,
            lifecycle: { deleteAfter: config.backupRetentionDays },
          },
        ],
      };
      const selection = named(rec, T.selection, "backup-tagged");
      expect(selection.inputs.planId).toBe(backupPlan.state.id);
      if (profile.backupCopyAllTiers) {
        // Production: every recovery point is copied to the second region.
        expect(backupPlan.inputs.rules).toEqual([copied]);
        expect(selection.inputs.selectionTags).toEqual([
          { type: "STRINGEQUALS", key: BACKUP_TAG_KEY, value: environment },
        ]);
      } else {
        // Staging: enterprise's only, through a second plan; the first one takes every other tier.
        expect(backupPlan.inputs.rules).toEqual([daily]);
        const backupTag = { key: "aws:ResourceTag/Backup", value: environment };
        const tier = { key: "aws:ResourceTag/Tier", value: "enterprise" };
        expect(selection.inputs).toMatchObject({
          resources: ["*"],
          conditions: [{ stringEquals: [backupTag], stringNotEquals: [tier] }],
        });
        const copiedPlan = named(rec, T.plan, "backup-copied");
        expect(copiedPlan.inputs.rules).toEqual([copied]);
        expect(named(rec, T.selection, "backup-copied-enterprise").inputs).toMatchObject({
          planId: copiedPlan.state.id,
          iamRoleArn: selection.inputs.iamRoleArn,
          resources: ["*"],
          conditions: [{ stringEquals: [backupTag, tier] }],
        });
      }
      const role = byRef(rec, selection.inputs.iamRoleArn);
      expect(policy(role, "assumeRolePolicy").Statement[0].Principal).toEqual({
        Service: "backup.amazonaws.com",
      });
      expect(
        ofType(rec, T.attachment)
          .filter((a) => a.inputs.role === role.state.name)
          .map((a) => a.inputs.policyArn),
      ).toEqual([
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        // Tenant buckets carry the backup tag: S3 has its own managed policies.
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
      ]);
    });
  });

  describe("CI access", () => {
    it("trusts GitHub's OIDC issuer for STS only", () => {
      expect(one(rec, T.oidc).inputs).toEqual({
        url: "https://token.actions.githubusercontent.com",
        clientIdLists: ["sts.amazonaws.com"],
      });
    });

    it("lets only the configured repository and branches assume the deploy role", () => {
      const role = named(rec, T.role, "ci");
      expect(role.inputs.name).toBe(`plat-${profile.shortName}-deploy`);
      expect(policy(role, "assumeRolePolicy").Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Federated: one(rec, T.oidc).state.arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": [
                "repo:example-org/saas-platform:ref:refs/heads/main",
              ],
            },
          },
        },
      ]);
      expect(ofType(rec, "aws:iam/accessKey:AccessKey")).toEqual([]);
    });
  });

  describe("outputs", () => {
    it("match the base outputs contract, every key and nothing else", () => {
      expect(BaseOutputsSchema.parse(rec.outputs)).toEqual(rec.outputs);
      expect(Object.keys(rec.outputs)).toEqual([...BASE_OUTPUT_KEYS]);
    });

    it("point at the resources they name", () => {
      const o = rec.outputs;
      const ids = (tier: string) =>
        [0, 1, 2].map((i) => named(rec, T.subnet, `network-${tier}-${i}`).state.id);
      expect(o).toMatchObject({
        environment,
        region: "us-east-1",
        vpcId: one(rec, T.vpc).state.id,
        vpcCidr: config.vpcCidr,
        publicSubnetIds: ids("public"),
        privateSubnetIds: ids("private"),
        isolatedSubnetIds: ids("isolated"),
        clusterArn: one(rec, T.cluster).state.arn,
        albArn: one(rec, T.alb).state.arn,
        albArnSuffix: one(rec, T.alb).state.arnSuffix,
        albSecurityGroupId: named(rec, T.securityGroup, "ingress-sg").state.id,
        httpsListenerArn: named(rec, T.listener, "ingress-https").state.arn,
        hostedZoneId: one(rec, T.zone).state.zoneId,
        domain: config.domain,
        platformKmsKeyArn: named(rec, T.key, "platform-key").state.arn,
        alarmTopicArn: one(rec, T.topic).state.arn,
        ecrRepositoryArn: one(rec, T.repository).state.arn,
        backupVaultName: named(rec, T.vault, "backup").state.name,
        backupPlanId: named(rec, T.plan, "backup").state.id,
        s3AccessLogBucketName: named(rec, T.bucket, "s3-access-logs").state.bucket,
        deployRoleArn: named(rec, T.role, "ci").state.arn,
        previewRoleArn: named(rec, T.role, "ci-preview").state.arn,
      });
    });
  });
});

/** What each ingress shard after the first adds: its ALB, listeners, log bucket, record and alarms. */
const PER_EXTRA_SHARD: Record<Environment, Record<string, number>> = {
  staging: {
    "aws:lb/loadBalancer:LoadBalancer": 1,
    "aws:lb/listener:Listener": 2,
    "aws:route53/record:Record": 1,
    "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketLogging:BucketLogging": 1,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketVersioning:BucketVersioning": 1,
    "platform:ingress:AccessLogBucket": 1,
    "platform:ingress:Ingress": 1,
  },
  production: {},
};
PER_EXTRA_SHARD.production = {
  ...PER_EXTRA_SHARD.staging,
  "aws:wafv2/webAclAssociation:WebAclAssociation": 1,
};

describe.each(ENVIRONMENTS)("base stack with three ingress shards (%s)", (environment) => {
  const profile = ENVIRONMENT_PROFILES[environment];
  const domain = DEFAULT_BASE_CONFIG[environment]["platform:domain"];
  const short = ENVIRONMENT_PROFILES[environment].shortName;
  let rec: Recording;
  let single: Recording;
  beforeAll(async () => {
    rec = await recordBase(environment, { "platform:ingressShards": "3" });
    single = recordings[environment];
  });

  it("keeps every resource of one shard as it is (same URNs and inputs) and adds two shards' worth", () => {
    const inputs = (r: Recording) => new Map(r.resources.map((x) => [x.urn, JSON.stringify(x.inputs)]));
    const before = inputs(single);
    const after = inputs(rec);
    for (const [urn, value] of before) {
      // Only the alarms' watch list and the outputs grow; no resource of shard 0 changes.
      expect([urn, after.get(urn)]).toEqual([urn, value]);
    }
    const expected = { ...EXPECTED_COUNTS[environment] };
    for (const [type, n] of Object.entries(PER_EXTRA_SHARD[environment])) {
      expected[type] = (expected[type] ?? 0) + 2 * n;
    }
    expect(countByType(rec)).toEqual(expected);
  });

  it("names each shard's ALB from the one naming function, shard 0 as the single ALB", () => {
    expect(ofType(rec, T.alb).map((lb) => [lb.name, lb.inputs.name])).toEqual([
      ["ingress", `plat-${short}-alb`],
      ["ingress-1", `plat-${short}-alb-1`],
      ["ingress-2", `plat-${short}-alb-2`],
    ]);
  });

  it.each([1, 2])(
    "gives shard %i the first shard's group and certificate, HTTPS with HSTS and a redirect",
    (k) => {
      const alb = named(rec, T.alb, `ingress-${k}`);
      const sg = named(rec, T.securityGroup, "ingress-sg");
      expect(alb.inputs).toMatchObject({
        loadBalancerType: "application",
        internal: false,
        securityGroups: [sg.state.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: profile.deletionProtection,
        accessLogs: { bucket: named(rec, T.bucket, `ingress-${k}-access-logs`).state.bucket, enabled: true },
      });
      expect(named(rec, T.listener, `ingress-${k}-https`).inputs).toEqual(httpsListenerInputs(rec, alb));
      expect(named(rec, T.listener, `ingress-${k}-http`).inputs).toEqual(httpListenerInputs(alb));
      expect(named(rec, T.record, `ingress-${k}-alias`).inputs).toEqual({
        zoneId: one(rec, T.zone).state.zoneId,
        name: `shard-${k}.platform.${domain}`,
        type: "A",
        aliases: [{ name: alb.state.dnsName, zoneId: alb.state.zoneId, evaluateTargetHealth: false }],
      });
      if (profile.waf) {
        expect(named(rec, T.webAclAssociation, `ingress-${k}-waf-alb`).inputs).toEqual({
          resourceArn: alb.state.arn,
          webAclArn: one(rec, T.webAcl).state.arn,
        });
      }
      expect(
        ofType(rec, T.alarm)
          .filter((a) => a.name.startsWith(`alarms-alb-${k}-`))
          .map((a) => [a.name, a.inputs.metricName, a.inputs.dimensions]),
      ).toEqual([
        [`alarms-alb-${k}-5xx`, "HTTPCode_ELB_5XX_Count", { LoadBalancer: alb.state.arnSuffix }],
        [`alarms-alb-${k}-rejected`, "RejectedConnectionCount", { LoadBalancer: alb.state.arnSuffix }],
      ]);
    },
  );

  it(profile.waf ? "has one web ACL for every shard" : "has no WAF on any shard", () => {
    expect(ofType(rec, T.webAcl)).toHaveLength(profile.waf ? 1 : 0);
    expect(ofType(rec, T.webAclAssociation).map((a) => a.inputs.resourceArn)).toEqual(
      profile.waf ? ofType(rec, T.alb).map((lb) => lb.state.arn) : [],
    );
  });

  it("lists the shards in the outputs, shard 0 also under the single-ALB keys", () => {
    expect(rec.outputs.ingressShards).toEqual(
      [0, 1, 2].map((index) => {
        const alb = named(rec, T.alb, index === 0 ? "ingress" : `ingress-${index}`);
        return {
          index,
          albArn: alb.state.arn,
          albArnSuffix: alb.state.arnSuffix,
          albDnsName: alb.state.dnsName,
          albZoneId: alb.state.zoneId,
          httpsListenerArn: named(rec, T.listener, index === 0 ? "ingress-https" : `ingress-${index}-https`)
            .state.arn,
        };
      }),
    );
    expect(rec.outputs.ingressShards[0]).toMatchObject({
      albArn: rec.outputs.albArn,
      httpsListenerArn: rec.outputs.httpsListenerArn,
    });
    expect(single.outputs.ingressShards).toEqual([rec.outputs.ingressShards[0]]);
  });

  it("refuses a shard count outside 1 to 100 before recording anything", async () => {
    await expect(recordBase(environment, { "platform:ingressShards": "0" })).rejects.toThrow(
      'platform:ingressShards = "0" is not an integer from 1 to 100',
    );
  });
});

describe("base stack with optional settings", () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordBase("staging", {
      "platform:hostedZoneId": "ZEXISTING123",
      "platform:alarmEmail": "oncall@example.com",
      "platform:githubBranches": '["main","release"]',
      "platform:githubOidcProviderArn":
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    });
  });

  it("uses the existing zone instead of creating one", () => {
    expect(ofType(rec, T.zone)).toEqual([]);
    expect(named(rec, T.record, "ingress-certificate-validation").inputs.zoneId).toBe("ZEXISTING123");
    expect(rec.outputs.hostedZoneId).toBe("ZEXISTING123");
  });

  it("subscribes the alarm email to the topic", () => {
    expect(one(rec, T.subscription).inputs).toEqual({
      topic: one(rec, T.topic).state.arn,
      protocol: "email",
      endpoint: "oncall@example.com",
    });
  });

  it("uses the existing OIDC provider and trusts every configured branch", () => {
    expect(ofType(rec, T.oidc)).toEqual([]);
    const trust = policy(named(rec, T.role, "ci"), "assumeRolePolicy").Statement[0];
    expect(trust.Principal.Federated).toBe(
      "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    );
    expect(trust.Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toEqual([
      "repo:example-org/saas-platform:ref:refs/heads/main",
      "repo:example-org/saas-platform:ref:refs/heads/release",
    ]);
  });

  it("still satisfies the outputs contract", () => {
    expect(() => BaseOutputsSchema.parse(rec.outputs)).not.toThrow();
  });
});

describe("offline defaults and entry point", () => {
  it("embeds Pulumi.yaml's defaults overlaid with each stack file", () => {
    expect(DEFAULT_BASE_CONFIG.staging).toMatchObject({
      "aws:region": "us-east-1",
      "platform:domain": "staging.platform.example.com",
      "platform:vpcCidr": "10.0.0.0/16",
      "platform:githubRepository": "example-org/saas-platform",
      "platform:githubBranches": '["main"]',
      "platform:hostedZoneId": "",
      "platform:ecrImagesToKeep": "20",
    });
    expect(DEFAULT_BASE_CONFIG.production).toMatchObject({
      "platform:domain": "platform.example.com",
      "platform:vpcCidr": "10.1.0.0/16",
      "platform:dataClassification": "confidential",
      "platform:ecrImagesToKeep": "100",
    });
    expect(Object.keys(DEFAULT_BASE_CONFIG.staging)).toEqual(Object.keys(DEFAULT_BASE_CONFIG.production));
  });

  it("fails before recording anything when an override is invalid", async () => {
    await expect(recordBase("production", { "platform:vpcCidr": "10.0.0.0/8" })).rejects.toThrow(
      'platform:vpcCidr = "10.0.0.0/8" is a /8; allowed /16 to /21',
    );
  });

  it("index.ts exports exactly the base outputs contract", async () => {
    // Nothing else imports ./index, so this import runs the entry point under the recorder's mocks.
    const rec = await record(async () => ({ ...(await import("./index")) }), {
      project: "platform",
      stack: "staging",
      config: DEFAULT_BASE_CONFIG.staging,
    });
    expect(Object.keys(rec.outputs).sort()).toEqual([...BASE_OUTPUT_KEYS].sort());
    expect(BaseOutputsSchema.parse(rec.outputs)).toEqual(recordings.staging.outputs);
  });
});

describe("component argument errors", () => {
  it("refuses flow log retention below the environment's floor before creating anything", async () => {
    await expect(
      record(
        () =>
          new Network("network", {
            environment: "production",
            region: "us-east-1",
            cidr: "10.1.0.0/16",
            kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
            flowLogRetentionDays: 30,
          }),
        { project: "platform", stack: "production" },
      ),
    ).rejects.toThrow(
      "network flowLogRetentionDays 30: allowed a CloudWatch Logs retention of at least 90 days in production (90, 120,",
    );
  });
});
