/**
 * A resource for the test programs: a Pulumi dynamic resource whose "cloud" is a directory of JSON
 * files, one per resource. It can be slow (`delayMs`, to make updates take measurable time and to
 * kill a run in the middle of one) and can fail (`fail`, a provider error like a cloud API's).
 * Editing its file out of band is drift that `refresh` sees. It stands in for AWS resources, which
 * need a provider plugin this machine cannot get; the engine, state, locks and CLI are real.
 */
import * as pulumi from "@pulumi/pulumi";

/** Inputs of a {@link TestResource}. */
export interface TestResourceArgs {
  /** What it stands for (`service`, `database`, ...). */
  readonly kind: pulumi.Input<string>;
  readonly tenant: pulumi.Input<string>;
  /** Its configuration; a change is an update. */
  readonly value: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  /** The directory that plays the cloud. */
  readonly cloudDir: pulumi.Input<string>;
  /**
   * How long create and update take.
   * @default 0
   */
  readonly delayMs?: pulumi.Input<number>;
  /**
   * Make create and update fail with a provider error.
   * @default false
   */
  readonly fail?: pulumi.Input<boolean>;
  /**
   * With `delayMs`: create and update end as soon as this file exists (at the latest after
   * `delayMs`), so a test can hold an update open exactly as long as it needs.
   * @default none
   */
  readonly holdUntilFile?: pulumi.Input<string>;
}

interface Props {
  kind: string;
  tenant: string;
  value: Record<string, unknown>;
  cloudDir: string;
  delayMs?: number;
  fail?: boolean;
  holdUntilFile?: string;
}

/** Waits `delayMs`, or until `holdUntilFile` exists if that comes first. */
async function pause(props: Props): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require("fs") as typeof import("fs");
  const deadline = Date.now() + (props.delayMs ?? 0);
  while (Date.now() < deadline && !(props.holdUntilFile && fs.existsSync(props.holdUntilFile))) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.max(1, deadline - Date.now()))));
  }
}

/**
 * The health gate of a service: an image the test cloud's `health.json` lists as unhealthy for the
 * tenant never reaches a steady state (automation/rollout/probes.ts, CloudHealthFile), so the
 * update fails, as the real program's `waitForSteadyState` makes it fail.
 */
function steadyOrThrow(props: Props): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require("fs") as typeof import("fs");
  const file = `${props.cloudDir}/health.json`;
  if (props.kind !== "service" || !fs.existsSync(file)) {
    return;
  }
  const image = String(props.value.imageTag ?? "");
  const unhealthy: string[] = JSON.parse(fs.readFileSync(file, "utf8"))[props.tenant]?.unhealthyImages ?? [];
  if (unhealthy.includes(image)) {
    throw new Error(
      `ECS service of tenant ${props.tenant} did not reach a steady state: 0 tasks of image ${image} became healthy (test cloud health.json)`,
    );
  }
}

/*
 * The provider is serialized into the state and run by `pulumi-resource-pulumi-nodejs` in its own
 * process, so its functions capture nothing and require what they need themselves.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Props) {
    await pause(inputs);
    if (inputs.fail) {
      throw new Error(`simulated provider failure creating ${inputs.kind} of tenant ${inputs.tenant}`);
    }
    steadyOrThrow(inputs);
    const fs = require("fs") as typeof import("fs");
    const id = `${inputs.kind}-${inputs.tenant}-${require("crypto").randomBytes(4).toString("hex")}`;
    fs.mkdirSync(inputs.cloudDir, { recursive: true });
    fs.writeFileSync(`${inputs.cloudDir}/${id}.json`, JSON.stringify(inputs.value));
    return { id, outs: inputs };
  },
  async diff(_id: string, olds: Props, news: Props) {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const changed = (["kind", "tenant", "value", "delayMs", "fail"] as const).filter(
      (k) => !same(olds[k], news[k]),
    );
    return { changes: changed.length > 0, replaces: changed.filter((k) => k === "kind" || k === "tenant") };
  },
  async update(id: string, _olds: Props, news: Props) {
    await pause(news);
    if (news.fail) {
      throw new Error(`simulated provider failure updating ${news.kind} of tenant ${news.tenant}`);
    }
    steadyOrThrow(news);
    const fs = require("fs") as typeof import("fs");
    fs.mkdirSync(news.cloudDir, { recursive: true });
    fs.writeFileSync(`${news.cloudDir}/${id}.json`, JSON.stringify(news.value));
    return { outs: news };
  },
  async read(id: string, props: Props) {
    const fs = require("fs") as typeof import("fs");
    const file = `${props.cloudDir}/${id}.json`;
    if (!fs.existsSync(file)) {
      // Gone from the "cloud": refresh drops it from the state.
      return {};
    }
    return { id, props: { ...props, value: JSON.parse(fs.readFileSync(file, "utf8")) } };
  },
  async delete(id: string, props: Props) {
    require("fs").rmSync(`${props.cloudDir}/${id}.json`, { force: true });
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** A test resource (type `pulumi-nodejs:dynamic:Resource`). */
export class TestResource extends pulumi.dynamic.Resource {
  /** The configuration the "cloud" holds. */
  declare readonly value: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: TestResourceArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(provider, name, { delayMs: 0, fail: false, ...args, value: args.value }, opts);
  }
}
