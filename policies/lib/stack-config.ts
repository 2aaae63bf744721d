/**
 * The configuration of the stack being checked (`pulumi config`, keys fully qualified, e.g.
 * `tenant:spec`). Policies read facts about the stack from it, such as a tenant stack's tier, rather
 * than from what a resource says about itself.
 *
 * How it reaches the pack:
 * - the engine sends it in the analyzer's `ConfigureStack` call (sdk/go/common/resource/plugin/
 *   analyzer_plugin.go; config values and the secret keys). @pulumi/policy 1.21 keeps only the stack
 *   tags of that call, so {@link captureStackConfig} (called by ./index.ts before the pack starts
 *   serving) wraps its handler to keep the config too;
 * - when the engine launches the pack through `pulumi-analyzer-policy-nodejs` (no Node language
 *   host), it also sets `PULUMI_CONFIG` in the pack's environment (constructEnv, same file);
 * - the harness (policies/engine/harness.ts) runs each evaluation inside {@link withStackConfig}
 *   with the recording's config, as the offline check and the tests record it.
 *
 * Secret values are never kept: keys the engine marks secret are dropped on arrival.
 */
import * as path from "path";
import { receivePackSelection, SELECTION_KEY } from "./selection";
import { Scope } from "./scope";

type Config = Readonly<Record<string, string>>;

const scoped = new Scope<Config>();
let fromEngine: Config | undefined;
let envCache: { raw: string; config: Config } | undefined;

function fromEnvironment(): Config | undefined {
  const raw = process.env.PULUMI_CONFIG;
  if (!raw) {
    return undefined;
  }
  if (envCache?.raw !== raw) {
    let parsed: Record<string, string> = {};
    try {
      parsed = JSON.parse(raw) as Record<string, string>;
    } catch {
      parsed = {};
    }
    const secret = new Set<string>(parseList(process.env.PULUMI_CONFIG_SECRET_KEYS));
    envCache = { raw, config: Object.freeze(withoutSecrets(parsed, secret)) };
  }
  return envCache.config;
}

function parseList(raw: string | undefined): string[] {
  try {
    const v = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function withoutSecrets(
  config: Record<string, unknown>,
  secret: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (!secret.has(k) && typeof v === "string") {
      out[k] = v;
    }
  }
  return out;
}

/** The config of the stack being checked; empty when nobody told the pack. */
export function stackConfig(): Config {
  return scoped.get() ?? fromEngine ?? fromEnvironment() ?? {};
}

/** Runs `fn` with `config` as the stack's config (the harness: one recording at a time). */
export function withStackConfig<T>(config: Config, fn: () => Promise<T>): Promise<T> {
  return scoped.run(Object.freeze({ ...config }), fn);
}

/** Keeps the config of the engine's `ConfigureStack` call (non-secret keys only). */
export function receiveStackConfig(config: ReadonlyMap<string, string>, secretKeys: readonly string[]): void {
  fromEngine = Object.freeze(withoutSecrets(Object.fromEntries(config), new Set(secretKeys)));
}

let captured = false;

/**
 * Wraps the `configureStack` and `configure` handlers that @pulumi/policy's server registers, so the
 * stack config the engine sends reaches {@link stackConfig} and the pack config's `selection`
 * reaches ./selection.ts; the original handlers still run (stack tags, each policy's config). Call
 * once, before `new PolicyPack(...)`.
 */
export function captureStackConfig(): void {
  if (captured) {
    return;
  }
  captured = true;
  // The grpc-js copy @pulumi/policy's server uses, and the service definition it registers.
  const from = { paths: [path.dirname(require.resolve("@pulumi/policy"))] };
  /* eslint-disable @typescript-eslint/no-require-imports */
  const grpc = require(require.resolve("@grpc/grpc-js", from)) as {
    Server: { prototype: { addService(service: unknown, impl: Record<string, unknown>): void } };
  };
  const analyzerrpc = require(require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb", from)) as {
    AnalyzerService: unknown;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, impl) {
    if (service === analyzerrpc.AnalyzerService && typeof impl.configureStack === "function") {
      const original = impl.configureStack as (call: any, callback: any) => void;
      const originalConfigure = impl.configure as ((call: any, callback: any) => void) | undefined;
      impl = {
        ...impl,
        configureStack: (call: any, callback: any) => {
          try {
            const map = new Map<string, string>();
            call.request.getConfigMap().forEach((v: string, k: string) => map.set(k, v));
            receiveStackConfig(map, call.request.getConfigSecretKeysList());
          } catch {
            // An engine without stack config in ConfigureStack: PULUMI_CONFIG (if any) is used.
          }
          original(call, callback);
        },
        // The pack config: @pulumi/policy keeps each policy's section; the `selection` key
        // (./selection.ts) names no policy, so it is kept here.
        ...(originalConfigure
          ? {
              configure: (call: any, callback: any) => {
                try {
                  const section = call.request.getPolicyconfigMap().get(SELECTION_KEY);
                  receivePackSelection(section ? section.getProperties()?.toJavaScript() : undefined);
                } catch {
                  // Unreadable: no selection; the policies' own config still applies.
                }
                return originalConfigure(call, callback);
              },
            }
          : {}),
      };
    }
    return addService.call(this, service, impl);
  };
}
