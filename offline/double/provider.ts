/**
 * The cloud double: a Pulumi resource provider that plays AWS (and the random provider) for the real
 * programs on the real engine. It is a test double, not a cloud: nothing leaves the machine. Its
 * ids, ARNs and endpoints come from the fake-cloud model (../cloud.ts), the same one the mocks use;
 * its cloud is a directory of records (./store.ts); the properties AWS cannot change in place
 * replace (./replaceOn.ts); tests steer latency, failures, ECS health per tenant and image, and
 * alarm states through ./knobs.ts. It also plays `docker-build` (an image "build" whose digest is
 * the content hash of its build context, ../buildContext.ts; nothing is built or pushed).
 */
import { randomBytes, randomInt } from "crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { imageState } from "../buildContext";
import { cloudCall, cloudState } from "../cloud";
import { failedContainer } from "./containers";
import { taskDefinitionImage } from "./ecs";
import { healthOf, readKnobs } from "./knobs";
import { recordLatency } from "./latencyLog";
import { replacingKeys } from "./replaceOn";
import { CloudStore, fromStored, hasUnknown, isSecret, reveal, secret } from "./store";

/** The packages the double plays, at the versions the SDKs in package.json register. */
export const DOUBLE_PACKAGES = ["aws", "random", "docker-build"] as const;
export type DoublePackage = (typeof DOUBLE_PACKAGES)[number];

/** Where a URN's stack, project, type and name sit: `urn:pulumi:<stack>::<project>::<types>::<name>`. */
export function parseUrn(urn: string): { stack: string; project: string; type: string; name: string } {
  const [head, project = "", types = "", ...rest] = urn.split("::");
  const stack = head.replace(/^urn:pulumi:/, "");
  const type = types.split("$").pop() ?? "";
  return { stack, project, type, name: rest.join("::") };
}

/** The tenant a resource belongs to: tenant stacks are `<tenant>-<env>` in project `tenant`. */
export function tenantOf(urn: string): string | undefined {
  const { stack, project } = parseUrn(urn);
  return project === "tenant" ? stack.replace(/-(staging|production)$/, "") : undefined;
}

const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const IMAGE = "docker-build:index:Image";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Input keys the engine adds that are not resource properties. */
const HIDDEN = new Set(["__defaults", "__inputs", "__seed"]);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(reveal(a)) === JSON.stringify(reveal(b));
}

/** A provider error that leaves the resource created (the engine keeps it in state, for repair). */
class InitError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[],
  ) {
    super(message);
  }
}

