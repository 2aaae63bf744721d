/**
 * The cloud double's answers to the AWS read calls a rollout's health probe makes
 * (automation/rollout/probes.ts `awsCliProbe`), in the AWS CLI's JSON shapes, from the double's
 * cloud (./store.ts) and its knobs (./knobs.ts):
 *
 * - `ecs describe-services --cluster <name|arn> --services <name>`: the service record, with one
 *   deployment whose state follows the knobs' `health` for the image its task definition runs
 *   (`healthy`: PRIMARY, COMPLETED, every desired task running; `never-healthy`: IN_PROGRESS, no
 *   task running; `rollback`: FAILED by the circuit breaker);
 * - `resourcegroupstaggingapi get-resources --resource-type-filters cloudwatch:alarm --tag-filters
 *   Key=Tenant,Values=<t> Key=Environment,Values=<env>`: the alarm records of that tenant stack.
 *   The double cannot see the AWS provider's default tags (the Node provider SDK has no Configure
 *   hook), so a record's tags are its own plus those the platform's tag builder gives every
 *   resource of its stack: `Tenant` (`shared` on the base), `Environment`;
 * - `cloudwatch describe-alarms --alarm-names ... [--state-value ALARM]`: those alarms, in ALARM
 *   when the knobs' `alarms` say so for the image the tenant's service runs, else OK.
 *
 * It is the same interface the probe uses on AWS, so the probe's own logic (what steady means,
 * which alarms are the tenant's) runs on the double too. Any other call is refused by name.
 */
import { taskDefinitionImage } from "./ecs";
import { alarmFiring, healthOf, readKnobs } from "./knobs";
import { parseUrn, tenantOf } from "./provider";
import { CloudRecord, CloudStore, reveal } from "./store";

const SERVICE = "aws:ecs/service:Service";
const ALARM_TYPES = [
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/compositeAlarm:CompositeAlarm",
];

/** Runs one AWS CLI call (arguments after `aws`, as the probe passes them) against the double. */
export type DoubleAwsApi = (args: readonly string[]) => Promise<unknown>;

/** The tags of a record: its own, then the stack's (see above). */
export function recordTags(record: CloudRecord): Record<string, string> {
  const { stack, project } = parseUrn(record.urn);
  const tenant = tenantOf(record.urn);
  const environment = project === "tenant" ? stack.slice((tenant ?? "").length + 1) : stack;
  const own = (reveal(record.properties.tagsAll) ?? reveal(record.properties.tags) ?? {}) as Record<
    string,
    string
  >;
  return { Tenant: tenant ?? "shared", Environment: environment, ...own };
}

/** Values of `--flag a b c` up to the next flag. */
function values(args: readonly string[], flag: string): string[] {
  const at = args.indexOf(flag);
  if (at < 0) {
    return [];
  }
  const out: string[] = [];
  for (const a of args.slice(at + 1)) {
    if (a.startsWith("--")) {
      break;
    }
    out.push(a);
  }
  return out;
}

