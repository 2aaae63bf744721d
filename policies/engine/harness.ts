/**
 * Runs policies the way the Pulumi engine does, without the engine: from a recording (a program run
 * under mocks, or resources built by hand) it builds the exact arguments @pulumi/policy's analyzer
 * server builds (node_modules/@pulumi/policy/server.js, makeAnalyzeRpcFun / makeAnalyzeStackRpcFun):
 *
 * - props go through the wire format: recorded values are serialized as the engine sends them
 *   (unknowns as the unknown sentinel, secrets as secret envelopes), packed into a protobuf Struct,
 *   and unpacked with @pulumi/policy's own `deserializeProperties`, then wrapped in its
 *   `unknownCheckingProxy` (reading an unknown value during preview throws `UnknownValueError`);
 * - `isType`/`asType` compare the type token with the class's `__pulumiType`, as the server does;
 * - resource policies get the resource's inputs and its provider `{type, urn, name, props}` (provider
 *   props as recorded: JSON-encoded nested values); stack policies get every resource's outputs with
 *   `parent`, `dependencies` and `provider` resolved to resources;
 * - `getConfig` serves the policy's section of a `--policy-pack-config` object minus
 *   `enforcementLevel`; `notApplicable` throws, and the policy counts as not applicable;
 * - a level from config (`enforcementLevel`), else the policy's, else the pack's, applies to a
 *   violation reported as a plain string; the object form can carry its own level (lib/policy.ts);
 * - an `UnknownValueError` becomes an advisory "can't run during preview" violation; any other error
 *   propagates (the engine fails the preview).
 *
 * Not mirrored: the recorder does not capture `dependsOn`/property dependencies, so `dependencies`
 * and `propertyDependencies` are empty; resource options other than `parent` take their defaults.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  UnknownValueError,
  unknownCheckingProxy,
} from "@pulumi/policy";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { Recording, RecordedResource } from "../../offline/recorder";
import { waivedListeners, WaivedViolation } from "../lib/policy";
import { parseSelection, SELECTION_KEY, withSelection } from "../lib/selection";
import { withStackConfig } from "../lib/stack-config";
import { withWaivers, Waiver } from "../lib/waivers";

// Internal modules of @pulumi/policy, used exactly as its server uses them (no typings published).
/* eslint-disable @typescript-eslint/no-require-imports */
const policyDeserialize: {
  deserializeProperties(s: Struct, proxySecrets: boolean): Record<string, any>;
} = require("@pulumi/policy/deserialize");
const policyInternals: { getPulumiType(o: unknown): string | undefined } = require("@pulumi/policy/policy");
const rpc: {
  unknownValue: string;
  specialSigKey: string;
  specialSecretSig: string;
  specialAssetSig: string;
  specialArchiveSig: string;
} = require("@pulumi/pulumi/runtime/rpc");
/* eslint-enable @typescript-eslint/no-require-imports */

/** Any policy the harness can run. */
export type AnyPolicy = (ResourceValidationPolicy | StackValidationPolicy) & {
  configSchema?: PolicyConfigSchema;
};

/** One violation, as the engine would print it. */
export interface Violation {
  readonly policy: string;
  readonly level: EnforcementLevel;
  /** The resource, or undefined for a stack-wide violation. */
  readonly urn?: string;
  readonly message: string;
}

/** Everything one evaluation found. */
export interface Evaluation {
  readonly violations: Violation[];
  /** Violations an active waiver suppressed. */
  readonly waived: WaivedViolation[];
  /** Policy name -> how many times it declared itself not applicable. */
  readonly notApplicable: Record<string, number>;
}

/** How to evaluate. */
export interface EvaluateOptions {
  /** Expected environment; evaluation fails if the stack's URNs say otherwise. */
  readonly environment?: string;
  /** Expected tenant (tenant stacks). */
  readonly tenant?: string;
  /** Policy pack config, as given to `pulumi preview --policy-pack-config`. */
  readonly config?: PolicyPackConfig;
  /** The pack's default level. @default "mandatory" (as policies/index.ts) */
  readonly packEnforcementLevel?: EnforcementLevel;
  /** Stack tags the engine would pass. @default empty */
  readonly stackTags?: Record<string, string>;
  /** Other waivers than policies/waivers.yaml. */
  readonly waivers?: readonly Waiver[];
  /** The clock waivers expire against. @default now */
  readonly now?: Date;
  /** Pack name and version, as the engine names them in messages. @default policies/package.json's */
  readonly pack?: { readonly name: string; readonly version: string };
}

