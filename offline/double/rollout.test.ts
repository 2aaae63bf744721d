/**
 * What the cloud double plays for releases and rollouts, without the engine: the docker-build
 * image (a digest from the build context), ECS health per tenant and image, and the AWS read calls
 * of the rollout's health probe (ECS services, alarms by tag, alarm states from the knobs).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildDigest } from "../buildContext";
import { doubleAwsApi } from "./awsApi";
import { alarmFiring, healthOf, imageIs, readKnobs, writeKnobs } from "./knobs";
import { doubleProvider } from "./provider";
import { CloudStore, secret } from "./store";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "double-rollout-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/plat-app";
const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/plat-staging";
const urn = (stack: string, type: string, name: string, project = "tenant") =>
  `urn:pulumi:${stack}::${project}::${type}::${name}`;

/** A tenant's task definition for `image` and its service, as the tenant program declares them. */
async function deployTenant(tenant: string, image: string, opts: { wait?: boolean } = {}) {
  const p = doubleProvider("aws", "7.48.0", dir);
  const stack = `${tenant}-staging`;
  const containers = [
    { name: "migrate", image: `${REPO}:${image}`, essential: false },
    {
      name: "app",
      image: image.startsWith("sha256:") ? `${REPO}@${image}` : `${REPO}:${image}`,
      essential: true,
    },
  ];
  const td = await p.create!(urn(stack, "aws:ecs/taskDefinition:TaskDefinition", "service"), {
    family: `plat-stg-${tenant}`,
    containerDefinitions: JSON.stringify(containers),
  });
  const svcUrn = urn(stack, "aws:ecs/service:Service", "service");
  const inputs = {
    name: `plat-stg-${tenant}`,
    cluster: CLUSTER,
    taskDefinition: td.outs.arn,
    desiredCount: 2,
    waitForSteadyState: opts.wait ?? false,
  };
  const svc = await p.create!(svcUrn, inputs);
  return { p, td, svc, svcUrn, inputs };
}

describe("knobs by tenant and image", () => {
  it("the tenant@image key wins over the tenant key; other images fall back to it", () => {
    writeKnobs(dir, {
      health: { acme: "rollback", "acme@2.0.0": "never-healthy" },
      alarms: { "acme@2.0.0": ["5xx"], globex: ["*"] },
    });
    const knobs = readKnobs(dir);
    expect(healthOf(knobs, "acme", `${REPO}:2.0.0`)).toBe("never-healthy");
    expect(healthOf(knobs, "acme", `${REPO}:1.0.0`)).toBe("rollback");
    expect(healthOf(knobs, "globex", `${REPO}:2.0.0`)).toBe("healthy");
    expect(healthOf(knobs, undefined, undefined)).toBe("healthy");
    expect(alarmFiring(knobs, "acme", `${REPO}:2.0.0`, "observability-5xx")).toBe(true);
    expect(alarmFiring(knobs, "acme", `${REPO}:2.0.0`, "observability-cpu")).toBe(false);
    expect(alarmFiring(knobs, "acme", `${REPO}:1.0.0`, "observability-5xx")).toBe(false);
    expect(alarmFiring(knobs, "globex", undefined, "observability-cpu")).toBe(true);
    const digest = `sha256:${"b".repeat(64)}`;
    expect(imageIs(`${REPO}@${digest}`, digest)).toBe(true);
    expect(imageIs(`${REPO}:2.0.0`, "2.0.0")).toBe(true);
    expect(imageIs(`${REPO}:12.0.0`, "2.0.0")).toBe(false);
  });

  it("refuses an alarm list that is not a list of roles, naming the field", () => {
    fs.writeFileSync(path.join(dir, "knobs.json"), JSON.stringify({ alarms: { acme: "5xx" } }));
    expect(() => readKnobs(dir)).toThrow(/knobs.json is invalid: alarms.acme/);
  });

  it("a canary unhealthy on the new image fails its update; on the old image it deploys again", async () => {
    writeKnobs(dir, { health: { "acme@2.0.0": "never-healthy" }, steadyStateTimeoutMs: 10 });
    await expect(deployTenant("acme", "2.0.0", { wait: true })).rejects.toThrow(
      /did not reach a steady state within 10 ms: 0 of 2 tasks/,
    );
    await expect(deployTenant("acme", "1.0.0", { wait: true })).resolves.toMatchObject({
      svc: { id: "plat-stg-acme" },
    });
    // Each deployment registered the next revision of the family.
    const revisions = new CloudStore(dir)
      .list("aws:ecs/taskDefinition:TaskDefinition")
      .map((r) => r.properties.revision)
      .sort();
    expect(revisions).toEqual([1, 2]);
  });
});

