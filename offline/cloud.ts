/**
 * The fake cloud: what AWS (and the random provider) would return for the resources and functions
 * our programs use. Ids with the right prefixes, ARNs in the right shape, availability zones,
 * endpoints. It is the one model of the fake cloud: Pulumi's mocks (./mocks.ts, for the recorder,
 * the offline plan and check) and the cloud double (./double/, the provider plugin the real engine
 * loads) both answer from it, so they agree on what the fake cloud returns.
 *
 * Values a real deployment learns only after creation (ids, ARNs, endpoints) derive from a seed:
 * the type and name under mocks (two recordings agree), plus the stack and a nonce in the double.
 * Generated secrets are placeholders here; the double generates real random values itself.
 */
import { createHash } from "crypto";
import { imageState } from "./buildContext";

/** Placeholder account, region and AZs used by every mocked resource. */
export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-east-1";
export const MOCK_AZS = ["us-east-1a", "us-east-1b", "us-east-1c"] as const;
/** The password `aws.ecr.getAuthorizationToken` answers with (a placeholder, never a credential). */
export const MOCK_ECR_PASSWORD = "mock-ecr-password-placeholder";

function short(seed: string, length = 8): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** `aws:s3/bucketV2:BucketV2` -> `s3`; used to build ARNs. */
function serviceOf(type: string): string {
  const m = /^aws:([a-zA-Z0-9]+)\//.exec(type);
  return (m?.[1] ?? "unknown").toLowerCase();
}

function arn(service: string, resource: string, region: string = MOCK_REGION): string {
  return `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`;
}

/** A resource as the fake cloud receives it. */
export interface CloudResourceArgs {
  /** Pulumi type token, e.g. `aws:s3/bucketV2:BucketV2`. */
  readonly type: string;
  /** The logical name the program gave it. */
  readonly name: string;
  /** Its inputs, plain values (no secret wrappers, no unknowns). */
  readonly inputs: Record<string, any>;
  /**
   * What makes its generated values unique. The mocks use `<type>::<name>`, so two recordings of a
   * program agree; the double adds the stack and a nonce per creation, so two stacks (and a
   * replacement) never share an id.
   * @default `<type>::<name>`
   */
  readonly seed?: string;
}

/** What the fake cloud holds for a resource: its id and its state (inputs plus computed values). */
export interface CloudResource {
  readonly id: string;
  readonly state: Record<string, unknown>;
}

