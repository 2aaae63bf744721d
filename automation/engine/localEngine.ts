/**
 * The real {@link Engine}: Pulumi's Automation API (`LocalWorkspace`) over the CLI that
 * scripts/setup-pulumi.sh provides, with inline programs (no language host needed).
 *
 * One workspace directory per project holds `Pulumi.yaml` (written once, so concurrent operations
 * never rewrite it) and the `Pulumi.<stack>.yaml` files; each operation gets its own
 * `LocalWorkspace` and CLI process, which is what lets a fleet run stacks in parallel.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  ConfigMap,
  Deployment,
  LocalWorkspace,
  OutputMap,
  PulumiCommand,
  PulumiFn,
  Stack,
  StackSummary,
  UpdateSummary,
  Workspace,
} from "@pulumi/pulumi/automation";
import * as semver from "semver";
import { isMap, parse as parseYaml, parseDocument, Scalar, stringify as stringifyYaml } from "yaml";
import { installDouble } from "../../offline/double/isolation";
import { readKnobs } from "../../offline/double/knobs";
import { redactValues } from "../redact";
import { AutomationSettings, cliEnvironment } from "../settings";
import { CloudStore } from "../../offline/double/store";
import { guardLateRpcRejections } from "./lateRpc";
import { cheapenPromiseStacks } from "./promiseStacks";
import { quietSdkDebugLogs } from "./sdkDebugLogs";
import { RunRecord } from "./runRecord";
import {
  CreateStackOptions,
  Engine,
  EngineEvent,
  EngineRunOptions,
  EngineStack,
  LeftoverProcess,
  StackLock,
} from "./types";

/** Drives stacks through the Pulumi CLI. */
export class LocalEngine implements Engine {
  readonly locksVisible: boolean;
  private command?: Promise<PulumiCommand>;
  private readonly env: Record<string, string>;

  /** The PULUMI_HOME the CLI runs with: the double's own on the double, else the settings'. */
  private readonly pulumiHome?: string;

  constructor(readonly settings: AutomationSettings) {
    // Inline programs run in this process: an interrupted one's late gRPC rejection must not end it,
    // their promise bookkeeping need not map stack traces, and the SDK's debug messages need not reach
    // the engine (nothing shows them).
    guardLateRpcRejections();
    cheapenPromiseStacks();
    quietSdkDebugLogs();
    this.env = cliEnvironment(settings);
    this.locksVisible = settings.backendUrl.startsWith("file://");
    this.pulumiHome = settings.pulumiHome;
    if (settings.cloud === "double" && settings.doubleDir !== undefined) {
      // Written at run time into the double's own PULUMI_HOME, never onto PATH or into ~/.pulumi
      // (offline/double/isolation.ts); the plugin refuses to start anywhere else.
      const double = installDouble(doublePulumiHome(settings.doubleDir), settings.doubleDir);
      Object.assign(this.env, double.env);
      this.pulumiHome = double.pulumiHome;
    }
  }

  async createStack(
    project: string,
    stackName: string,
    program: PulumiFn,
    opts: CreateStackOptions = {},
  ): Promise<EngineStack> {
    const ws = await this.workspace(project, program);
    const unseed = opts.secretsLike
      ? this.seedPassphraseSalt(project, stackName, opts.secretsLike)
      : undefined;
    try {
      // `stack init` with the workspace's secrets provider; throws StackAlreadyExistsError.
      return new LocalEngineStack(await Stack.create(stackName, ws), this.settings.policyPacks);
    } catch (error) {
      unseed?.();
      throw error;
    }
  }