/** The double's AWS API over the cloud kept in `dir`. */
export function doubleAwsApi(dir: string): DoubleAwsApi {
  const store = new CloudStore(dir);

  /** The image the service of `tenant`'s stack runs now. */
  function tenantImage(urnPrefix: string): string | undefined {
    const service = store.list(SERVICE).find((r) => r.urn.startsWith(urnPrefix));
    return service ? taskDefinitionImage(store, service.properties.taskDefinition) : undefined;
  }

  function describeServices(args: readonly string[]) {
    const cluster = values(args, "--cluster")[0] ?? "default";
    const names = values(args, "--services");
    const knobs = readKnobs(dir);
    const inCluster = (r: CloudRecord) => {
      const arn = String(reveal(r.properties.cluster) ?? "");
      return arn === cluster || arn.endsWith(`:cluster/${cluster}`);
    };
    const services = store.list(SERVICE).filter(inCluster);
    const found = names.map((n) => ({ n, r: services.find((s) => reveal(s.properties.name) === n) }));
    return {
      services: found
        .filter((f) => f.r)
        .map(({ r }) => {
          const p = r!.properties;
          const image = taskDefinitionImage(store, p.taskDefinition);
          const health = healthOf(knobs, tenantOf(r!.urn), image);
          const desired = Number(reveal(p.desiredCount) ?? 1);
          const running = health === "healthy" ? desired : 0;
          const rolloutState =
            health === "healthy" ? "COMPLETED" : health === "never-healthy" ? "IN_PROGRESS" : "FAILED";
          return {
            serviceName: reveal(p.name),
            serviceArn: reveal(p.arn),
            clusterArn: reveal(p.cluster),
            taskDefinition: reveal(p.taskDefinition),
            status: "ACTIVE",
            desiredCount: desired,
            runningCount: running,
            deployments: [
              {
                status: "PRIMARY",
                taskDefinition: reveal(p.taskDefinition),
                desiredCount: desired,
                runningCount: running,
                rolloutState,
                rolloutStateReason:
                  health === "rollback"
                    ? "ECS deployment circuit breaker: tasks failed to start (cloud double knobs)"
                    : undefined,
              },
            ],
          };
        }),
      failures: found.filter((f) => !f.r).map(({ n }) => ({ arn: n, reason: "MISSING" })),
    };
  }

  function alarmRecords(): CloudRecord[] {
    return ALARM_TYPES.flatMap((t) => store.list(t));
  }

  function getResources(args: readonly string[]) {
    const types = values(args, "--resource-type-filters");
    if (types.some((t) => t !== "cloudwatch:alarm")) {
      throw new Error(`cloud double: get-resources answers only cloudwatch:alarm, not ${types.join(", ")}`);
    }
    const filters = values(args, "--tag-filters").map((f) => {
      const m = /^Key=([^,]+),Values=(.*)$/.exec(f);
      if (!m) {
        throw new Error(`cloud double: tag filter ${JSON.stringify(f)} is not Key=<k>,Values=<v>[,<v>...]`);
      }
      return { key: m[1], values: m[2].split(",") };
    });
    const matching = alarmRecords().filter((r) => {
      const tags = recordTags(r);
      return filters.every((f) => f.values.includes(tags[f.key]));
    });
    return {
      ResourceTagMappingList: matching.map((r) => ({
        ResourceARN: String(reveal(r.properties.arn)),
        Tags: Object.entries(recordTags(r)).map(([Key, Value]) => ({ Key, Value })),
      })),
    };
  }

  function describeAlarms(args: readonly string[]) {
    const names = new Set(values(args, "--alarm-names"));
    const wanted = values(args, "--state-value")[0];
    const knobs = readKnobs(dir);
    const alarms = alarmRecords()
      .filter((r) => names.size === 0 || names.has(String(reveal(r.properties.name))))
      .map((r) => {
        const { stack, project, name } = parseUrn(r.urn);
        const image = tenantImage(`urn:pulumi:${stack}::${project}::`);
        const firing = alarmFiring(knobs, tenantOf(r.urn), image, name);
        return {
          type: r.type,
          alarm: {
            AlarmName: String(reveal(r.properties.name)),
            AlarmArn: String(reveal(r.properties.arn)),
            StateValue: firing ? "ALARM" : "OK",
            StateReason: firing
              ? `cloud double knobs: in ALARM while the service runs ${image ?? "its image"}`
              : "cloud double: threshold not crossed",
          },
        };
      })
      .filter((a) => !wanted || a.alarm.StateValue === wanted);
    return {
      MetricAlarms: alarms.filter((a) => a.type.endsWith(":MetricAlarm")).map((a) => a.alarm),
      CompositeAlarms: alarms.filter((a) => a.type.endsWith(":CompositeAlarm")).map((a) => a.alarm),
    };
  }

  return async (args) => {
    const call = args.slice(0, 2).join(" ");
    switch (call) {
      case "ecs describe-services":
        return describeServices(args);
      case "resourcegroupstaggingapi get-resources":
        return getResources(args);
      case "cloudwatch describe-alarms":
        return describeAlarms(args);
      default:
        throw new Error(
          `cloud double: aws ${call} is not played (it answers ecs describe-services, resourcegroupstaggingapi get-resources, cloudwatch describe-alarms)`,
        );
    }
  };
}
