/**
 * Where the automation service keeps state and how it reaches the Pulumi CLI: backend, secrets
 * provider, passphrase, CLI root, workspace directory. Resolved once from the environment (and CLI
 * flags) into a frozen object; every problem is reported at once, before any stack is touched.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { choiceProblem, Problem, ProblemsError } from "../common";

/** The repository root (automation/ sits directly under it). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** The Pulumi CLI version the service drives: the same as our `@pulumi/pulumi` (DEVELOPERS notes). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PULUMI_VERSION: string = (require("@pulumi/pulumi/package.json") as { version: string }).version;

/**
 * Passphrase used only with the default local file backend when none is set. State in
 * `.pulumi-state/` never leaves the machine, and a fixed passphrase keeps a fresh checkout usable
 * with no setup; any other backend must be given `PULUMI_CONFIG_PASSPHRASE` (or a KMS provider),
 * because a well-known passphrase protects nothing once state is shared.
 */
export const LOCAL_DEFAULT_PASSPHRASE = "platform-local-only";

/** The clouds an operation can target: AWS, or the cloud double (offline/double/). */
export const CLOUDS = ["double", "aws"] as const;
export type Cloud = (typeof CLOUDS)[number];

/** Everything the engine layer needs to run an operation. */
export interface AutomationSettings {
  /**
   * The cloud: `aws`, or `double`, the test-double provider plugin (offline/double/) that plays AWS
   * from an isolated PULUMI_HOME.
   * @default `PLATFORM_CLOUD`; else `double` on the default local file backend, `aws` with a `PULUMI_BACKEND_URL`
   */
  readonly cloud: Cloud;
  /**
   * The double's cloud directory (its records, its knobs, its PULUMI_HOME); only with `cloud: double`.
   * @default `PLATFORM_DOUBLE_DIR`, else `<state dir>-double` next to a file backend's state
   */
  readonly doubleDir?: string;
  /** `PULUMI_BACKEND_URL`, or `file://<repo>/.pulumi-state`. */
  readonly backendUrl: string;
  /** True when {@link backendUrl} is the default file backend inside the checkout. */
  readonly localDefaultBackend: boolean;
  /** Secrets provider for new stacks: `passphrase` or e.g. `awskms://alias/platform-secrets`. */
  readonly secretsProvider: string;
  /** Passphrase handed to the CLI when the secrets provider is `passphrase`. */
  readonly passphrase?: string;
  /** Root of the Pulumi CLI (`<root>/bin/pulumi`). */
  readonly pulumiRoot: string;
  /** Pulumi version the CLI must report. */
  readonly pulumiVersion: string;
  /** Directory holding `Pulumi.yaml` and `Pulumi.<stack>.yaml` of each project. */
  readonly workDir: string;
  /**
   * `PULUMI_HOME` for the CLI; undefined keeps the user's (~/.pulumi). With the double, the engine
   * uses the double's own (`<doubleDir>/pulumi-home`) whatever this says.
   */
  readonly pulumiHome?: string;
  /** Extra environment handed to every CLI process. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Policy packs every `up` and `preview` runs (DESIGN.md: the pack runs in the automation
   * service); a mandatory violation fails the operation before anything changes.
   * @default [<repo>/policies]; `PLATFORM_POLICY_PACKS` (comma-separated paths, `none` for none)
   */
  readonly policyPacks: readonly string[];
}

/** Overrides from CLI flags or tests; each wins over the environment. */
export interface SettingsOverrides {
  readonly cloud?: Cloud;
  readonly doubleDir?: string;
  readonly backendUrl?: string;
  readonly secretsProvider?: string;
  readonly passphrase?: string;
  readonly pulumiRoot?: string;
  readonly workDir?: string;
  readonly pulumiHome?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly policyPacks?: readonly string[];
}

/** The policy pack of this repository. */
export const DEFAULT_POLICY_PACK = path.join(REPO_ROOT, "policies");

/** A settings problem: the user must fix configuration; nothing was run. */
export class SettingsError extends ProblemsError {
  /** @param problems every problem found, each naming the variable or flag and what to do. */
  constructor(problems: readonly (Problem | string)[]) {
    super(
      "automation settings are invalid",
      problems.map((p) => (typeof p === "string" ? { path: "", message: p } : p)),
    );
  }
}

/** The default CLI root: the cache scripts/setup-pulumi.sh fills. */
export function defaultPulumiRoot(
  version: string = PULUMI_VERSION,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const cache =
    env.PLATFORM_PULUMI_CACHE ??
    path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "platform-pulumi");
  return path.join(cache, `v${version}`);
}

/**
 * Resolves the settings from the environment and overrides.
 * @throws SettingsError listing every problem (missing passphrase, missing CLI, bad provider).
 */
