/**
 * The test programs: a base program exporting the base outputs contract with fake values, and a
 * tenant program that reads it through a real `StackReference` and declares {@link TestResource}s.
 * The e2e tests, the benchmark and the CLI's test mode (`PLATFORM_TENANT_PROGRAM=test`) run them on
 * the real engine; the real tenant program needs the AWS provider.
 */
import * as pulumi from "@pulumi/pulumi";
import { BaseOutputs, BaseOutputsSchema, Environment, parseBaseOutputs } from "../../common";
import { loadTenantConfig } from "../../tenants/contract";
import { finalSnapshotName } from "../../tenants/decommission";
import type { TenantProgram } from "../service";
import { TestResource } from "./resource";

/** The base test program: the base outputs contract with fake, well-formed values. */
export function testBaseProgram(environment: Environment): pulumi.automation.PulumiFn {
  return async () => {
    const arn = (service: string, what: string) => `arn:aws:${service}:us-east-1:123456789012:${what}`;
    const outputs: BaseOutputs = {
      environment,
      region: "us-east-1",
      vpcId: `vpc-test-${environment}`,
      vpcCidr: "10.40.0.0/16",
      publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
      privateSubnetIds: ["subnet-prv-a", "subnet-prv-b"],
      isolatedSubnetIds: ["subnet-iso-a", "subnet-iso-b"],
      dbSubnetGroupName: `plat-${environment}-db`,
      cacheSubnetGroupName: `plat-${environment}-cache`,
      clusterName: `plat-${environment}`,
      clusterArn: arn("ecs", `cluster/plat-${environment}`),
      albArn: arn("elasticloadbalancing", `loadbalancer/app/plat-${environment}/0123456789abcdef`),
      albArnSuffix: `app/plat-${environment}/0123456789abcdef`,
      albDnsName: `plat-${environment}-123.us-east-1.elb.amazonaws.com`,
      albZoneId: "Z35SXDOTRQ7X7K",
      albSecurityGroupId: "sg-alb",
      httpsListenerArn: arn("elasticloadbalancing", `listener/app/plat-${environment}/0123456789abcdef/1`),
      hostedZoneId: "Z0TEST",
      domain: `${environment}.saas.example.com`,
      platformKmsKeyArn: arn("kms", "key/test"),
      platformKmsKeyId: "test",
      alarmTopicArn: arn("sns", `plat-${environment}-alarms`),
      ecrRepositoryUrl: "123456789012.dkr.ecr.us-east-1.amazonaws.com/plat-app",
      ecrRepositoryArn: arn("ecr", "repository/plat-app"),
      backupVaultName: `plat-${environment}`,
      backupPlanId: "plan-test",
      deployRoleArn: "arn:aws:iam::123456789012:role/plat-deploy",
    };
    // The compiler checks the shape; the schema checks the values (ARNs, list lengths).
    return BaseOutputsSchema.parse(outputs);
  };
}

/** Knobs of the test tenant program. */
export interface TestTenantProgramOptions {
  /** The directory that plays the cloud for {@link TestResource}s. */
  readonly cloudDir: string;
  /**
   * Delay of the tenant's service resource on create and update, ms.
   * @default 0
   */
  readonly delayMs?: number | ((tenant: string) => number);
  /**
   * Tenants whose service resource fails with a provider error.
   * @default none
   */
  readonly failTenants?: readonly string[] | ((tenant: string) => boolean);
  /**
   * A file whose appearance ends the service resource's delay early (tests that need an update to
   * stay in progress until they say so).
   * @default none
   */
  readonly holdUntilFile?: (tenant: string) => string | undefined;
}

/**
 * The test tenant program: reads the stack's config as the real program does (tenants/contract.ts
 * `loadTenantConfig`: the spec, the base stack, `tenant:decommission`, `tenant:secrets`, all from
 * the config the service sets), reads the base stack through a `StackReference`, validates it
 * against the contract, and declares a service and a database resource whose values follow the
 * spec, so a spec change is an update and an unchanged spec is no change.
 */
export function testTenantProgram(options: TestTenantProgramOptions): TenantProgram {
  const delayOf = (t: string) =>
    typeof options.delayMs === "function" ? options.delayMs(t) : (options.delayMs ?? 0);
  const fails = (t: string) =>
    typeof options.failTenants === "function"
      ? options.failTenants(t)
      : (options.failTenants ?? []).includes(t);
  // Like the real program, it takes nothing from the arguments: the stack config is the one channel.
  return () => async () => {
    const { spec, environment, baseStackName, decommission, appSecrets } = loadTenantConfig();
    const base = new pulumi.StackReference(baseStackName);
    const outputs = base.outputs.apply((raw) => parseBaseOutputs(baseStackName, raw));
    const service = new TestResource(`${spec.id}-service`, {
      kind: "service",
      tenant: spec.id,
      cloudDir: options.cloudDir,
      delayMs: delayOf(spec.id),
      fail: fails(spec.id),
      holdUntilFile: options.holdUntilFile?.(spec.id),
      value: {
        tier: spec.tier,
        imageTag: spec.imageTag,
        sizing: spec.sizing ?? {},
        cluster: outputs.clusterName,
        environment,
      },
    });
    const database = new TestResource(`${spec.id}-db`, {
      kind: "database",
      tenant: spec.id,
      cloudDir: options.cloudDir,
      value: { tier: spec.tier, subnetGroup: outputs.dbSubnetGroupName },
    });
    // `tenant:decommission` (set by offboard) is exported in the real program's shape so the e2e
    // tests can see that offboarding set it before destroying; of `tenant:secrets` (`--secret`)
    // only the names are exported, so they can see the secrets reached the program without any
    // value leaving it.
    return {
      tenant: spec.id,
      tier: spec.tier,
      endpoint: pulumi.interpolate`https://${spec.id}.${outputs.domain}`,
      vpcId: outputs.vpcId,
      serviceId: service.id,
      databaseId: database.id,
      ...(appSecrets ? { secretNames: [...appSecrets.names] } : {}),
      ...(decommission
        ? {
            decommission: {
              at: decommission.at,
              databaseFinalSnapshot: finalSnapshotName(`test-${spec.id}-db`, decommission),
            },
          }
        : {}),
    };
  };
}