  /**
   * Gives a stack about to be created the passphrase salt of `like` (decision 0008): writes
   * `encryptionsalt` into its `Pulumi.<stack>.yaml`, which `stack init` keeps when it finds one. With
   * one passphrase, one salt means one key: the CLI derives it (PBKDF2, 1,000,000 rounds, about
   * 0.17 s of CPU) once per process and reuses it for the other stack, so an `up` that reads `like`
   * through a stack reference derives it once instead of twice. The passphrase is what protects the
   * secrets, and it is the same for both stacks either way.
   *
   * Only on a file backend with the passphrase provider, for a stack that has neither a config file
   * nor a checkpoint, and when `like`'s config file holds a salt. Returns what undoes the seed.
   */
  private seedPassphraseSalt(
    project: string,
    stackName: string,
    like: { project: string; stackName: string },
  ): (() => void) | undefined {
    if (this.settings.secretsProvider !== "passphrase" || !this.locksVisible || stackName.includes("/")) {
      return undefined;
    }
    const file = this.stackConfigFile(project, stackName);
    if (fs.existsSync(file) || this.checkpointExists(project, stackName)) {
      return undefined;
    }
    const salt = encryptionSaltIn(this.stackConfigFile(like.project, simpleStackName(like.stackName)));
    if (salt === undefined) {
      return undefined;
    }
    const text = stringifyYaml({ encryptionsalt: salt });
    try {
      fs.writeFileSync(file, text, { flag: "wx" });
    } catch {
      return undefined;
    }
    return () => {
      if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) {
        fs.rmSync(file, { force: true });
      }
    };
  }

  async selectStack(project: string, stackName: string, program: PulumiFn): Promise<EngineStack> {
    const ws = await this.workspace(project, program);
    // `pulumi stack select` only proves that the stack exists (every later command names it with
    // --stack); on a file backend its checkpoint file proves the same without a CLI process.
    const stack = this.checkpointExists(project, stackName)
      ? await Stack.select(stackName, withoutSelectCommand(ws))
      : await Stack.select(stackName, ws);
    // A fresh machine has no Pulumi.<stack>.yaml: restore the config (and the secrets salt) of the
    // last deployment from the backend, so existing secret config is not lost.
    if (!fs.existsSync(this.stackConfigFile(project, simpleStackName(stackName)))) {
      await stack.refreshConfig().catch(() => undefined);
    }
    return new LocalEngineStack(stack, this.settings.policyPacks);
  }

  async listStacks(project: string): Promise<StackSummary[]> {
    const ws = await this.workspace(project, async () => undefined);
    return ws.listStacks();
  }

  async removeStack(project: string, stackName: string): Promise<void> {
    const ws = await this.workspace(project, async () => undefined);
    await ws.removeStack(stackName);
    fs.rmSync(this.stackConfigFile(project, stackName), { force: true });
  }

  async listLocks(project: string, stackName: string): Promise<StackLock[]> {
    if (!this.locksVisible) {
      return [];
    }
    // File backends keep one JSON file per lock: .pulumi/locks/organization/<project>/<stack>/<id>.json
    const dir = path.join(this.backendDir(), ".pulumi", "locks", "organization", project, stackName);
    if (!fs.existsSync(dir)) {
      return [];
    }
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => {
        const location = path.join(dir, f);
        try {
          const raw = JSON.parse(fs.readFileSync(location, "utf8")) as Record<string, unknown>;
          return {
            location,
            pid: typeof raw.pid === "number" ? raw.pid : undefined,
            hostname: typeof raw.hostname === "string" ? raw.hostname : undefined,
            username: typeof raw.username === "string" ? raw.username : undefined,
            timestamp: typeof raw.timestamp === "string" ? new Date(raw.timestamp) : undefined,
          };
        } catch {
          // A lock the process could not finish writing is still a lock; its age decides.
          return { location, timestamp: fs.statSync(location).mtime };
        }
      });
  }

  async removeLock(lock: StackLock): Promise<void> {
    fs.rmSync(lock.location, { force: true });
    // The file blob store keeps metadata next to each object.
    fs.rmSync(`${lock.location}.attrs`, { force: true });
  }

  async locateResource(
    urn: string,
    type: string,
    inState: ReadonlySet<string> = new Set(),
  ): Promise<string | null | undefined> {
    if (
      this.settings.cloud !== "double" ||
      this.settings.doubleDir === undefined ||
      !readKnobs(this.settings.doubleDir).lookupByUrn
    ) {
      return undefined;
    }
    // The double records a resource when its create completes; a create interrupted before that
    // (its plugin killed during the provider latency) left nothing, as an unsent AWS call would.
    return (
      new CloudStore(this.settings.doubleDir).list(type).find((r) => r.urn === urn && !inState.has(r.id))
        ?.id ?? null
    );
  }

  async leftoverPlugins(): Promise<LeftoverProcess[]> {
    return orphanedPlugins(this.settings.backendUrl);
  }

  /**
   * Whether the file backend holds a checkpoint of the stack (`.pulumi/stacks/<project>/<stack>.json`,
   * written by `stack init`, removed by `stack rm`). A qualified name counts only in the file
   * backend's own form, `organization/<project>/<stack>` (the base stack's, as tenant programs name
   * it). False on other backends and for other qualified names, where `stack select` decides.
   */
  private checkpointExists(project: string, stackName: string): boolean {
    const parts = stackName.split("/");
    const [inProject, name] =
      parts.length === 1
        ? [project, stackName]
        : parts.length === 3 && parts[0] === DIY_ORG
          ? [parts[1], parts[2]]
          : [];
    if (!this.locksVisible || inProject === undefined || name === undefined) {
      return false;
    }
    const base = path.join(this.backendDir(), ".pulumi", "stacks", inProject, name);
    return fs.existsSync(`${base}.json`) || fs.existsSync(`${base}.json.gz`);
  }

  private backendDir(): string {
    return this.settings.backendUrl.slice("file://".length).replace(/\?.*$/, "");
  }

  private projectDir(project: string): string {
    return path.join(this.settings.workDir, project);
  }

  private stackConfigFile(project: string, stackName: string): string {
    return path.join(this.projectDir(project), `Pulumi.${stackName}.yaml`);
  }

  private pulumiCommand(): Promise<PulumiCommand> {
    // One `pulumi version` check per process, not per operation.
    this.command ??= PulumiCommand.get({
      root: this.settings.pulumiRoot,
      version: semver.parse(this.settings.pulumiVersion) ?? undefined,
    });
    return this.command;
  }

  private async workspace(project: string, program: PulumiFn): Promise<LocalWorkspace> {
    const dir = this.projectDir(project);
    const settingsFile = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(settingsFile)) {
      fs.mkdirSync(dir, { recursive: true });
      // Written once and atomically: concurrent operations read it while others start.
      const tmp = `${settingsFile}.${process.pid}.${Date.now()}.tmp`;
      fs.writeFileSync(
        tmp,
        `name: ${project}\nruntime: nodejs\ndescription: managed by the platform automation service\n`,
      );
      fs.renameSync(tmp, settingsFile);
    }
    if (this.pulumiHome !== undefined) {
      fs.mkdirSync(this.pulumiHome, { recursive: true });
    }
    return withParallelOutputs(
      await LocalWorkspace.create({
        workDir: dir,
        program,
        pulumiCommand: await this.pulumiCommand(),
        pulumiHome: this.pulumiHome,
        envVars: this.env,
        secretsProvider: this.settings.secretsProvider,
      }),
    );
  }
}