/** The state a resource reports: its inputs plus what AWS would compute. */
export function cloudState(args: CloudResourceArgs): CloudResource {
  const { type, name, inputs } = args;
  const seed = args.seed ?? `${type}::${name}`;
  const h = short(seed);
  const physical: string = inputs.name ?? inputs.bucket ?? `${name}-${short(seed, 7)}`;
  const state: Record<string, unknown> = { ...inputs };
  let id = `${physical}`;
  // AWS provider 7 resources may name their own region (the backup copy vault and its key).
  const region: string = inputs.region ?? MOCK_REGION;

  switch (type) {
    case "aws:ec2/vpc:Vpc":
      id = `vpc-${h}`;
      Object.assign(state, {
        arn: arn("ec2", `vpc/${id}`),
        defaultSecurityGroupId: `sg-${short(seed + "sg")}`,
      });
      break;
    case "aws:ec2/subnet:Subnet":
      id = `subnet-${h}`;
      Object.assign(state, { arn: arn("ec2", `subnet/${id}`) });
      break;
    case "aws:ec2/securityGroup:SecurityGroup":
      id = `sg-${h}`;
      Object.assign(state, { arn: arn("ec2", `security-group/${id}`), name: inputs.name ?? physical });
      break;
    case "aws:ec2/internetGateway:InternetGateway":
      id = `igw-${h}`;
      break;
    case "aws:ec2/natGateway:NatGateway":
      id = `nat-${h}`;
      break;
    case "aws:ec2/eip:Eip":
      id = `eipalloc-${h}`;
      Object.assign(state, { publicIp: `198.51.100.${parseInt(h.slice(0, 2), 16) % 250}` });
      break;
    case "aws:ec2/routeTable:RouteTable":
      id = `rtb-${h}`;
      break;
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      id = `vpce-${h}`;
      break;
    case "aws:ec2/flowLog:FlowLog":
      id = `fl-${h}`;
      break;
    case "aws:lb/loadBalancer:LoadBalancer": {
      const suffix = `app/${physical}/${short(seed, 16)}`;
      Object.assign(state, {
        arn: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
        arnSuffix: suffix,
        dnsName: `${physical}-${h}.${MOCK_REGION}.elb.amazonaws.com`,
        zoneId: "Z35SXDOTRQ7X7K",
      });
      id = state.arn as string;
      break;
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const suffix = `targetgroup/${physical}/${short(seed, 16)}`;
      Object.assign(state, { arn: arn("elasticloadbalancing", suffix), arnSuffix: suffix });
      id = state.arn as string;
      break;
    }
    case "aws:lb/listener:Listener": {
      // As AWS shapes it, `listener/app/<load balancer name>/<lb id>/<listener id>`: the policy pack
      // reads the load balancer (the ingress shard) from it where it sees no base outputs.
      const lb = /:loadbalancer\/(app\/[^/]+\/[^/]+)$/.exec(String(inputs.loadBalancerArn ?? ""))?.[1];
      state.arn = arn("elasticloadbalancing", `listener/${lb ?? `app/${name}`}/${short(seed, 16)}`);
      id = state.arn as string;
      break;
    }
    case "aws:lb/listenerRule:ListenerRule":
      state.arn = arn("elasticloadbalancing", `listener/app/${name}/${short(seed, 16)}`);
      id = state.arn as string;
      break;
    case "aws:kms/key:Key":
      id = `${h}-${short(seed + "1", 4)}-${short(seed + "2", 4)}-${short(seed + "3", 4)}-${short(seed + "4", 12)}`;
      Object.assign(state, { keyId: id, arn: arn("kms", `key/${id}`, region) });
      break;
    case "aws:kms/alias:Alias":
      Object.assign(state, { arn: arn("kms", inputs.name ?? `alias/${name}`) });
      break;
    case "aws:ecr/repository:Repository":
      Object.assign(state, {
        arn: arn("ecr", `repository/${physical}`),
        repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${physical}`,
        registryId: MOCK_ACCOUNT_ID,
      });
      break;
    case "aws:route53/zone:Zone":
      id = `Z${h.toUpperCase()}${short(seed + "z", 6).toUpperCase()}`;
      Object.assign(state, {
        zoneId: id,
        arn: `arn:aws:route53:::hostedzone/${id}`,
        nameServers: [
          "ns-1.awsdns-01.org",
          "ns-2.awsdns-02.co.uk",
          "ns-3.awsdns-03.com",
          "ns-4.awsdns-04.net",
        ],
      });
      break;
    case "aws:acm/certificate:Certificate": {
      const domains: string[] = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
      Object.assign(state, {
        arn: arn("acm", `certificate/${h}`),
        domainValidationOptions: domains.map((d) => ({
          domainName: d,
          resourceRecordName: `_${short(d, 12)}.${d.replace(/^\*\./, "")}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: `_${short(d + "v", 12)}.acm-validations.aws.`,
        })),
      });
      id = state.arn as string;
      break;
    }
    case "aws:ecs/cluster:Cluster":
      Object.assign(state, { arn: arn("ecs", `cluster/${physical}`) });
      id = state.arn as string;
      break;
    case "aws:ecs/service:Service":
      Object.assign(state, { arn: arn("ecs", `service/${physical}`) });
      break;
    case "aws:ecs/taskDefinition:TaskDefinition":
      Object.assign(state, {
        arn: arn("ecs", `task-definition/${inputs.family ?? physical}:1`),
        arnWithoutRevision: arn("ecs", `task-definition/${inputs.family ?? physical}`),
        revision: 1,
      });
      break;
    case "aws:iam/role:Role":
      Object.assign(state, {
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${physical}`,
        uniqueId: `AROA${h.toUpperCase()}`,
      });
      break;
    case "aws:iam/policy:Policy":
      Object.assign(state, { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${physical}` });
      id = state.arn as string;
      break;
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      Object.assign(state, {
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${String(inputs.url ?? "").replace(/^https:\/\//, "")}`,
      });
      id = state.arn as string;
      break;
    case "aws:rds/instance:Instance":
      Object.assign(state, {
        arn: arn("rds", `db:${inputs.identifier ?? physical}`),
        address: `${inputs.identifier ?? physical}.${h}.${MOCK_REGION}.rds.amazonaws.com`,
        endpoint: `${inputs.identifier ?? physical}.${h}.${MOCK_REGION}.rds.amazonaws.com:5432`,
        port: inputs.port ?? 5432,
        resourceId: `db-${h.toUpperCase()}`,
        // RDS names the secret it manages for the master user `rds!db-<uuid>`.
        masterUserSecrets: inputs.manageMasterUserPassword
          ? [
              {
                secretArn: arn(
                  "secretsmanager",
                  `secret:rds!db-${h}-${short(seed + "m", 4)}-${short(seed, 6)}`,
                ),
                secretStatus: "active",
                kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "aws/secretsmanager",
              },
            ]
          : [],
      });
      break;
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      Object.assign(state, {
        arn: arn("elasticache", `replicationgroup:${inputs.replicationGroupId ?? physical}`),
        primaryEndpointAddress: `master.${inputs.replicationGroupId ?? physical}.${h}.use1.cache.amazonaws.com`,
        readerEndpointAddress: `replica.${inputs.replicationGroupId ?? physical}.${h}.use1.cache.amazonaws.com`,
        port: inputs.port ?? 6379,
      });
      break;
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      Object.assign(state, {
        bucket: physical,
        arn: `arn:aws:s3:::${physical}`,
        bucketRegionalDomainName: `${physical}.s3.${MOCK_REGION}.amazonaws.com`,
      });
      break;
    case "aws:secretsmanager/secret:Secret":
      Object.assign(state, { arn: arn("secretsmanager", `secret:${physical}-${short(seed, 6)}`) });
      id = state.arn as string;
      break;
    case "aws:secretsmanager/secretVersion:SecretVersion":
      Object.assign(state, { versionId: `v-${h}`, arn: inputs.secretId });
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      Object.assign(state, { arn: arn("logs", `log-group:${physical}`) });
      break;
    case "aws:sns/topic:Topic":
      Object.assign(state, { arn: arn("sns", physical) });
      id = state.arn as string;
      break;
    case "aws:backup/vault:Vault":
      Object.assign(state, { arn: arn("backup", `backup-vault:${physical}`, region) });
      break;
    case "aws:backup/plan:Plan":
      id = `${h}-plan`;
      Object.assign(state, { arn: arn("backup", `backup-plan:${id}`), version: "1" });
      break;
    case "aws:wafv2/webAcl:WebAcl":
      Object.assign(state, { arn: arn("wafv2", `regional/webacl/${physical}/${h}`) });
      break;
    case "aws:route53/record:Record":
      Object.assign(state, { fqdn: String(inputs.name ?? physical).replace(/\.$/, "") });
      break;
    case "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": {
      // The application's template outputs; the multi-user rotation function's is its ARN.
      const fn = inputs.parameters?.functionName ?? physical;
      id = arn("cloudformation", `stack/serverlessrepo-${physical}/${h}`);
      Object.assign(state, { outputs: { RotationLambdaARN: arn("lambda", `function:${fn}`) } });
      break;
    }
    case "aws:secretsmanager/secretRotation:SecretRotation":
      Object.assign(state, { rotationEnabled: true });
      id = String(inputs.secretId ?? physical);
      break;
    case "aws:backup/restoreTestingPlan:RestoreTestingPlan":
      Object.assign(state, { arn: arn("backup", `restore-testing-plan:${physical}-${h}`, region) });
      break;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      Object.assign(state, { arn: arn("cloudwatch", `alarm:${physical}`) });
      break;
    case "docker-build:index:Image":
      // The digest of the build context (./buildContext.ts): nothing is built or pushed.
      Object.assign(state, imageState(inputs));
      id = String(state.ref || state.digest);
      break;
    case "random:index/randomPassword:RandomPassword":
      // A placeholder, never a usable secret: real values exist only after `pulumi up`.
      Object.assign(state, { result: `placeholder-${short(seed, 24)}` });
      break;
    default:
      if (type.startsWith("aws:") && state.arn === undefined) {
        state.arn = arn(serviceOf(type), `${type.split(":").pop()?.toLowerCase()}/${physical}`);
      }
  }
  if (state.id === undefined) {
    state.id = id;
  }
  if (type.startsWith("aws:") && state.name === undefined && !type.startsWith("aws:ec2/")) {
    state.name = physical;
  }
  return { id, state };
}

