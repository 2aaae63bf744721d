import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { countByType, one, providerOf, record } from "./recorder";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions = {}) {
    super("test:index:Box", name, {}, opts);
    new aws.s3.Bucket(`${name}-bucket`, { bucket: "box-bucket" }, { parent: this });
    this.registerOutputs({});
  }
}

describe("record", () => {
  it("records resources with inputs, parent, provider and mocked outputs", async () => {
    const rec = await record(
      () => {
        const config = new pulumi.Config("demo");
        const provider = new aws.Provider("aws", {
          region: "us-east-1",
          defaultTags: { tags: { Owner: "team" } },
        });
        const box = new Box("box", { providers: [provider] });
        return { greeting: config.require("greeting"), box: box.urn };
      },
      { project: "demo", stack: "dev", config: { "demo:greeting": "hello" } },
    );
    expect(rec.outputs.greeting).toBe("hello");
    const bucket = one(rec, "aws:s3/bucket:Bucket");
    expect(bucket.inputs.bucket).toBe("box-bucket");
    expect(bucket.state.arn).toBe("arn:aws:s3:::box-bucket");
    expect(bucket.parent).toBe(one(rec, "test:index:Box").urn);
    // Provider inputs reach the engine JSON-encoded, exactly as a policy sees them.
    expect(JSON.parse(providerOf(rec, bucket)?.inputs.defaultTags)).toEqual({ tags: { Owner: "team" } });
    expect(countByType(rec)).toEqual({
      "aws:s3/bucket:Bucket": 1,
      "pulumi:providers:aws": 1,
      "test:index:Box": 1,
    });
  });

  it("records what each resource waits for: dependsOn and the resources feeding its inputs", async () => {
    const rec = await record(
      () => {
        const first = new aws.s3.Bucket("first", {});
        const second = new aws.s3.Bucket("second", {}, { dependsOn: [first] });
        new aws.s3.BucketVersioning("versioning", {
          bucket: second.id,
          versioningConfiguration: { status: "Enabled" },
        });
      },
      { project: "demo", stack: "dev" },
    );
    const urn = (name: string) => rec.resources.find((r) => r.name === name)!.urn;
    expect(one(rec, "aws:s3/bucket:Bucket", "first").dependencies).toEqual([]);
    expect(one(rec, "aws:s3/bucket:Bucket", "second").dependencies).toEqual([urn("first")]);
    expect(one(rec, "aws:s3/bucketVersioning:BucketVersioning").dependencies).toEqual([urn("second")]);
  });

  it("surfaces a program's error", async () => {
    await expect(
      record(
        () => {
          throw new Error("bad config");
        },
        { project: "demo", stack: "dev" },
      ),
    ).rejects.toThrow("bad config");
  });

  it("fails the recording, naming the resource, when the mock monitor refuses a registration", async () => {
    // The program never awaits the reference: without this, the refusal would only surface as an
    // unhandled rejection, which jest pins on whichever test happens to be running.
    await expect(
      record(
        () => {
          new pulumi.StackReference("org/platform/unknown");
          return {};
        },
        { project: "tenant", stack: "acme-staging", stackOutputs: {} },
      ),
    ).rejects.toThrow(
      'pulumi:pulumi:StackReference "org/platform/unknown": mock StackReference "org/platform/unknown": no outputs registered for it',
    );
    // The next recording starts clean.
    const rec = await record(() => ({ ok: pulumi.output(1) }), { project: "demo", stack: "dev" });
    expect(rec.outputs).toEqual({ ok: 1 });
  });

  it("serves stack reference outputs", async () => {
    const rec = await record(
      () => ({ vpc: new pulumi.StackReference("org/platform/staging").getOutput("vpcId") }),
      {
        project: "tenant",
        stack: "acme-staging",
        stackOutputs: { "org/platform/staging": { vpcId: "vpc-1" } },
      },
    );
    expect(rec.outputs.vpc).toBe("vpc-1");
  });
});
