/**
 * Health probes of the rollout gate (./target.ts `HealthProbe`): the ECS deployment of a tenant
 * and its CloudWatch alarms.
 *
 * - {@link awsCliProbe}: the real one, through the AWS CLI (`aws ecs describe-services`, and the
 *   tenant's alarms found by their `Tenant`/`Environment` tags, then `aws cloudwatch
 *   describe-alarms`). It needs the AWS CLI v2 and the same credentials as the update.
 * - {@link cloudFileProbe}: the stand-in clouds' (the test program's cloud directory, the cloud
 *   double's directory): they keep the health a test sets in `<dir>/health.json`, documented at
 *   {@link CloudHealthFile}. It is for tests and the embedded default, never for AWS.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Environment } from "../../common";
import type { HealthCheck, HealthProbe } from "./target";

/**
 * `<dir>/health.json` of a stand-in cloud, written by tests:
 *
 *   { "acme": { "unhealthyImages": ["2.0.0"], "alarms": ["acme-staging-5xx"] } }
 *
 * `unhealthyImages`: deployments of these images never become steady (the stand-in's update fails,
 * as `waitForSteadyState` makes the real one fail); `alarms`: the tenant's alarms in ALARM now.
 */
export type CloudHealthFile = Record<string, { unhealthyImages?: string[]; alarms?: string[] } | undefined>;

/** The health file of a stand-in cloud directory. */
export function cloudHealthPath(dir: string): string {
  return path.join(dir, "health.json");
}

/** Reads `<dir>/health.json`; an absent file is a healthy cloud. */
export function readCloudHealth(dir: string): CloudHealthFile {
  const file = cloudHealthPath(dir);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as CloudHealthFile) : {};
}

/** Writes `<dir>/health.json` atomically (tests). */
export function writeCloudHealth(dir: string, health: CloudHealthFile): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = cloudHealthPath(dir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(health, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** The probe of a stand-in cloud kept in `dir` (see {@link CloudHealthFile}). */
export function cloudFileProbe(dir: string): HealthProbe {
  return {
    name: `stand-in cloud ${dir}`,
    // A stand-in's update fails when the deployment would not be steady; after one that succeeded
    // the deployment is steady.
    health: async () => ({ healthy: true, detail: "deployment steady (stand-in cloud)" }),
    alarms: async (tenant) => readCloudHealth(dir)[tenant]?.alarms ?? [],
  };
}

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
): HealthProbe {
  return {
    name: "aws",
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
