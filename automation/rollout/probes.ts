/**
 * Health probes of the rollout gate (./target.ts `HealthProbe`): the ECS deployment of a tenant
 * and its CloudWatch alarms, read through the AWS CLI's calls (`aws ecs describe-services`; the
 * tenant's alarms found by their `Tenant`/`Environment` tags with `aws resourcegroupstaggingapi
 * get-resources`, then `aws cloudwatch describe-alarms --state-value ALARM`).
 *
 * {@link awsCliProbe} makes those calls through an {@link AwsCli}: on AWS the AWS CLI v2 with the
 * same credentials as the update ({@link awsCli}); on the cloud double the double's answers to the
 * same calls (offline/double/awsApi.ts, from its cloud and its knobs), so the probe's logic runs
 * unchanged on both. {@link cloudProbe} picks the one of the settings' cloud.
 */
import { execFile } from "child_process";
import type { Environment } from "../../common";
import { doubleAwsApi } from "../../offline/double/awsApi";
import type { BaseService } from "../base";
import type { TenantService } from "../service";
import type { AutomationSettings } from "../settings";
import type { HealthCheck, HealthProbe } from "./target";

/** Runs the AWS CLI with JSON output; never a shell, never a secret in argv. */
export type AwsCli = (args: readonly string[]) => Promise<unknown>;

/** The AWS CLI on PATH. */
export const awsCli: AwsCli = (args) =>
  new Promise((resolve, reject) => {
    execFile(
      "aws",
      [...args, "--output", "json"],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const why =
            (error as NodeJS.ErrnoException).code === "ENOENT"
              ? "the AWS CLI (aws) is not on PATH"
              : stderr.trim();
          reject(new Error(`aws ${args.slice(0, 2).join(" ")} failed: ${why || error.message}`));
          return;
        }
        resolve(stdout.trim() ? JSON.parse(stdout) : {});
      },
    );
  });

/** Where a tenant's ECS service is. */
export interface ServiceLocation {
  readonly cluster: string;
  readonly service: string;
  readonly region: string;
}

/**
 * The AWS probe.
 * @param locate the tenant's cluster, service and region (from the base stack's and the tenant
 *   stack's outputs).
 */
export function awsCliProbe(
  locate: (tenant: string, environment: Environment) => Promise<ServiceLocation>,
  cli: AwsCli = awsCli,
  name = "aws",
): HealthProbe {
  return {
    name,
    async health(tenant, environment): Promise<HealthCheck> {
      const where = await locate(tenant, environment);
      const out = (await cli([
        "ecs",
        "describe-services",
        "--region",
        where.region,
        "--cluster",
        where.cluster,
        "--services",
        where.service,
      ])) as { services?: EcsService[] };
      return ecsHealth(out.services?.[0], where.service);
    },
    async alarms(tenant, environment) {
      const where = await locate(tenant, environment);
      const tagged = (await cli([
        "resourcegroupstaggingapi",
        "get-resources",
        "--region",
        where.region,
        "--resource-type-filters",
        "cloudwatch:alarm",
        "--tag-filters",
        `Key=Tenant,Values=${tenant}`,
        `Key=Environment,Values=${environment}`,
      ])) as { ResourceTagMappingList?: { ResourceARN: string }[] };
      const names = (tagged.ResourceTagMappingList ?? [])
        .map((r) => r.ResourceARN.split(":alarm:")[1])
        .filter(Boolean);
      if (names.length === 0) {
        return [];
      }
      const out = (await cli([
        "cloudwatch",
        "describe-alarms",
        "--region",
        where.region,
        "--state-value",
        "ALARM",
        "--alarm-names",
        ...names,
      ])) as { MetricAlarms?: { AlarmName: string }[]; CompositeAlarms?: { AlarmName: string }[] };
      return [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])].map((a) => a.AlarmName).sort();
    },
  };
}

/**
 * The probe of the settings' cloud: the AWS CLI on AWS, the double's answers to the same calls on
 * the cloud double. The tenant's service comes from its stack's outputs (`serviceName`), the
 * cluster and region from the base stack's, read once per tenant and environment (a soak reads the
 * alarms every poll; the names do not change during a rollout).
 */
export function cloudProbe(
  settings: Pick<AutomationSettings, "cloud" | "doubleDir">,
  service: Pick<TenantService, "outputs">,
  base: Pick<BaseService, "outputs">,
): HealthProbe {
  const known = new Map<string, Promise<ServiceLocation>>();
  const read = async (tenant: string, env: Environment): Promise<ServiceLocation> => {
    const [outputs, baseOutcome] = await Promise.all([service.outputs(tenant, env), base.outputs(env)]);
    const b = (baseOutcome.outputs ?? {}) as Record<string, unknown>;
    return { cluster: String(b.clusterName), service: String(outputs.serviceName), region: String(b.region) };
  };
  const locate = (tenant: string, env: Environment): Promise<ServiceLocation> => {
    const key = `${tenant}-${env}`;
    if (!known.has(key)) {
      // A failed read is not kept: the next call reads again.
      known.set(
        key,
        read(tenant, env).catch((error) => {
          known.delete(key);
          throw error;
        }),
      );
    }
    return known.get(key)!;
  };
  if (settings.cloud === "double" && settings.doubleDir) {
    return awsCliProbe(locate, doubleAwsApi(settings.doubleDir), `cloud double ${settings.doubleDir}`);
  }
  return awsCliProbe(locate);
}

interface EcsService {
  desiredCount?: number;
  runningCount?: number;
  deployments?: { status?: string; rolloutState?: string; runningCount?: number; desiredCount?: number }[];
}

/** Steady: one deployment, PRIMARY, rollout COMPLETED, every desired task running. */
export function ecsHealth(service: EcsService | undefined, name: string): HealthCheck {
  if (!service) {
    return { healthy: false, detail: `ECS service ${name} not found` };
  }
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === "PRIMARY");
  const detail =
    `${service.runningCount ?? 0} of ${service.desiredCount ?? 0} tasks running, ` +
    `${deployments.length} deployment(s), primary ${primary?.rolloutState ?? "none"}`;
  const healthy =
    deployments.length === 1 &&
    primary?.rolloutState === "COMPLETED" &&
    (service.runningCount ?? 0) >= (service.desiredCount ?? 0);
  return { healthy, detail };
}
