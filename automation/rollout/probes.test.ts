import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeKnobs } from "../../offline/double/knobs";
import { doubleProvider } from "../../offline/double/provider";
import { awsCliProbe, cloudProbe, ecsHealth } from "./probes";

describe("ecsHealth", () => {
  it("is healthy only with one PRIMARY deployment COMPLETED and every desired task running", () => {
    const steady = {
      desiredCount: 2,
      runningCount: 2,
      deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED" }],
    };
    expect(ecsHealth(steady, "svc")).toEqual({
      healthy: true,
      detail: "2 of 2 tasks running, 1 deployment(s), primary COMPLETED",
    });
    expect(ecsHealth({ ...steady, runningCount: 1 }, "svc").healthy).toBe(false);
    expect(
      ecsHealth(
        {
          ...steady,
          deployments: [{ status: "PRIMARY", rolloutState: "IN_PROGRESS" }, { status: "ACTIVE" }],
        },
        "svc",
      ),
    ).toEqual({ healthy: false, detail: "2 of 2 tasks running, 2 deployment(s), primary IN_PROGRESS" });
    expect(ecsHealth(undefined, "svc")).toEqual({ healthy: false, detail: "ECS service svc not found" });
  });
});

describe("awsCliProbe", () => {
  const where = { cluster: "plat-staging", service: "acme-svc", region: "eu-west-1" };

  it("reads the ECS service, and the alarms in ALARM among those tagged with the tenant", async () => {
    const calls: string[][] = [];
    const cli = async (args: readonly string[]) => {
      calls.push([...args]);
      if (args[0] === "ecs") {
        return {
          services: [
            {
              desiredCount: 1,
              runningCount: 1,
              deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED" }],
            },
          ],
        };
      }
      if (args[0] === "resourcegroupstaggingapi") {
        return {
          ResourceTagMappingList: [
            { ResourceARN: "arn:aws:cloudwatch:eu-west-1:1:alarm:acme-5xx-1" },
            { ResourceARN: "arn:aws:cloudwatch:eu-west-1:1:alarm:acme-cpu-2" },
          ],
        };
      }
      return { MetricAlarms: [{ AlarmName: "acme-5xx-1" }] };
    };
    const probe = awsCliProbe(async () => where, cli);
    expect((await probe.health("acme", "staging")).healthy).toBe(true);
    expect(await probe.alarms("acme", "staging")).toEqual(["acme-5xx-1"]);
    expect(calls).toEqual([
      [
        "ecs",
        "describe-services",
        "--region",
        "eu-west-1",
        "--cluster",
        "plat-staging",
        "--services",
        "acme-svc",
      ],
      [
        "resourcegroupstaggingapi",
        "get-resources",
        "--region",
        "eu-west-1",
        "--resource-type-filters",
        "cloudwatch:alarm",
        "--tag-filters",
        "Key=Tenant,Values=acme",
        "Key=Environment,Values=staging",
      ],
      [
        "cloudwatch",
        "describe-alarms",
        "--region",
        "eu-west-1",
        "--state-value",
        "ALARM",
        "--alarm-names",
        "acme-5xx-1",
        "acme-cpu-2",
      ],
    ]);
  });

  it("reports no alarm when the tenant has none, without asking CloudWatch", async () => {
    const calls: string[] = [];
    const probe = awsCliProbe(
      async () => where,
      async (args) => (calls.push(args[0]), {}),
    );
    expect(await probe.alarms("acme", "staging")).toEqual([]);
    expect(calls).toEqual(["resourcegroupstaggingapi"]);
  });
});

describe("cloudProbe", () => {
  const locations = {
    service: {
      outputs: async (tenant: string) => ({ serviceName: `plat-stg-${tenant}` }),
    },
    base: {
      outputs: async () => ({
        outcome: "succeeded",
        outputs: { clusterName: "plat-staging", region: "us-east-1" },
      }),
    },
  } as unknown as { service: Parameters<typeof cloudProbe>[1]; base: Parameters<typeof cloudProbe>[2] };

  it("on the cloud double: the same calls, answered from the double's cloud and knobs", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
    try {
      const p = doubleProvider("aws", "7.48.0", dir);
      const urn = (type: string, name: string) => `urn:pulumi:acme-staging::tenant::${type}::${name}`;
      const td = await p.create!(urn("aws:ecs/taskDefinition:TaskDefinition", "service"), {
        family: "plat-stg-acme",
        containerDefinitions: JSON.stringify([{ name: "app", image: "repo/app:2.0.0", essential: true }]),
      });
      await p.create!(urn("aws:ecs/service:Service", "service"), {
        name: "plat-stg-acme",
        cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/plat-staging",
        taskDefinition: td.outs.arn,
        desiredCount: 1,
      });
      const alarm = await p.create!(urn("aws:cloudwatch/metricAlarm:MetricAlarm", "observability-5xx"), {});
      const probe = cloudProbe({ cloud: "double", doubleDir: dir }, locations.service, locations.base);
      expect(probe.name).toBe(`cloud double ${dir}`);
      expect(await probe.health("acme", "staging")).toEqual({
        healthy: true,
        detail: "1 of 1 tasks running, 1 deployment(s), primary COMPLETED",
      });
      expect(await probe.alarms("acme", "staging")).toEqual([]);
      writeKnobs(dir, { health: { "acme@2.0.0": "never-healthy" }, alarms: { "acme@2.0.0": ["5xx"] } });
      expect(await probe.health("acme", "staging")).toEqual({
        healthy: false,
        detail: "0 of 1 tasks running, 1 deployment(s), primary IN_PROGRESS",
      });
      expect(await probe.alarms("acme", "staging")).toEqual([alarm.outs.name]);
      expect(await probe.alarms("globex", "staging")).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("on AWS: the AWS CLI", () => {
    expect(cloudProbe({ cloud: "aws" }, locations.service, locations.base).name).toBe("aws");
  });
});
