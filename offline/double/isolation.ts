/**
 * Where the cloud double may run, and how it gets there. The engine finds resource plugins in
 * `$PULUMI_HOME/plugins/resource-<name>-v<version>/pulumi-resource-<name>` (after PATH, which we
 * ignore with PULUMI_IGNORE_AMBIENT_PLUGINS). {@link installDouble} writes the double's launchers
 * into a PULUMI_HOME of its own, marked with a file that names the double's cloud directory, at the
 * start of every run that targets the double. Nothing is ever written to PATH or `~/.pulumi`.
 *
 * {@link checkIsolation} is the plugin's side: it starts only when PULUMI_HOME carries the mark and
 * the launcher it was started from lies inside that PULUMI_HOME. Copied elsewhere, or started by a
 * `pulumi` with another PULUMI_HOME, it refuses.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DOUBLE_PACKAGES, DoublePackage } from "./provider";

/** The mark of a PULUMI_HOME that belongs to the double. */
export const DOUBLE_MARK = ".platform-cloud-double.json";

/** What the mark records. */
interface Mark {
  readonly doubleDir: string;
  readonly note: string;
}

/** The version of each package's SDK in node_modules: the engine asks for exactly that plugin. */
export function doublePluginVersions(): Record<DoublePackage, string> {
  const version = (pkg: string) =>
    (
      JSON.parse(fs.readFileSync(require.resolve(`@pulumi/${pkg}/package.json`), "utf8")) as {
        version: string;
      }
    ).version;
  return Object.fromEntries(DOUBLE_PACKAGES.map((p) => [p, version(p)])) as Record<DoublePackage, string>;
}

/** The environment a CLI process needs to run on the double (besides its backend and passphrase). */
export interface DoubleSetup {
  readonly pulumiHome: string;
  readonly doubleDir: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Prepares `pulumiHome` for the double: the mark, and one launcher per package. Idempotent; run it
 * before each run (launchers point at this checkout, which may have moved).
 * @throws when `pulumiHome` is the user's own (`~/.pulumi`) or already holds real plugins.
 */
export function installDouble(
  pulumiHome: string,
  doubleDir: string,
  userHome = defaultUserHome(),
): DoubleSetup {
  const home = path.resolve(pulumiHome);
  if (home === path.resolve(userHome)) {
    throw new Error(
      `cloud double: refusing to install into ${home}, the user's PULUMI_HOME; the double needs a PULUMI_HOME of its own`,
    );
  }
  fs.mkdirSync(path.join(home, "plugins"), { recursive: true });
  const mark: Mark = {
    doubleDir: path.resolve(doubleDir),
    note: "PULUMI_HOME of the platform's cloud double (a test double for AWS); written by offline/double/isolation.ts",
  };
  fs.writeFileSync(path.join(home, DOUBLE_MARK), `${JSON.stringify(mark, null, 2)}\n`);
  fs.mkdirSync(mark.doubleDir, { recursive: true });
  for (const [pkg, version] of Object.entries(doublePluginVersions())) {
    const dir = path.join(home, "plugins", `resource-${pkg}-v${version}`);
    fs.mkdirSync(dir, { recursive: true });
    const launcher = path.join(dir, `pulumi-resource-${pkg}`);
    const script = [
      "#!/usr/bin/env bash",
      `# The platform's cloud double playing "${pkg}" v${version}: a test double, not the real provider.`,
      "# Written by offline/double/isolation.ts; it starts only under the PULUMI_HOME that holds it.",
      `export PLATFORM_DOUBLE_PACKAGE=${pkg} PLATFORM_DOUBLE_VERSION=${version}`,
      'export PLATFORM_DOUBLE_LAUNCHER="$0"',
      // TypeScript through a cache of transpiled files (./fastload.js): no compiler loaded per start.
      `export PLATFORM_TS_CACHE=${JSON.stringify(path.join(home, "ts-cache"))}`,
      `exec node -r ${JSON.stringify(path.join(__dirname, "fastload.js"))} ${JSON.stringify(
        path.join(__dirname, "main.ts"),
      )} "$@"`,
      "",
    ].join("\n");
    const tmp = `${launcher}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script, { mode: 0o755 });
    fs.renameSync(tmp, launcher);
  }
  return Object.freeze({
    pulumiHome: home,
    doubleDir: mark.doubleDir,
    env: Object.freeze({
      PULUMI_HOME: home,
      // Only the double's launchers (and the helpers next to the CLI) may answer; never a plugin on
      // PATH, never a download.
      PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    }),
  });
}

/** The user's PULUMI_HOME: `$PULUMI_HOME` or `~/.pulumi`. */
export function defaultUserHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
}

/** Where the plugin may run, or why it may not. */
export type Placement =
  | { readonly pkg: DoublePackage; readonly version: string; readonly doubleDir: string }
  | { readonly refusal: string };

/** The plugin's check before it serves anything. */
export function checkIsolation(env: NodeJS.ProcessEnv): Placement {
  const refuse = (why: string): Placement => ({
    refusal: `cloud double: refusing to start: ${why}. It is a test double for AWS and runs only from a PULUMI_HOME prepared by offline/double/isolation.ts (PLATFORM_CLOUD=double).`,
  });
  const home = env.PULUMI_HOME;
  if (!home) {
    return refuse("PULUMI_HOME is not set");
  }
  const markFile = path.join(home, DOUBLE_MARK);
  if (!fs.existsSync(markFile)) {
    return refuse(`PULUMI_HOME ${home} is not the double's (no ${DOUBLE_MARK})`);
  }
  const launcher = env.PLATFORM_DOUBLE_LAUNCHER;
  const plugins = path.join(fs.realpathSync(home), "plugins") + path.sep;
  if (!launcher || !fs.realpathSync(launcher).startsWith(plugins)) {
    return refuse(`it was started from ${launcher ?? "an unknown place"}, outside ${plugins}`);
  }
  const pkg = env.PLATFORM_DOUBLE_PACKAGE as DoublePackage;
  if (!DOUBLE_PACKAGES.includes(pkg) || !env.PLATFORM_DOUBLE_VERSION) {
    return refuse(`PLATFORM_DOUBLE_PACKAGE "${pkg}" is not one of ${DOUBLE_PACKAGES.join(", ")}`);
  }
  const mark = JSON.parse(fs.readFileSync(markFile, "utf8")) as Mark;
  return { pkg, version: env.PLATFORM_DOUBLE_VERSION, doubleDir: mark.doubleDir };
}
