/**
 * The base stack's program: builds the tagged AWS provider and every component from a validated
 * {@link BaseConfig}, and returns exactly the base outputs contract. `index.ts` runs it for
 * `pulumi up`; tests and the offline plan run it under mocks (./offline.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BaseOutputs,
  buildTags,
  offRegionCopyTiers,
  physicalName,
  SHARED_TENANT,
  shardComponentName,
  shardHostname,
  shardLoadBalancerRole,
} from "../common";
import { Alarms } from "./alarms";
import { Backup } from "./backup";
import { CiAccess } from "./ciAccess";
import { Cluster } from "./cluster";
import { BaseConfig } from "./config";
import { Dns } from "./dns";
import { Ingress } from "./ingress";
import { S3AccessLogBucket } from "./s3AccessLogs";
import { PlatformKey } from "./keys";
import { Network } from "./network";
import { Registry } from "./registry";

/**
 * What {@link createBaseStack} returns: every key of the contract, each value possibly an Output.
 * The mapped type makes the compiler reject a missing, extra or mistyped output.
 */
export type BaseStackOutputs = { readonly [K in keyof BaseOutputs]: pulumi.Input<BaseOutputs[K]> };

/**
 * Declares the base stack for one environment.
 *
 * Tags: only through the provider's `defaultTags` (from the shared tag builder), so every taggable
 * resource carries them and the tagging policy can read them from the provider.
 */
export function createBaseStack(config: BaseConfig): BaseStackOutputs {
  const { environment, profile } = config;
  const tags = buildTags({
    tenant: SHARED_TENANT,
    environment,
    owner: config.owner,
    costCenter: config.costCenter,
    dataClassification: config.dataClassification,
  });
  const provider = new aws.Provider("aws", { region: config.region as aws.Region, defaultTags: { tags } });
  // Children inherit the provider through their parent component.
  const opts: pulumi.ComponentResourceOptions = { providers: [provider] };

  const key = new PlatformKey(
    "platform-key",
    {
      region: config.region,
      aliasName: physicalName("kmsAlias", { environment, role: "platform" }),
      deletionWindowInDays: profile.deletionProtection ? 30 : 7,
    },
    opts,
  );
  const network = new Network(
    "network",
    { environment, region: config.region, cidr: config.vpcCidr, kmsKeyArn: key.arn },
    opts,
  );
  const dns = new Dns(
    "dns",
    {
      domain: config.domain,
      zone: config.hostedZoneId ? { existingZoneId: config.hostedZoneId } : { create: true },
    },
    opts,
  );
  // S3 server access logs of the environment's buckets (the ALB's log bucket here, tenant data
  // buckets from their stacks) land in one bucket, kept as long as the environment keeps logs.
  const s3AccessLogs = new S3AccessLogBucket(
    "s3-access-logs",
    { expirationDays: profile.logRetentionFloorDays },
    opts,
  );
  const shards = createIngressShards(config, {
    vpcId: network.vpcId,
    publicSubnetIds: network.subnetIds.public,
    zoneId: dns.zoneId,
    s3AccessLogBucketName: s3AccessLogs.bucketName,
    opts,
  });
  const ingress = shards[0];
  const cluster = new Cluster(
    "cluster",
    { clusterName: physicalName("ecs", { environment, role: "cluster" }), kmsKeyArn: key.arn },
    opts,
  );
  const registry = new Registry(
    "registry",
    {
      repositoryName: physicalName("ecr", { environment, role: "app" }),
      kmsKeyArn: key.arn,
      imagesToKeep: config.ecrImagesToKeep,
    },
    opts,
  );
  const alarms = new Alarms(
    "alarms",
    {
      kmsKeyArn: key.arn,
      email: config.alarmEmail ? { enabled: true, address: config.alarmEmail } : { enabled: false },
      watch: {
        loadBalancerArnSuffixes: shards.map((shard) => shard.loadBalancer.arnSuffix),
        natGatewayIds: network.natGateways.map((nat) => nat.id),
      },
    },
    opts,
  );
  const backup = new Backup(
    "backup",
    {
      environment,
      kmsKeyArn: key.arn,
      retentionDays: config.backupRetentionDays,
      copy: {
        enabled: true,
        region: config.backupCopyRegion,
        tiers: offRegionCopyTiers(environment),
        keyDeletionWindowInDays: profile.deletionProtection ? 30 : 7,
      },
      restoreTesting: profile.restoreTesting
        ? { enabled: true, dbSubnetGroupName: network.dbSubnetGroupName }
        : { enabled: false },
    },
    opts,
  );
  const ci = new CiAccess(
    "ci",
    {
      roleName: physicalName("iamRole", { environment, role: "deploy" }),
      previewRoleName: physicalName("iamRole", { environment, role: "preview" }),
      stateBucket: config.stateBucket,
      repository: config.github.repository,
      branches: config.github.branches,
      oidcProvider: config.github.oidcProviderArn
        ? { existingArn: config.github.oidcProviderArn }
        : { create: true },
    },
    opts,
  );

  return {
    environment,
    region: config.region,
    vpcId: network.vpcId,
    vpcCidr: config.vpcCidr,
    publicSubnetIds: pulumi.all(network.subnetIds.public),
    privateSubnetIds: pulumi.all(network.subnetIds.private),
    isolatedSubnetIds: pulumi.all(network.subnetIds.isolated),
    dbSubnetGroupName: network.dbSubnetGroupName,
    cacheSubnetGroupName: network.cacheSubnetGroupName,
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    albArn: ingress.loadBalancer.arn,
    albArnSuffix: ingress.loadBalancer.arnSuffix,
    albDnsName: ingress.loadBalancer.dnsName,
    albZoneId: ingress.loadBalancer.zoneId,
    albSecurityGroupId: ingress.securityGroupId,
    httpsListenerArn: ingress.httpsListenerArn,
    ingressShards: pulumi
      .all(
        shards.map((shard) =>
          pulumi.all([
            shard.loadBalancer.arn,
            shard.loadBalancer.arnSuffix,
            shard.loadBalancer.dnsName,
            shard.loadBalancer.zoneId,
            shard.httpsListenerArn,
          ]),
        ),
      )
      .apply((rows) =>
        rows.map(([albArn, albArnSuffix, albDnsName, albZoneId, httpsListenerArn], index) => ({
          index,
          albArn,
          albArnSuffix,
          albDnsName,
          albZoneId,
          httpsListenerArn,
        })),
      ),
    hostedZoneId: dns.zoneId,
    domain: config.domain,
    platformKmsKeyArn: key.arn,
    platformKmsKeyId: key.keyId,
    alarmTopicArn: alarms.topicArn,
    ecrRepositoryUrl: registry.repositoryUrl,
    ecrRepositoryArn: registry.arn,
    backupVaultName: backup.vaultName,
    backupPlanId: backup.planId,
    s3AccessLogBucketName: s3AccessLogs.bucketName,
    deployRoleArn: ci.roleArn,
    previewRoleArn: ci.previewRoleArn,
  };
}