/** The organization of every stack on a file backend (`organization/<project>/<stack>`). */
const DIY_ORG = "organization";

/**
 * The name the CLI gives a stack's config file, `Pulumi.<name>.yaml`: a qualified name's last part
 * (the CLI names the file after the stack's own name, whatever the organization and project).
 */
function simpleStackName(stackName: string): string {
  return stackName.split("/").pop() ?? stackName;
}

/** The Automation API's way to run a CLI command in a workspace (its directory and environment). */
type CommandRunner = { runPulumiCmd(args: string[]): Promise<{ stdout: string }> };

/**
 * `ws` whose `stackOutputs` (what `up` returns, and {@link EngineStack.outputs}) runs its two reads
 * at the same time: the Automation API runs `stack output --json` (secrets masked, which says which
 * outputs are secret) and then `stack output --json --show-secrets` one after the other, a TODO of
 * theirs for a CLI concurrency bug long fixed (pulumi/pulumi#6050). Both are reads of the checkpoint.
 */
function withParallelOutputs(ws: LocalWorkspace): LocalWorkspace {
  const run = (args: string[]) => (ws as unknown as CommandRunner).runPulumiCmd(args);
  ws.stackOutputs = async (stackName: string): Promise<OutputMap> => {
    const [maskedOuts, plaintext] = await Promise.all([
      maskedOutputs(ws, stackName),
      run(["stack", "output", "--json", "--show-secrets", "--stack", stackName]),
    ]);
    const plaintextOuts = JSON.parse(plaintext.stdout) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(plaintextOuts).map(([key, value]) => [
        key,
        { value, secret: maskedOuts[key] === MASKED },
      ]),
    );
  };
  return ws;
}

/** What `pulumi stack output --json` prints for a secret output without `--show-secrets`. */
const MASKED = "[secret]";

