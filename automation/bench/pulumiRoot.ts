/** What the benchmarks share: the Pulumi CLI, provided as the e2e tests get it. */
import { spawnSync } from "child_process";

/** Sets PULUMI_ROOT through scripts/setup-pulumi.sh unless it is set. @throws when no CLI can be had. */
export function ensurePulumiRoot(): void {
  if (process.env.PULUMI_ROOT) {
    return;
  }
  const setup = spawnSync("bash", ["scripts/setup-pulumi.sh"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (setup.status !== 0) {
    throw new Error("scripts/setup-pulumi.sh could not provide the Pulumi CLI (see above)");
  }
  process.env.PULUMI_ROOT = setup.stdout.trim().split("\n").pop();
}