export function resolveSettings(
  overrides: SettingsOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): AutomationSettings {
  const problems: (Problem | string)[] = [];
  const defaultBackend = `file://${path.join(REPO_ROOT, ".pulumi-state")}`;
  const backendUrl = overrides.backendUrl ?? env.PULUMI_BACKEND_URL ?? defaultBackend;
  const localDefaultBackend = backendUrl === defaultBackend;
  const secretsProvider = overrides.secretsProvider ?? env.PLATFORM_SECRETS_PROVIDER ?? "passphrase";
  if (
    !/^(passphrase|default|awskms:\/\/|azurekeyvault:\/\/|gcpkms:\/\/|hashivault:\/\/)/.test(secretsProvider)
  ) {
    problems.push(
      `secrets provider "${secretsProvider}" is not supported; use passphrase, default (Pulumi Cloud), ` +
        `awskms://..., azurekeyvault://..., gcpkms://... or hashivault://...`,
    );
  }
  let passphrase = overrides.passphrase ?? env.PULUMI_CONFIG_PASSPHRASE;
  if (
    secretsProvider === "passphrase" &&
    passphrase === undefined &&
    env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined
  ) {
    if (localDefaultBackend) {
      passphrase = LOCAL_DEFAULT_PASSPHRASE;
    } else {
      problems.push(
        `PULUMI_CONFIG_PASSPHRASE is not set: the passphrase secrets provider needs it for backend ${backendUrl} ` +
          `(or set PULUMI_CONFIG_PASSPHRASE_FILE, or use --secrets-provider awskms://<key>)`,
      );
    }
  }
  const pulumiRoot = overrides.pulumiRoot ?? env.PULUMI_ROOT ?? defaultPulumiRoot(PULUMI_VERSION, env);
  if (!fs.existsSync(path.join(pulumiRoot, "bin", "pulumi"))) {
    problems.push(
      `no Pulumi CLI at ${path.join(pulumiRoot, "bin", "pulumi")}: run \`npm run setup:pulumi\` ` +
        `(scripts/setup-pulumi.sh) or set PULUMI_ROOT to a directory holding bin/pulumi v${PULUMI_VERSION}`,
    );
  }
  // DESIGN.md: the local file backend in the checkout defaults to the double, any backend URL to AWS.
  const cloudValue = overrides.cloud ?? env.PLATFORM_CLOUD ?? (localDefaultBackend ? "double" : "aws");
  const cloud: Cloud = (CLOUDS as readonly string[]).includes(cloudValue) ? (cloudValue as Cloud) : "double";
  const cloudProblem = choiceProblem("PLATFORM_CLOUD", cloudValue, CLOUDS);
  if (cloudProblem) {
    problems.push(cloudProblem);
  }
  const stateDir = backendUrl.startsWith("file://")
    ? backendUrl.slice("file://".length).replace(/\?.*$/, "")
    : undefined;
  const doubleDirValue =
    overrides.doubleDir ??
    env.PLATFORM_DOUBLE_DIR ??
    (stateDir ? `${stateDir.replace(/\/+$/, "")}-double` : undefined);
  if (cloud === "double" && doubleDirValue === undefined) {
    problems.push(
      `PLATFORM_DOUBLE_DIR is not set: the cloud double needs a directory for its cloud when the backend (${backendUrl}) is not a file backend; set it, or PLATFORM_CLOUD=aws`,
    );
  }
  const doubleDir =
    cloud === "double" && doubleDirValue !== undefined ? path.resolve(doubleDirValue) : undefined;
  const workDir =
    overrides.workDir ??
    env.PLATFORM_WORKDIR ??
    (backendUrl.startsWith("file://")
      ? path.join(backendUrl.slice("file://".length), "workspaces")
      : path.join(REPO_ROOT, ".pulumi-state", "workspaces"));
  const policyPacks = overrides.policyPacks ?? parsePolicyPacks(env.PLATFORM_POLICY_PACKS);
  for (const pack of policyPacks) {
    if (!fs.existsSync(path.join(pack, "PulumiPolicy.yaml"))) {
      problems.push(
        `policy pack "${pack}" (PLATFORM_POLICY_PACKS) has no PulumiPolicy.yaml; give directories of ` +
          `policy packs separated by commas, or "none" to run without one`,
      );
    }
  }
  if (problems.length > 0) {
    throw new SettingsError(problems);
  }
  return Object.freeze({
    cloud,
    doubleDir,
    backendUrl,
    localDefaultBackend,
    secretsProvider,
    passphrase,
    pulumiRoot,
    pulumiVersion: PULUMI_VERSION,
    workDir,
    pulumiHome: overrides.pulumiHome ?? env.PULUMI_HOME,
    env: Object.freeze({ ...(overrides.env ?? {}) }),
    policyPacks: Object.freeze([...policyPacks]),
  });
}

function parsePolicyPacks(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") {
    return [DEFAULT_POLICY_PACK];
  }
  if (value.trim() === "none") {
    return [];
  }
  return value
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => path.resolve(p));
}

/** The environment every CLI process gets (backend, passphrase, plugin helpers, no update check). */
export function cliEnvironment(settings: AutomationSettings): Record<string, string> {
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: settings.backendUrl,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // The dynamic-provider helper next to the CLI resolves @pulumi/pulumi from here.
    PLATFORM_REPO_ROOT: REPO_ROOT,
    ...settings.env,
  };
  if (settings.passphrase !== undefined) {
    env.PULUMI_CONFIG_PASSPHRASE = settings.passphrase;
  }
  // Plugins next to the CLI (pulumi-resource-pulumi-nodejs) and Node 22 from node_modules come first.
  env.PATH = [
    path.join(settings.pulumiRoot, "bin"),
    path.join(REPO_ROOT, "node_modules", ".bin"),
    process.env.PATH ?? "",
  ].join(path.delimiter);
  return env;
}

/**
 * The first line of every command that runs on the double: people must never mistake it for AWS.
 * Undefined on AWS.
 */
export function cloudBanner(settings: Pick<AutomationSettings, "cloud" | "doubleDir">): string | undefined {
  return settings.cloud === "double"
    ? `Cloud: the cloud double (a test double for AWS, nothing leaves this machine; its cloud is ${settings.doubleDir}). PLATFORM_CLOUD=aws targets AWS.`
    : undefined;
}