/**
 * The ingress shards (`platform:ingressShards`, common/ingress.ts). Shard 0 is the component the
 * single ALB always was (same names, same inputs): it creates the security group, the certificate
 * and the web ACL, and the apex and wildcard records point at it. Shard k ≥ 1 is `ingress-<k>`: its
 * own ALB (`plat-<env>-alb-<k>`), listeners, access-log bucket, WAF association and alias record
 * `shard-<k>.platform.<domain>`, with shard 0's group, certificate and web ACL.
 */
function createIngressShards(
  config: BaseConfig,
  parts: {
    vpcId: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<string>[];
    zoneId: pulumi.Input<string>;
    s3AccessLogBucketName: pulumi.Input<string>;
    opts: pulumi.ComponentResourceOptions;
  },
): Ingress[] {
  const { environment, profile } = config;
  const shard = (index: number, first?: Ingress): Ingress =>
    new Ingress(
      shardComponentName(index),
      {
        loadBalancerName: physicalName("loadBalancer", { environment, role: shardLoadBalancerRole(index) }),
        vpcId: parts.vpcId,
        vpcCidr: config.vpcCidr,
        publicSubnetIds: parts.publicSubnetIds,
        domain: config.domain,
        zoneId: parts.zoneId,
        accessLogExpirationDays: profile.logRetentionFloorDays,
        serverAccessLogs: {
          enabled: true,
          targetBucket: parts.s3AccessLogBucketName,
          targetPrefix: index === 0 ? "alb-access-logs/" : `alb-access-logs/shard-${index}/`,
        },
        deletionProtection: profile.deletionProtection,
        ...(first
          ? {
              shared: { existing: first.shared },
              records: [{ role: "alias", name: shardHostname(index, config.domain) }],
              waf:
                profile.waf && first.webAclArn
                  ? { enabled: true, existingWebAclArn: first.webAclArn }
                  : { enabled: false },
            }
          : { waf: profile.waf ? ({ enabled: true } as const) : ({ enabled: false } as const) }),
      },
      parts.opts,
    );
  const first = shard(0);
  return [first, ...Array.from({ length: config.ingressShards - 1 }, (_, i) => shard(i + 1, first))];
}
