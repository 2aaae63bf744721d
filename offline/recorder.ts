/**
 * The recorder: runs a Pulumi program under Pulumi's mocks and returns every resource it declares,
 * with its type, name, inputs, parent and provider. No cloud, no credentials, no Pulumi CLI.
 *
 * Tests use it to assert on exact resources; `npm run plan` prints it; the offline policy check
 * evaluates policies against it. Values known only after creation (ids, ARNs, endpoints, passwords)
 * are placeholders from ./mocks.ts.
 *
 * Recordings run one at a time: Pulumi's mock monitor and config are process-wide state.
 */
import * as pulumi from "@pulumi/pulumi";
import { deserializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { mockCall, mockState, StackOutputsByName } from "./mocks";

/** One resource the program declared. */
export interface RecordedResource {
  /** The URN the engine would give it. */
  readonly urn: string;
  /** Pulumi type token, e.g. `aws:s3/bucketV2:BucketV2`. */
  readonly type: string;
  /** The logical name given in the program. */
  readonly name: string;
  /** URN of the parent resource, undefined at the stack's root. */
  readonly parent?: string;
  /** Provider reference (`<urn>::<id>`) for custom resources with an explicit provider. */
  readonly provider?: string;
  /** True for custom (cloud) resources, false for components. */
  readonly custom: boolean;
  /** True for reads (`StackReference`, `.get`). */
  readonly read: boolean;
  /**
   * URNs the engine waits for before creating this resource: explicit `dependsOn` and the
   * resources whose outputs feed its inputs. Optional so hand-built fixtures may omit it.
   */
  readonly dependencies?: readonly string[];
  /**
   * The `retainOnDelete` resource option: `pulumi destroy` forgets the resource but leaves it in the
   * cloud. Optional so hand-built fixtures may omit it.
   */
  readonly retainOnDelete?: boolean;
  /** The inputs the program set, as the provider would receive them. */
  readonly inputs: Record<string, any>;
  /** Mocked outputs: inputs plus placeholder ids, ARNs, endpoints. */
  readonly state: Record<string, any>;
}

/** Everything a program declared and exported. */
export interface Recording {
  readonly project: string;
  readonly stack: string;
  readonly resources: readonly RecordedResource[];
  /** The stack's exported outputs, resolved. */
  readonly outputs: Record<string, any>;
  /**
   * The stack's config as the engine hands it to a policy pack (keys fully qualified, e.g.
   * `tenant:spec`), secret keys left out. Optional so hand-built recordings may omit it.
   */
  readonly config?: Readonly<Record<string, string>>;
}

/** How to run a program under the recorder. */
export interface RecordOptions {
  /** Pulumi project name, e.g. `platform` or `tenant`. */
  readonly project: string;
  /** Stack name, e.g. `staging` or `acme-staging`. */
  readonly stack: string;
  /** Stack config as `pulumi config` would hold it, keys fully qualified (`platform:domain`). */
  readonly config?: Readonly<Record<string, string>>;
  /** Config keys to treat as secrets. */
  readonly secretKeys?: readonly string[];
  /** Outputs of stacks the program references, keyed by the reference's name. */
  readonly stackOutputs?: StackOutputsByName;
  /**
   * Run as a preview (`pulumi preview`) rather than an update.
   * @default false
   */
  readonly preview?: boolean;
}

let running = false;

/**
 * Runs `program` under mocks and returns what it declared.
 * @throws when the program throws (config errors surface here), or when called while another
 * recording is running.
 */
export async function record(program: () => unknown, options: RecordOptions): Promise<Recording> {
  if (running) {
    throw new Error(
      "record(): another recording is running; recordings share process-wide state, run them one at a time",
    );
  }
  running = true;
  // A failed registration (a mock that throws, a bad input) rejects a promise nobody awaits; in a
  // real run the engine reports it, here we collect it and fail the recording with it. Under jest
  // this listener hears nothing (each test file gets its own copy of `process`; jest's handler on
  // the real one fails whichever test is running when the rejection lands, possibly a later one), so
  // recordOnce catches what the mocks refuse at the source, gives the resource placeholder state so
  // no rejection escapes, and fails the recording with it.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const recording = await recordOnce(program, options);
    // Let rejections queued by the last registrations reach the handler.
    await new Promise((resolve) => setImmediate(resolve));
    if (unhandled.length > 0) {
      throw unhandled[0];
    }
    return recording;
  } catch (error) {
    // The same failure also rejects the promises chained on it (outputs, dependents) a few turns
    // later; keep listening briefly so they do not crash the process after we return.
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw unhandled[0] ?? error;
  } finally {
    process.off("unhandledRejection", onUnhandled);
    running = false;
  }
}