/** Results of the provider functions (invokes) our programs call. */
export function cloudCall(token: string, inputs: Record<string, any>): Record<string, unknown> {
  const args = { token, inputs };
  switch (args.token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: [...MOCK_AZS], zoneIds: ["use1-az1", "use1-az2", "use1-az4"], id: MOCK_REGION };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: MOCK_ACCOUNT_ID,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/mock`,
        userId: "AIDAMOCK",
      };
    case "aws:index/getRegion:getRegion":
      return {
        name: MOCK_REGION,
        region: MOCK_REGION,
        id: MOCK_REGION,
        description: "US East (N. Virginia)",
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:elb/getServiceAccount:getServiceAccount":
      return { id: "127311923021", arn: "arn:aws:iam::127311923021:root" };
    case "aws:route53/getZone:getZone":
      return {
        zoneId: args.inputs.zoneId ?? "ZEXISTING",
        name: args.inputs.name ?? "example.com",
        id: args.inputs.zoneId,
      };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
      // ECR's answer: user AWS, a password valid 12 hours, the pair base64-encoded as the token.
      const account = args.inputs.registryId ?? MOCK_ACCOUNT_ID;
      const password = MOCK_ECR_PASSWORD;
      return {
        registryId: account,
        userName: "AWS",
        password,
        authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
        proxyEndpoint: `https://${account}.dkr.ecr.${MOCK_REGION}.amazonaws.com`,
        expiresAt: "2026-12-01T21:00:00Z",
        id: MOCK_REGION,
      };
    }
    default:
      return { ...args.inputs };
  }
}