/** The double's provider for `pkg`, keeping its cloud in `dir`. */
export function doubleProvider(pkg: DoublePackage, version: string, dir: string): provider.Provider {
  const store = new CloudStore(dir);

  async function latency(type: string): Promise<void> {
    const knobs = readKnobs(dir);
    const ms = knobs.latencyMs[type] ?? knobs.latencyMs["*"] ?? 0;
    const started = Date.now();
    const deadline = started + ms;
    const fs = await import("fs");
    while (Date.now() < deadline && !(knobs.holdUntilFile && fs.existsSync(knobs.holdUntilFile))) {
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    }
    if (ms > 0) {
      recordLatency(dir, started, Date.now());
    }
  }

  function refuse(urn: string, verb: string): void {
    const knobs = readKnobs(dir);
    const { type, name } = parseUrn(urn);
    const tenant = tenantOf(urn);
    if (knobs.fail.types.includes(type) || (tenant !== undefined && knobs.fail.tenants.includes(tenant))) {
      throw new Error(
        `cloud double: simulated failure ${verb} ${type} "${name}"${tenant ? ` of tenant ${tenant}` : ""} (knobs.json)`,
      );
    }
  }

  /** The outputs: the model's state, secret inputs kept secret, the input keys remembered. */
  function outputsOf(urn: string, inputs: Record<string, unknown>, seed: string) {
    const { type, name } = parseUrn(urn);
    const plain = reveal(inputs) as Record<string, unknown>;
    const computed = cloudState({ type, name, inputs: plain, seed });
    const state: Record<string, unknown> = { ...computed.state };
    // An input holding a secret anywhere (a registry password inside a list) stays as it came, so
    // the secret stays one in the state and reaches the store only as a digest.
    for (const [k, v] of Object.entries(inputs)) {
      if (hasSecret(v)) {
        state[k] = v;
      }
    }
    if (type === "random:index/randomPassword:RandomPassword") {
      state.result = secret(password(plain));
    }
    // Kept in the state (as AWS's provider keeps `__meta`): which keys were inputs, for diff and
    // read, and the seed, so an update recomputes the same ids and ARNs.
    state.__inputs = Object.keys(inputs)
      .filter((k) => !HIDDEN.has(k))
      .sort();
    state.__seed = seed;
    return { id: computed.id, state };
  }

  /**
   * A task definition registers the next revision of its family, as ECS does: its ARN changes, so a
   * service that uses it is updated (a new deployment).
   */
  function nextRevision(created: { id: string; state: Record<string, unknown> }) {
    const family = String(reveal(created.state.family) ?? "");
    const revisions = store
      .list(TASK_DEFINITION)
      .filter((r) => reveal(r.properties.family) === family)
      .map((r) => Number(r.properties.revision ?? 0));
    const revision = Math.max(0, ...revisions) + 1;
    const arn = String(created.state.arn).replace(/:\d+$/, `:${revision}`);
    return { id: arn, state: { ...created.state, revision, arn, id: arn } };
  }

  /**
   * ECS deployments of a service with `waitForSteadyState`: healthy, never healthy (a bounded wait),
   * or rolled back by the circuit breaker, either by the knobs or because a container the app waits
   * for (the bootstrap or migration step) exits non-zero (./containers.ts). The service is created
   * either way (an init error: the engine keeps it in the state, so the next `up` updates it rather
   * than creating a second one). A rolled-back update leaves the service on `previous`'s task
   * definition, in the cloud and in what the engine records.
   */
  async function deploy(
    urn: string,
    id: string,
    state: Record<string, unknown>,
    previous?: Record<string, unknown>,
  ): Promise<void> {
    const { type, name } = parseUrn(urn);
    if (type !== "aws:ecs/service:Service") {
      return;
    }
    // As AWS: without waitForSteadyState the create or update returns once ECS accepted it, and a
    // deployment that never gets healthy goes unnoticed (the reason the tenant program waits).
    if (reveal(state.waitForSteadyState) !== true) {
      return;
    }
    const knobs = readKnobs(dir);
    const tenant = tenantOf(urn);
    const taskDefinitionArn = String(reveal(state.taskDefinition) ?? "");
    // Keyed by tenant and by the image the new task definition runs (knobs.ts).
    const health = healthOf(knobs, tenant, taskDefinitionImage(store, taskDefinitionArn));
    const desired = Number(reveal(state.desiredCount) ?? 1);
    const taskDefinition = store.get(TASK_DEFINITION, taskDefinitionArn);
    const failed = failedContainer(reveal(taskDefinition?.properties.containerDefinitions), tenant, knobs);
    /** The circuit breaker gave up: back on the previous task definition, if there was one. */
    const rolledBack = (cause: string) => {
      const back = previous?.taskDefinition;
      const kept = back !== undefined ? { ...state, taskDefinition: back } : state;
      if (back !== undefined) {
        const record = store.get(type, id);
        store.put({ type, id, urn, properties: kept, createdAt: record?.createdAt });
      }
      const why =
        `cloud double: ECS service "${name}": the deployment circuit breaker ` +
        (back !== undefined
          ? `rolled the deployment back to ${String(reveal(back))} (${cause})`
          : `stopped the first deployment, no task is running (${cause})`);
      return new InitError(why, id, kept, [why]);
    };
    // The engine reports an init error by its reasons alone: each says the whole of it.
    if (failed) {
      throw rolledBack(
        `container "${failed.container}" of ${taskDefinitionArn} exited ${failed.exitCode}, so "${failed.blocks}" ` +
          `never started; its output is in the log group, stream ${tenant ?? "<tenant>"}/${failed.container}/<task id>`,
      );
    }
    if (health === "never-healthy") {
      await sleep(knobs.steadyStateTimeoutMs);
      const why =
        `cloud double: ECS service "${name}" did not reach a steady state within ${knobs.steadyStateTimeoutMs} ms: ` +
        `0 of ${desired} tasks became healthy (target group health checks failing)`;
      throw new InitError(why, id, state, [why]);
    }
    if (health === "rollback") {
      throw rolledBack("tasks failed to start");
    }
  }

  return {
    version,

    async check(_urn, _olds, news) {
      return { inputs: news };
    },

    async diff(_id, urn, olds, news) {
      const { type } = parseUrn(urn);
      const inputKeys = new Set<string>([
        ...((olds.__inputs as string[] | undefined) ?? []),
        ...Object.keys(news).filter((k) => !HIDDEN.has(k)),
      ]);
      const changed = [...inputKeys].filter((k) => hasUnknown(news[k]) || !same(olds[k], news[k])).sort();
      // An image is built again when its context's content changed, as docker-build's own diff
      // compares the context hash: the inputs alone (a path) do not show it.
      if (type === IMAGE && !hasUnknown(news) && contextHashOf(news) !== reveal(olds.contextHash)) {
        changed.push("contextHash");
      }
      const replaces = replacingKeys(type, changed);
      const named = ["name", "bucket", "identifier", "replicationGroupId"].some((k) => news[k] !== undefined);
      return {
        changes: changed.length > 0,
        replaces,
        // A fixed physical name cannot exist twice: delete the old resource first (as AWS's provider does).
        deleteBeforeReplace: replaces.length > 0 && named && type !== "aws:ecs/taskDefinition:TaskDefinition",
      };
    },

    async create(urn, inputs) {
      const { type } = parseUrn(urn);
      await latency(type);
      refuse(urn, "creating");
      const created = outputsOf(urn, inputs, `${urn}#${randomBytes(6).toString("hex")}`);
      const { id, state } = type === TASK_DEFINITION ? nextRevision(created) : created;
      store.put({ type, id, urn, properties: state });
      await deploy(urn, id, state);
      return { id, outs: state };
    },

    async read(id, urn, props) {
      const { type } = parseUrn(urn);
      const record = store.get(type, id);
      if (!record) {
        // Gone from the cloud: refresh drops it from the state.
        return {};
      }
      const properties = fromStored(record.properties, props) as Record<string, unknown>;
      const inputKeys = (properties.__inputs as string[] | undefined) ?? [];
      const inputs = Object.fromEntries(
        inputKeys.filter((k) => k in properties).map((k) => [k, properties[k]]),
      );
      return { id, props: properties, inputs };
    },

    async update(id, urn, olds, news) {
      const { type } = parseUrn(urn);
      await latency(type);
      refuse(urn, "updating");
      const seed = (olds.__seed as string | undefined) ?? `${urn}#${id}`;
      const { state } = outputsOf(urn, news, seed);
      // The id and what AWS assigned at creation stay; the inputs are the new ones.
      const oldInputs = (olds.__inputs as string[] | undefined) ?? [];
      const kept = Object.fromEntries(Object.entries(olds).filter(([k]) => !oldInputs.includes(k)));
      const merged: Record<string, unknown> = { ...kept, ...state, id };
      if (type === "random:index/randomPassword:RandomPassword") {
        merged.result = olds.result;
      }
      const previous = store.get(type, id);
      store.put({ type, id, urn, properties: merged, createdAt: previous?.createdAt });
      await deploy(urn, id, merged, olds);
      return { outs: merged };
    },

    async delete(id, urn) {
      const { type } = parseUrn(urn);
      await latency(type);
      store.delete(type, id);
    },

    async invoke(token, inputs) {
      return { outputs: cloudCall(token, reveal(inputs)) };
    },

    async getSchema() {
      return JSON.stringify({ name: pkg, version });
    },
  };
}

/** True when the value is or holds a wire-format secret. */
function hasSecret(value: unknown): boolean {
  if (isSecret(value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(hasSecret);
  }
  return value !== null && typeof value === "object" && Object.values(value).some(hasSecret);
}

/** The hash of an image's build context now (../buildContext.ts); "" when it cannot be read. */
function contextHashOf(inputs: Record<string, unknown>): string {
  try {
    return String(imageState(reveal(inputs) as Record<string, unknown>).contextHash);
  } catch {
    return "";
  }
}

/** A really random password following the random provider's main inputs. */
function password(inputs: Record<string, unknown>): string {
  const length = Number(inputs.length ?? 16);
  let alphabet = "";
  if (inputs.upper !== false) alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (inputs.lower !== false) alphabet += "abcdefghijklmnopqrstuvwxyz";
  if (inputs.numeric !== false && inputs.number !== false) alphabet += "0123456789";
  if (inputs.special !== false) alphabet += String(inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?");
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}