async function recordOnce(program: () => unknown, options: RecordOptions): Promise<Recording> {
  const stackOutputs = options.stackOutputs ?? {};
  const resources: RecordedResource[] = [];
  const monitorErrors: Error[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
      try {
        return mockState(args, stackOutputs);
      } catch (error) {
        // Reported once, by this recording (below). The resource gets placeholder state so nothing
        // chained on it rejects later, outside the recording (under jest, in another test).
        monitorErrors.push(new Error(`${args.type} "${args.name}": ${(error as Error).message}`));
        const state =
          args.type === "pulumi:pulumi:StackReference"
            ? { name: args.inputs.name ?? args.name, outputs: {}, secretOutputNames: [] }
            : { ...args.inputs };
        return { id: `${args.name}-refused`, state };
      }
    },
    call: (args) => mockCall(args),
  };
  await pulumi.runtime.setMocks(mocks, options.project, options.stack, options.preview ?? false);
  pulumi.runtime.setAllConfig({ ...(options.config ?? {}) }, [...(options.secretKeys ?? [])]);
  captureRegistrations(resources, monitorErrors);

  // A program that throws must reject this call, not crash the process: the stack resource would
  // otherwise leave the error as an unhandled rejection.
  let failure: { error: unknown } | undefined;
  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await program();
      } catch (error) {
        failure = { error };
        return {};
      }
    })) ?? {};
  // Registrations started by the program finish after it returns; wait for all of them.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  // A registration the mocks refused belongs to this recording and is the root cause of whatever
  // the program did next: fail with it, deterministically, rather than through a rejection that
  // may land in another test.
  if (monitorErrors.length > 0) {
    throw monitorErrors[0];
  }
  if (failure) {
    throw failure.error;
  }
  return {
    project: options.project,
    stack: options.stack,
    resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
    outputs: await resolveOutputs(outputs),
    config: publicConfig(options),
  };
}

/**
 * Wraps the mock monitor so every registration and read is recorded with its parent and provider,
 * and every one it refuses lands in `errors`, named by type and name.
 */
function captureRegistrations(into: RecordedResource[], errors: Error[]): void {
  const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
  for (const method of ["registerResource", "readResource"] as const) {
    const original = monitor[method].bind(monitor);
    monitor[method] = (req: any, callback: (err: any, resp: any) => void) =>
      original(req, (err: any, resp: any) => {
        if (err) {
          errors.push(
            new Error(
              `${method} ${req.getType()} "${req.getName()}": ${(err as Error).message ?? String(err)}`,
            ),
          );
        }
        if (!err && resp) {
          const read = method === "readResource";
          into.push({
            urn: resp.getUrn(),
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            custom: read ? true : req.getCustom(),
            read,
            dependencies: req.getDependenciesList(),
            retainOnDelete: read ? false : req.getRetainondelete() === true,
            inputs: deserializeProperties(read ? req.getProperties() : req.getObject()),
            state: deserializeProperties(read ? resp.getProperties() : resp.getObject()),
          });
        }
        callback(err, resp);
      });
  }
}

async function resolveOutputs(value: unknown): Promise<any> {
  if (pulumi.Output.isInstance(value)) {
    return resolveOutputs(await (value as any).promise());
  }
  if (value instanceof Promise) {
    return resolveOutputs(await value);
  }
  if (Array.isArray(value)) {
    return Promise.all(value.map(resolveOutputs));
  }
  if (value && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/** The resources of one type, in declaration order. */
export function ofType(recording: Recording, type: string): RecordedResource[] {
  return recording.resources.filter((r) => r.type === type);
}

/** The one resource of `type` named `name`. @throws when there is not exactly one. */
export function one(recording: Recording, type: string, name?: string): RecordedResource {
  const found = ofType(recording, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${name ? ` named "${name}"` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0];
}

/** Count of resources per type, sorted by type. */
export function countByType(recording: Recording): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of recording.resources) {
    counts[r.type] = (counts[r.type] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The provider resource a custom resource uses, if it names one explicitly. */
export function providerOf(recording: Recording, resource: RecordedResource): RecordedResource | undefined {
  if (!resource.provider) {
    return undefined;
  }
  const urn = resource.provider.split("::").slice(0, -1).join("::");
  return recording.resources.find((r) => r.urn === urn);
}

/** The non-secret part of a recording's stack config. */
function publicConfig(options: RecordOptions): Readonly<Record<string, string>> {
  const secret = new Set(options.secretKeys ?? []);
  return Object.freeze(
    Object.fromEntries(Object.entries(options.config ?? {}).filter(([k]) => !secret.has(k))),
  );
}