/** The pack as policies/index.ts serves it: name "platform", version from policies/package.json. */
export const DEFAULT_PACK = {
  name: "platform",
  version: (
    JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }
  ).version,
};

/** Thrown by `notApplicable`, as the server's own NotApplicableError. */
class NotApplicable extends Error {
  readonly reason?: string;
  constructor(reason?: string) {
    // Thrown for every resource a policy does not apply to (thousands per stack) and never shown:
    // capturing its stack trace was a tenth of an evaluation's time.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(reason ?? "Policy does not apply");
    Error.stackTraceLimit = limit;
    this.reason = reason;
  }
}

/** A recorded value in the engine's wire format (JSON with signature envelopes). */
export function toWire(value: unknown): unknown {
  if (value === undefined) {
    return undefined;
  }
  if (pulumi.isUnknown(value)) {
    return rpc.unknownValue;
  }
  if (value === null || typeof value !== "object") {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => {
      const w = toWire(v);
      return w === undefined ? null : w;
    });
  }
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
    // Asset contents are promises; policies here never read them. Keep the envelope only.
    const sig = pulumi.asset.Asset.isInstance(value) ? rpc.specialAssetSig : rpc.specialArchiveSig;
    return { [rpc.specialSigKey]: sig, text: "" };
  }
  if (pulumi.Resource.isInstance(value)) {
    throw new Error(
      "a resource reference in recorded props: the engine sends these downgraded to ids; record ids instead",
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const w = toWire(v);
    if (w !== undefined) {
      out[k] = w;
    }
  }
  return out;
}

/**
 * Wire forms of recorded props during one {@link evaluate}: the engine sends a resource once and the
 * server deserializes it again for every policy (server.js), so within an evaluation the wire form
 * (the protobuf Struct, read back as `Struct.toJavaScript()` gives it) is built once per props
 * object and only the deserialization, which copies it into fresh objects, is per policy. (Scoped
 * to one evaluation: tests change fixtures between evaluations.)
 */
type WireMemo = WeakMap<object, Pick<Struct, "toJavaScript">>;

function wireStruct(recorded: Record<string, unknown>, memo?: WireMemo): Pick<Struct, "toJavaScript"> {
  let struct = memo?.get(recorded);
  if (!struct) {
    const wire = Struct.fromJavaScript((toWire(recorded) ?? {}) as Record<string, any>);
    if (!memo) {
      return wire;
    }
    const js = wire.toJavaScript();
    struct = { toJavaScript: () => js };
    memo.set(recorded, struct);
  }
  return struct;
}

/** Props as a policy receives them: through the wire, deserialized and proxied like the server. */
export function engineProps(recorded: Record<string, unknown>, memo?: WireMemo): Record<string, any> {
  return unknownCheckingProxy(
    policyDeserialize.deserializeProperties(wireStruct(recorded, memo) as Struct, false),
  );
}

/** `isType` as the server implements it. */
export function isTypeOf(type: string, resourceClass: unknown): boolean {
  const pulumiType = policyInternals.getPulumiType(resourceClass);
  if (pulumiType) {
    return type === pulumiType;
  }
  const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean })?.isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function freezeMap(map: Map<string, string>): ReadonlyMap<string, string> {
  return Object.freeze({
    entries: map.entries.bind(map),
    forEach: map.forEach.bind(map),
    get: map.get.bind(map),
    has: map.has.bind(map),
    keys: map.keys.bind(map),
    size: map.size,
    values: map.values.bind(map),
    [Symbol.iterator]: map[Symbol.iterator].bind(map),
  }) as ReadonlyMap<string, string>;
}

function defaultOptions(r: RecordedResource): PolicyResourceOptions {
  const opts: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
  if (r.parent) {
    opts.parent = r.parent;
  }
  return opts;
}

