import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { awsCliProbe, cloudFileProbe, ecsHealth, writeCloudHealth } from "./probes";

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

describe("cloudFileProbe", () => {
  it("reads the alarms a test sets in the stand-in cloud's health.json", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
    try {
      const probe = cloudFileProbe(dir);
      expect(await probe.alarms("acme", "staging")).toEqual([]);
      writeCloudHealth(dir, { acme: { alarms: ["acme-staging-5xx"] } });
      expect(await probe.alarms("acme", "staging")).toEqual(["acme-staging-5xx"]);
      expect(await probe.alarms("globex", "staging")).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
