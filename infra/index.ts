/**
 * Entry point of the base stack (`pulumi up -s staging|production`): read the config once, declare
 * the stack, export exactly the base outputs contract (common/contract.ts). Everything else lives
 * in ./program.ts and the components.
 */
import { loadBaseConfig } from "./config";
import { createBaseStack } from "./program";

const outputs = createBaseStack(loadBaseConfig());

export const environment = outputs.environment;
export const region = outputs.region;
export const vpcId = outputs.vpcId;
export const vpcCidr = outputs.vpcCidr;
export const publicSubnetIds = outputs.publicSubnetIds;
export const privateSubnetIds = outputs.privateSubnetIds;
export const isolatedSubnetIds = outputs.isolatedSubnetIds;
export const dbSubnetGroupName = outputs.dbSubnetGroupName;
export const cacheSubnetGroupName = outputs.cacheSubnetGroupName;
export const clusterName = outputs.clusterName;
export const clusterArn = outputs.clusterArn;
export const albArn = outputs.albArn;
export const albArnSuffix = outputs.albArnSuffix;
export const albDnsName = outputs.albDnsName;
export const albZoneId = outputs.albZoneId;
export const albSecurityGroupId = outputs.albSecurityGroupId;
export const httpsListenerArn = outputs.httpsListenerArn;
export const ingressShards = outputs.ingressShards;
export const hostedZoneId = outputs.hostedZoneId;
export const domain = outputs.domain;
export const platformKmsKeyArn = outputs.platformKmsKeyArn;
export const platformKmsKeyId = outputs.platformKmsKeyId;
export const alarmTopicArn = outputs.alarmTopicArn;
export const ecrRepositoryUrl = outputs.ecrRepositoryUrl;
export const ecrRepositoryArn = outputs.ecrRepositoryArn;
export const backupVaultName = outputs.backupVaultName;
export const backupPlanId = outputs.backupPlanId;
export const s3AccessLogBucketName = outputs.s3AccessLogBucketName;
export const deployRoleArn = outputs.deployRoleArn;
export const previewRoleArn = outputs.previewRoleArn;