/** What one {@link evaluate} builds once: wire forms, the resources by URN, each one's provider. */
interface EvaluationMemo {
  readonly wire: WireMemo;
  byUrn?: Map<string, RecordedResource>;
  /** A resource's provider resource (null: none), looked up once, not once per policy. */
  readonly providers: Map<RecordedResource, RecordedResource | null>;
}

/** The provider resource a recorded resource names (`<urn>::<id>`). */
function providerOf(
  recording: Recording,
  r: RecordedResource,
  memo?: EvaluationMemo,
): RecordedResource | undefined {
  if (!r.provider) {
    return undefined;
  }
  const known = memo?.providers.get(r);
  if (known !== undefined) {
    return known ?? undefined;
  }
  const urn = r.provider.split("::").slice(0, -1).join("::");
  if (!memo) {
    return recording.resources.find((p) => p.urn === urn);
  }
  if (!memo.byUrn) {
    memo.byUrn = new Map();
    for (const p of recording.resources) {
      if (!memo.byUrn.has(p.urn)) {
        memo.byUrn.set(p.urn, p); // the first, as Array.find would
      }
    }
  }
  const found = memo.byUrn.get(urn);
  memo.providers.set(r, found ?? null);
  return found;
}

function providerArg(recording: Recording, r: RecordedResource, memo?: EvaluationMemo) {
  const p = providerOf(recording, r, memo);
  return p ? { type: p.type, urn: p.urn, name: p.name, props: engineProps(p.inputs, memo?.wire) } : undefined;
}

function configFor(config: PolicyPackConfig, policy: string): () => any {
  return () => {
    const c = config[policy];
    if (!c || typeof c === "string") {
      return {};
    }
    const { enforcementLevel: _ignored, ...rest } = c;
    return rest;
  };
}