describe("the AWS calls of the rollout probe", () => {
  it("describe-services: steady on a healthy image, in progress or failed on the knobs' images", async () => {
    await deployTenant("acme", "1.0.0");
    const aws = doubleAwsApi(dir);
    const describe = () =>
      aws([
        "ecs",
        "describe-services",
        "--region",
        "us-east-1",
        "--cluster",
        "plat-staging",
        "--services",
        "plat-stg-acme",
      ]);
    expect(await describe()).toMatchObject({
      services: [
        {
          serviceName: "plat-stg-acme",
          desiredCount: 2,
          runningCount: 2,
          deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED" }],
        },
      ],
      failures: [],
    });
    writeKnobs(dir, { health: { "acme@1.0.0": "never-healthy" } });
    expect(await describe()).toMatchObject({
      services: [{ runningCount: 0, deployments: [{ rolloutState: "IN_PROGRESS" }] }],
    });
    writeKnobs(dir, { health: { acme: "rollback" } });
    expect(await describe()).toMatchObject({ services: [{ deployments: [{ rolloutState: "FAILED" }] }] });
    expect(
      await aws(["ecs", "describe-services", "--cluster", "plat-production", "--services", "plat-stg-acme"]),
    ).toEqual({ services: [], failures: [{ arn: "plat-stg-acme", reason: "MISSING" }] });
  });

  it("alarms by tag, in ALARM only while the knobs say so for the image the service runs", async () => {
    const { p } = await deployTenant("acme", "2.0.0");
    await deployTenant("globex", "2.0.0");
    const alarm = (stack: string, role: string) =>
      p.create!(urn(stack, "aws:cloudwatch/metricAlarm:MetricAlarm", `observability-${role}`), {
        alarmDescription: role,
      });
    const acme5xx = await alarm("acme-staging", "5xx");
    const acmeCpu = await alarm("acme-staging", "cpu");
    await alarm("globex-staging", "5xx");
    await alarm("acme-production", "5xx");
    const aws = doubleAwsApi(dir);
    const tagged = (await aws([
      "resourcegroupstaggingapi",
      "get-resources",
      "--resource-type-filters",
      "cloudwatch:alarm",
      "--tag-filters",
      "Key=Tenant,Values=acme",
      "Key=Environment,Values=staging",
    ])) as { ResourceTagMappingList: { ResourceARN: string }[] };
    expect(tagged.ResourceTagMappingList.map((r) => r.ResourceARN).sort()).toEqual(
      [acme5xx.outs.arn, acmeCpu.outs.arn].sort(),
    );
    const names = [acme5xx.outs.name, acmeCpu.outs.name];
    const inAlarm = async () =>
      (
        (await aws([
          "cloudwatch",
          "describe-alarms",
          "--state-value",
          "ALARM",
          "--alarm-names",
          ...names,
        ])) as {
          MetricAlarms: { AlarmName: string }[];
        }
      ).MetricAlarms.map((a) => a.AlarmName);
    expect(await inAlarm()).toEqual([]);
    writeKnobs(dir, { alarms: { "acme@2.0.0": ["5xx"], "globex@2.0.0": ["*"] } });
    expect(await inAlarm()).toEqual([acme5xx.outs.name]);
    writeKnobs(dir, { alarms: { "acme@1.0.0": ["5xx"] } });
    expect(await inAlarm()).toEqual([]);
    const all = (await aws(["cloudwatch", "describe-alarms", "--alarm-names", acmeCpu.outs.name])) as {
      MetricAlarms: { StateValue: string }[];
    };
    expect(all.MetricAlarms).toEqual([expect.objectContaining({ StateValue: "OK" })]);
  });

  it("refuses any other call by name", async () => {
    await expect(doubleAwsApi(dir)(["ec2", "describe-instances"])).rejects.toThrow(
      "cloud double: aws ec2 describe-instances is not played",
    );
    await expect(
      doubleAwsApi(dir)([
        "resourcegroupstaggingapi",
        "get-resources",
        "--resource-type-filters",
        "ec2:instance",
      ]),
    ).rejects.toThrow("get-resources answers only cloudwatch:alarm, not ec2:instance");
  });
});

describe("docker-build", () => {
  it("an image's digest is the hash of its build context; a changed file is a diff and a new digest", async () => {
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "double-ctx-"));
    try {
      fs.writeFileSync(path.join(context, "Dockerfile"), "FROM scratch\nCOPY . /\n");
      fs.writeFileSync(path.join(context, "main.js"), "console.log(1)\n");
      const p = doubleProvider("docker-build", "0.0.22", dir);
      const imageUrn = urn("staging", "docker-build:index:Image", "app", "release");
      const inputs = {
        context: { location: context },
        dockerfile: { location: path.join(context, "Dockerfile") },
        platforms: ["linux/amd64"],
        buildArgs: { APP_VERSION: "1.0.0" },
        push: true,
        tags: [`${REPO}:1.0.0`],
        // As the engine sends it: the password alone is a secret, inside the list.
        registries: [{ address: REPO.split("/")[0], username: "AWS", password: secret("token") }],
      };
      const created = await p.create!(imageUrn, inputs);
      const digest = buildDigest({
        context,
        platforms: ["linux/amd64"],
        buildArgs: { APP_VERSION: "1.0.0" },
      });
      expect(created.outs).toMatchObject({ digest, ref: `${REPO}:1.0.0@${digest}` });
      // The registry password reaches the disk only as a digest.
      const onDisk = fs.readFileSync(
        new CloudStore(dir).recordPath("docker-build:index:Image", created.id),
        "utf8",
      );
      expect(onDisk).not.toContain('"token"');
      expect(created.outs.registries).toEqual(inputs.registries);
      expect(await p.diff!(created.id, imageUrn, created.outs, inputs)).toMatchObject({ changes: false });
      fs.appendFileSync(path.join(context, "main.js"), "console.log(2)\n");
      expect(await p.diff!(created.id, imageUrn, created.outs, inputs)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
      const updated = await p.update!(created.id, imageUrn, created.outs, inputs);
      expect(updated.outs!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(updated.outs!.digest).not.toBe(digest);
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
  });
});