/** The stack's outputs as `stack output --json` gives them: secrets read {@link MASKED}. */
async function maskedOutputs(ws: Workspace, stackName: string): Promise<Record<string, unknown>> {
  const { stdout } = await (ws as unknown as CommandRunner).runPulumiCmd([
    "stack",
    "output",
    "--json",
    "--stack",
    stackName,
  ]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/**
 * `ws` for one `Stack.select` that runs no `pulumi stack select` (the caller knows the stack
 * exists); the workspace's own method is back once the stack is selected.
 */
function withoutSelectCommand(ws: LocalWorkspace): LocalWorkspace {
  ws.selectStack = async () => {
    delete (ws as Partial<Pick<LocalWorkspace, "selectStack">>).selectStack;
  };
  return ws;
}

/** The double's PULUMI_HOME inside its directory. */
export function doublePulumiHome(doubleDir: string): string {
  return path.join(doubleDir, "pulumi-home");
}

/**
 * What `--policy-pack` gets for a pack directory: its launcher (`run-policy-pack`) when it has one.
 * Pulumi 3.276 runs a directory pack only through the Node language host, which a CLI built from Go
 * modules lacks; an executable pack it starts directly (docs/decisions/0002-pulumi-cli-offline.md).
 */
export function policyPackArgument(dir: string): string {
  const launcher = path.join(dir, POLICY_PACK_LAUNCHER);
  return fs.existsSync(launcher) ? launcher : dir;
}

/** The launcher's file name inside a pack directory. */
export const POLICY_PACK_LAUNCHER = "run-policy-pack";

/** {@link EngineStack} over a Pulumi `Stack`. */
class LocalEngineStack implements EngineStack {
  /**
   * @param policyPacks run by `up` and `preview` (not by refresh or destroy, which the engine does
   * not check against policies).
   */
  constructor(
    private readonly stack: Stack,
    private readonly policyPacks: readonly string[],
  ) {}

  private get policyOptions(): { policyPacks?: string[] } {
    return this.policyPacks.length > 0 ? { policyPacks: this.policyPacks.map(policyPackArgument) } : {};
  }

  get name(): string {
    return this.stack.name;
  }

  getAllConfig(): Promise<ConfigMap> {
    return this.stack.getAllConfig();
  }

  /**
   * Plain values straight into the stack's config file (as `pulumi config set-all --plaintext`
   * writes them, without its CLI process), or through `pulumi config set-all` where the file cannot
   * be edited so; each secret through `pulumi config set --secret` with the value on stdin, never in
   * the CLI's arguments: the Automation API's `setAllConfig` puts every value on the command line,
   * where `/proc/<pid>/cmdline` shows it while the command runs and a failure's message repeats it
   * whole (issue 9, secret hygiene).
   */
  async setAllConfig(config: ConfigMap): Promise<void> {
    // A plain value the stack's config file already holds is not written again, and most updates
    // change nothing. Secrets are always written (they need the CLI's encryption).
    const current = plainConfigInFile(this.stack);
    const plain = Object.fromEntries(
      Object.entries(config).filter(([key, v]) => !v.secret && current.get(key) !== v.value),
    );
    const values = Object.fromEntries(Object.entries(plain).map(([key, v]) => [key, v.value]));
    if (Object.keys(plain).length > 0 && !writePlainConfig(stackConfigPath(this.stack), values)) {
      await this.stack.setAllConfig(plain);
    }
    for (const [key, value] of Object.entries(config).filter(([, v]) => v.secret)) {
      await setSecretFromStdin(this.stack, key, value.value);
    }
  }

  /**
   * `pulumi up`, with its outputs and summary taken from its own events ({@link RunRecord}): the
   * Automation API reads them back after the CLI exits with three more CLI processes (`stack output`
   * twice, `stack history`), and `--show-secrets` derives the passphrase key once more (PBKDF2, about
   * 0.2 s of CPU). Outputs the events cannot give (a secret's value) are still read from the CLI, and
   * then the history without `--show-secrets`: the summary's config is never read.
   */
  async up(opts: EngineRunOptions = {}) {
    const record = new RunRecord();
    const result = await this.recorded(record).up({
      onEvent: both(record.onEvent, opts.onEvent),
      signal: opts.signal,
      color: "never",
      showSecrets: false,
      ...this.policyOptions,
    });
    return { summary: { resourceChanges: result.summary.resourceChanges }, outputs: result.outputs };
  }

  preview(opts: EngineRunOptions = {}) {
    return this.stack.preview({
      onEvent: opts.onEvent,
      signal: opts.signal,
      color: "never",
      ...this.policyOptions,
    });
  }

  previewRefresh(opts: EngineRunOptions = {}) {
    return this.stack.previewRefresh({ onEvent: opts.onEvent, signal: opts.signal, color: "never" });
  }

  /** `pulumi refresh`, its summary from its events as for {@link up}. */
  async refresh(opts: EngineRunOptions & { clearPendingCreates?: boolean } = {}) {
    const record = new RunRecord();
    const result = await this.recorded(record).refresh({
      onEvent: both(record.onEvent, opts.onEvent),
      signal: opts.signal,
      color: "never",
      showSecrets: false,
      clearPendingCreates: opts.clearPendingCreates,
    });
    return { summary: { resourceChanges: result.summary.resourceChanges } };
  }

  /** `pulumi destroy`, its summary from its events as for {@link up}. */
  async destroy(opts: EngineRunOptions = {}) {
    const record = new RunRecord();
    const result = await this.recorded(record).destroy({
      onEvent: both(record.onEvent, opts.onEvent),
      signal: opts.signal,
      color: "never",
      showSecrets: false,
    });
    return { summary: { resourceChanges: result.summary.resourceChanges } };
  }

  /**
   * The stack for one run whose `outputs()` and `info()` (what the Automation API's `up`, `refresh`
   * and `destroy` call once the CLI has exited) answer from `record`, and fall back to the CLI where
   * it has no answer. The stack itself is left as it is: other calls still reach the CLI.
   */
  private recorded(record: RunRecord): Stack {
    const stack = this.stack;
    const recorded = Object.create(stack) as Stack;
    recorded.outputs = async () => record.plainOutputs() ?? stack.outputs();
    recorded.info = async () => {
      const resourceChanges = record.resourceChanges();
      // Only `resourceChanges` is read from the summary (EngineStack's RunSummary).
      return resourceChanges !== undefined
        ? ({ resourceChanges } as UpdateSummary)
        : stack.history(1, undefined, false).then((h) => h[0]);
    };
    return recorded;
  }

  /**
   * With `showSecrets: false`, one `stack output --json`: a secret's value reads `[secret]` and the
   * CLI derives no passphrase key (PBKDF2, about 0.2 s of CPU). Otherwise the Automation API's two
   * reads, run at the same time ({@link withParallelOutputs}).
   */
  async outputs(opts: { showSecrets?: boolean } = {}): Promise<OutputMap> {
    if (opts.showSecrets !== false) {
      return this.stack.outputs();
    }
    const masked = await maskedOutputs(this.stack.workspace, this.stack.name);
    return Object.fromEntries(
      Object.entries(masked).map(([key, value]) => [key, { value, secret: value === MASKED }]),
    );
  }

  /**
   * Without `--show-secrets`: a secret config value reads `[secret]`, and the CLI does not derive the
   * passphrase key (PBKDF2, about 0.2 s of CPU per read). Nothing reads a secret from the history.
   */
  history(pageSize?: number) {
    return this.stack.history(pageSize, undefined, false);
  }

  exportStack(): Promise<Deployment> {
    return this.stack.exportStack();
  }

  importStack(state: Deployment): Promise<void> {
    return this.stack.importStack(state);
  }
}

/** One event handler that calls both. */
function both(
  first: (event: EngineEvent) => void,
  second?: (event: EngineEvent) => void,
): (event: EngineEvent) => void {
  return second
    ? (event) => {
        first(event);
        second(event);
      }
    : first;
}

/** The stack's config file in its workspace (`Pulumi.<stack>.yaml`). */
function stackConfigPath(stack: Stack): string {
  return path.join((stack.workspace as LocalWorkspace).workDir, `Pulumi.${stack.name}.yaml`);
}

/**
 * Sets plain config values in a stack's config file, as `pulumi config set-all --plaintext` does:
 * each `namespace:name` key under `config`, as a double-quoted string, the rest of the file (the salt, secure
 * values, comments) kept; written to a temporary file and renamed. Returns false, having written
 * nothing, when the file is missing or not YAML, or a key is not a plain `namespace:name` (the CLI
 * then writes them, with its own rules for such keys).
 */
export function writePlainConfig(file: string, values: Readonly<Record<string, string>>): boolean {
  if (!Object.keys(values).every((key) => /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/.test(key))) {
    return false;
  }
  let doc;
  try {
    doc = parseDocument(fs.readFileSync(file, "utf8"));
  } catch {
    return false;
  }
  const config = doc.get("config");
  if (doc.errors.length > 0 || (config != null && !isMap(config))) {
    return false;
  }
  for (const [key, value] of Object.entries(values)) {
    // Double-quoted: the CLI's YAML parser (YAML 1.1 rules) reads a plain 2026-12-01T15:21:22Z as
    // a timestamp and yes/no/on/off as booleans; a quoted scalar is a string to every parser.
    const node = doc.createNode(value) as Scalar;
    node.type = Scalar.QUOTE_DOUBLE;
    doc.setIn(["config", key], node);
  }
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, doc.toString());
  fs.renameSync(tmp, file);
  return true;
}

/** The passphrase salt (`encryptionsalt`) a stack's config file holds; undefined when none. */
function encryptionSaltIn(file: string): string | undefined {
  try {
    const salt = (parseYaml(fs.readFileSync(file, "utf8")) as { encryptionsalt?: unknown } | null)
      ?.encryptionsalt;
    return typeof salt === "string" && salt.startsWith("v1:") ? salt : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The plain values of the stack's config file (`Pulumi.<stack>.yaml` in the workspace), by key.
 * Secrets (`secure:` values), values that are not strings and a file that is missing or cannot be
 * read are left out, so that they are written.
 */
export function plainConfigInFile(stack: Stack): Map<string, string> {
  const found = new Map<string, string>();
  let parsed: unknown;
  try {
    parsed = parseYaml(fs.readFileSync(stackConfigPath(stack), "utf8"));
  } catch {
    return found;
  }
  const config = (parsed as { config?: unknown } | null)?.config;
  if (config !== null && typeof config === "object") {
    for (const [key, value] of Object.entries(config)) {
      if (typeof value === "string") {
        found.set(key, value);
      }
    }
  }
  return found;
}

/**
 * `pulumi config set --secret <key>` on `stack` with the value on stdin (the CLI reads it when stdin
 * is not a terminal), in the workspace's own directory and environment, as the Automation API runs
 * its commands. A failure says what the CLI said, with the value redacted should it ever be echoed.
 */
function setSecretFromStdin(stack: Stack, key: string, value: string): Promise<void> {
  const ws = stack.workspace as LocalWorkspace;
  const command = (ws.pulumiCommand as unknown as { command: string }).command;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}),
    ...ws.envVars,
    PULUMI_AUTOMATION_API: "true",
  };
  if (path.isAbsolute(command)) {
    env.PATH = [path.dirname(command), env.PATH ?? ""].join(path.delimiter);
  }
  const args = ["config", "set", "--secret", "--raw", key, "--stack", stack.name, "--non-interactive"];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ws.workDir, env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (error) => reject(new Error(`pulumi ${args.join(" ")}: ${error.message}`)));
    child.on("close", (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      const said = redactValues(stderr.trim(), [value]);
      reject(new Error(`pulumi ${args.join(" ")} (value on stdin) exited ${code}: ${said}`));
    });
    child.stdin.end(value);
  });
}

