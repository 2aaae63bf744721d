/**
 * `npm run bench:pack`: what the policy pack adds to an operation, in one run. Previews one small
 * inline stack on the real engine (a file backend in a temporary directory; the program declares a
 * component only, so no provider plugin is needed) three ways, `--runs` times each:
 *   - without a pack;
 *   - with the compiled pack (`policies/run-policy-pack`, what the service and the PR preview run);
 *   - with the pack from source, as the engine loads a TypeScript pack directory (ts-node with
 *     type checking on every load): the cost the compiled pack removes.
 * Prints the median preview time of each and the difference to no pack.
 *
 *     npm run bench:pack -- --runs 3
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";

const REPO = path.resolve(__dirname, "..");
const POLICIES = path.join(REPO, "policies");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1 || n > 20) {
    throw new Error(`--${name}: ${JSON.stringify(process.argv[i + 1])} is not a whole number from 1 to 20`);
  }
  return n;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A launcher that serves the pack from its TypeScript sources, as the engine does for a directory. */
function sourceLauncher(dir: string): string {
  fs.copyFileSync(path.join(POLICIES, "PulumiPolicy.yaml"), path.join(dir, "PulumiPolicy.yaml"));
  const file = path.join(dir, "run-policy-pack");
  fs.writeFileSync(
    file,
    `#!/usr/bin/env bash\nset -euo pipefail\ncd ${JSON.stringify(POLICIES)}\n` +
      `entry="$(node -p "require.resolve('@pulumi/pulumi/cmd/run-policy-pack')")"\nexec node "$entry" "$1" .\n`,
    { mode: 0o755 },
  );
  return file;
}

async function main(): Promise<void> {
  const runs = arg("runs", 3);
  const root = execFileSync("bash", [path.join(REPO, "scripts/setup-pulumi.sh")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  execFileSync(process.execPath, [path.join(POLICIES, "pack-build.js"), "ensure"], { stdio: "inherit" });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-pack-"));
  fs.mkdirSync(path.join(scratch, "state"));
  fs.mkdirSync(path.join(scratch, "source"));
  try {
    const pulumiCommand = await PulumiCommand.get({ root, skipVersionCheck: true });
    const program = async () => {
      class Probe extends pulumi.ComponentResource {
        constructor(name: string) {
          super("platform:bench:Probe", name, {}, {});
          this.registerOutputs({});
        }
      }
      new Probe("probe");
      return {};
    };
    const stack = await LocalWorkspace.createOrSelectStack(
      { projectName: "platform", stackName: "staging", program },
      {
        pulumiCommand,
        envVars: {
          PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
          PULUMI_CONFIG_PASSPHRASE: "bench-passphrase",
          PULUMI_HOME: path.join(scratch, "home"),
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PATH: `${path.join(root, "bin")}${path.delimiter}${process.env.PATH}`,
        },
      },
    );
    const ways: [string, string[]][] = [
      ["no pack", []],
      ["compiled pack (policies/run-policy-pack)", [path.join(POLICIES, "run-policy-pack")]],
      ["pack from source (type-checked on load)", [sourceLauncher(path.join(scratch, "source"))]],
    ];
    const times = new Map<string, number[]>(ways.map(([w]) => [w, []]));
    // Interleaved, so a busy moment of the machine does not fall on one way only.
    for (let i = 0; i < runs; i++) {
      for (const [way, policyPacks] of ways) {
        const started = process.hrtime.bigint();
        await stack.preview({ policyPacks });
        times.get(way)!.push(Number(process.hrtime.bigint() - started) / 1e9);
      }
    }
    const none = median(times.get("no pack")!);
    process.stdout.write(
      `preview of one stack, median of ${runs} run(s) each (${os.cpus().length} cores)\n\n`,
    );
    process.stdout.write("| way | median s | added by the pack s |\n|---|---|---|\n");
    for (const [way] of ways) {
      const m = median(times.get(way)!);
      process.stdout.write(`| ${way} | ${m.toFixed(2)} | ${(m - none).toFixed(2)} |\n`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:pack: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