/** Builds the `args` the engine passes to `validateResource` for one recorded resource. */
export function resourceArgs(
  recording: Recording,
  r: RecordedResource,
  policy: string,
  options: Pick<EvaluateOptions, "config" | "stackTags"> = {},
  memo?: EvaluationMemo,
): ResourceValidationArgs {
  const props = engineProps(r.inputs, memo?.wire);
  const args: ResourceValidationArgs = {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: defaultOptions(r),
    stackTags: freezeMap(new Map(Object.entries(options.stackTags ?? {}))),
    isType: (cls) => isTypeOf(r.type, cls),
    asType: ((cls: unknown) =>
      isTypeOf(r.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: configFor(options.config ?? {}, policy),
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
  const provider = providerArg(recording, r, memo);
  if (provider) {
    args.provider = provider;
  }
  return args;
}

/** Builds the `args` the engine passes to `validateStack`. */
export function stackArgs(
  recording: Recording,
  policy: string,
  options: Pick<EvaluateOptions, "config" | "stackTags"> = {},
  memo?: EvaluationMemo,
): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const resources = recording.resources.map((r) => {
    const props = engineProps(r.state, memo?.wire);
    const resource: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: defaultOptions(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(r.type, cls),
      asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
    };
    const provider = providerArg(recording, r, memo);
    if (provider) {
      resource.provider = provider;
    }
    byUrn.set(r.urn, resource);
    return resource;
  });
  recording.resources.forEach((r, i) => {
    if (r.parent && byUrn.has(r.parent)) {
      resources[i].parent = byUrn.get(r.parent);
    }
  });
  return {
    resources,
    stackTags: freezeMap(new Map(Object.entries(options.stackTags ?? {}))),
    getConfig: configFor(options.config ?? {}, policy),
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

function levelOf(p: AnyPolicy, options: EvaluateOptions): EnforcementLevel {
  const c = options.config?.[p.name];
  const fromConfig = typeof c === "string" ? c : c?.enforcementLevel;
  const level = fromConfig || p.enforcementLevel || options.packEnforcementLevel || "mandatory";
  return level === "remediate" ? "mandatory" : level;
}

function collector(p: AnyPolicy, level: EnforcementLevel, into: Violation[], urnDefault?: string) {
  return (
    message: string | { message?: string; urn?: string; enforcementLevel?: EnforcementLevel },
    urn?: string,
  ) => {
    if (typeof message === "object") {
      into.push({
        policy: p.name,
        level: message.enforcementLevel || level,
        urn: message.urn ?? urnDefault,
        message: message.message || p.description,
      });
    } else {
      into.push({
        policy: p.name,
        level,
        urn: urn ?? urnDefault,
        message: message ? `${p.description}\n${message}` : p.description,
      });
    }
  };
}

function checkStackIdentity(recording: Recording, options: EvaluateOptions): void {
  const stack = recording.stack;
  if (options.environment && !(stack === options.environment || stack.endsWith(`-${options.environment}`))) {
    throw new Error(
      `evaluate(): recording of stack "${stack}" is not in environment "${options.environment}"`,
    );
  }
  if (options.tenant && !stack.startsWith(`${options.tenant}-`)) {
    throw new Error(`evaluate(): recording of stack "${stack}" is not tenant "${options.tenant}"'s`);
  }
}

/**
 * Runs `policies` over a recording as the engine would during `pulumi up` (or preview, if the
 * recording was made with `preview: true`): every resource policy on every resource, then every
 * stack policy on the whole stack.
 * @throws when a policy throws anything but an unknown-value error or notApplicable.
 */
export async function evaluate(
  recording: Recording,
  policies: readonly AnyPolicy[],
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  checkStackIdentity(recording, options);
  const selection = parseSelection(options.config?.[SELECTION_KEY]);
  if (selection.problems) {
    throw new Error(`policy pack config is invalid:\n  - ${selection.problems.join("\n  - ")}`);
  }
  const violations: Violation[] = [];
  const waived: WaivedViolation[] = [];
  const notApplicable: Record<string, number> = {};
  const listener = (w: WaivedViolation) => waived.push(w);
  const memo: EvaluationMemo = { wire: new WeakMap(), providers: new Map() };
  const skip = (p: AnyPolicy) => (notApplicable[p.name] = (notApplicable[p.name] ?? 0) + 1);

  const pack = `'${options.pack?.name ?? DEFAULT_PACK.name}@v${options.pack?.version ?? DEFAULT_PACK.version}'`;
  const run = async (p: AnyPolicy, fn: () => unknown, urn?: string): Promise<void> => {
    try {
      await Promise.resolve(fn());
    } catch (e) {
      if (e instanceof UnknownValueError) {
        // The server's own wording (server.js); the engine shows it on the resource analyzed.
        violations.push({
          policy: p.name,
          level: "advisory",
          urn,
          message: `can't run policy '${p.name}' from policy pack ${pack} during preview: ${(e as Error).message}`,
        });
      } else if (e instanceof NotApplicable) {
        skip(p);
      } else {
        throw new Error(`policy ${p.name} failed on stack ${recording.stack}: ${(e as Error).stack ?? e}`);
      }
    }
  };

  waivedListeners.add(listener);
  try {
    await withWaivers({ waivers: options.waivers, now: options.now }, () =>
      withSelection(selection.selection, () =>
        withStackConfig(recording.config ?? {}, async () => {
          for (const p of policies) {
            const level = levelOf(p, options);
            if (level === "disabled") {
              continue;
            }
            if ("validateResource" in p && p.validateResource) {
              const validations = Array.isArray(p.validateResource)
                ? p.validateResource
                : [p.validateResource];
              const onlyType = Array.isArray(p.validateResource)
                ? undefined
                : policyInternals.getPulumiType(p.validateResource);
              for (const r of recording.resources) {
                if (onlyType && r.type !== onlyType) {
                  skip(p);
                  continue;
                }
                for (const validation of validations) {
                  await run(
                    p,
                    () =>
                      validation(
                        resourceArgs(recording, r, p.name, options, memo),
                        collector(p, level, violations, r.urn) as any,
                      ),
                    r.urn,
                  );
                }
              }
            }
            if ("validateStack" in p && p.validateStack) {
              const onlyType = policyInternals.getPulumiType(p.validateStack);
              if (onlyType && !recording.resources.some((r) => r.type === onlyType)) {
                skip(p);
                continue;
              }
              await run(p, () =>
                p.validateStack(
                  stackArgs(recording, p.name, options, memo),
                  collector(p, level, violations) as any,
                ),
              );
            }
          }
        }),
      ),
    );
  } finally {
    waivedListeners.delete(listener);
  }
  return { violations, waived, notApplicable };
}
