/**
 * A fixture of base stack outputs for tenant tests, shaped like the mock outputs of the real base
 * program (offline/mocks.ts: account 123456789012, us-east-1). It parses with the base outputs
 * contract, so a contract change that the fixture misses fails the tenant tests loudly.
 */
import { BaseOutputs, Environment, ENVIRONMENT_PROFILES, parseBaseOutputs } from "../../common";
import { MOCK_ACCOUNT_ID, MOCK_REGION } from "../../offline/mocks";

/** Base outputs for `environment`, as a `StackReference` to `organization/platform/<env>` reads them. */
export function fixtureBaseOutputs(environment: Environment): BaseOutputs {
  const env = ENVIRONMENT_PROFILES[environment].shortName;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
  const alb = `app/plat-${env}/0123456789abcdef`;
  return parseBaseOutputs(`fixture ${environment}`, {
    environment,
    region: MOCK_REGION,
    vpcId: `vpc-${env}0001`,
    vpcCidr: environment === "production" ? "10.20.0.0/16" : "10.10.0.0/16",
    publicSubnetIds: ["a", "b", "c"].map((az) => `subnet-${env}pub${az}`),
    privateSubnetIds: ["a", "b", "c"].map((az) => `subnet-${env}prv${az}`),
    isolatedSubnetIds: ["a", "b", "c"].map((az) => `subnet-${env}iso${az}`),
    dbSubnetGroupName: `plat-${env}-db`,
    cacheSubnetGroupName: `plat-${env}-cache`,
    clusterName: `plat-${env}`,
    clusterArn: arn("ecs", `cluster/plat-${env}`),
    albArn: arn("elasticloadbalancing", `loadbalancer/${alb}`),
    albArnSuffix: alb,
    albDnsName: `plat-${env}-1234567890.${MOCK_REGION}.elb.amazonaws.com`,
    albZoneId: "Z35SXDOTRQ7X7K",
    albSecurityGroupId: `sg-${env}alb0001`,
    httpsListenerArn: arn("elasticloadbalancing", `listener/${alb}/fedcba9876543210`),
    hostedZoneId: `Z0${env.toUpperCase()}ZONE0001`,
    domain: environment === "production" ? "platform.example.com" : "staging.platform.example.com",
    platformKmsKeyArn: arn("kms", `key/00000000-0000-0000-0000-${env}000000001`),
    platformKmsKeyId: `00000000-0000-0000-0000-${env}000000001`,
    alarmTopicArn: arn("sns", `plat-${env}-alarms`),
    ecrRepositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com/plat-app`,
    ecrRepositoryArn: arn("ecr", "repository/plat-app"),
    backupVaultName: `plat-${env}-backup`,
    backupPlanId: `plan-${env}-0001`,
    s3AccessLogBucketName: `plat-${env}-s3-access-logs-0001`,
    deployRoleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/plat-${env}-deploy`,
  });
}