/**
 * Plugin processes of this backend whose engine is gone (Linux /proc): started by a `pulumi` with
 * this `PULUMI_BACKEND_URL` (from their environment), and whose parent is no longer a `pulumi`
 * process. A kill of the CLI's process group leaves them: the engine starts each plugin in a
 * process group of its own (issue 10 item 5). Empty where /proc cannot be read.
 */
export function orphanedPlugins(backendUrl: string, procDir = "/proc"): LeftoverProcess[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(procDir).filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const read = (pid: string, file: string) => {
    try {
      return fs.readFileSync(path.join(procDir, pid, file), "utf8");
    } catch {
      return undefined;
    }
  };
  const found: LeftoverProcess[] = [];
  for (const pid of entries) {
    const environ = read(pid, "environ");
    if (!environ || !environ.split("\0").includes(`PULUMI_BACKEND_URL=${backendUrl}`)) {
      continue;
    }
    const command = (read(pid, "cmdline") ?? "").split("\0").join(" ").trim();
    // Plugins: resource providers, analyzers (policy packs: our serve-pack.js, the SDK's
    // run-policy-pack), the dynamic-provider and double launchers.
    if (
      !/pulumi-resource-|pulumi-analyzer-|run-policy-pack|serve-pack\.js|dynamic-provider|offline\/double\/main/.test(
        command,
      )
    ) {
      continue;
    }
    const stat = read(pid, "stat") ?? "";
    const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
    const parent = ppid ? (read(ppid, "cmdline") ?? "").split("\0")[0] : "";
    if (!/(^|\/)pulumi$/.test(parent)) {
      found.push({ pid: Number(pid), command });
    }
  }
  return found;
}
