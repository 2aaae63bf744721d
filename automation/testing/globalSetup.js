/**
 * Jest global setup of the e2e project: provides the Pulumi CLI through scripts/setup-pulumi.sh
 * (PATH, cache, download, else a Go build) and hands its root to the tests as PULUMI_ROOT.
 * It never skips: without a CLI the suite fails with the script's reasons.
 */
const { spawnSync } = require("child_process");
const path = require("path");

module.exports = async function globalSetup() {
  const repo = path.resolve(__dirname, "..", "..");
  const started = Date.now();
  const result = spawnSync("bash", [path.join(repo, "scripts", "setup-pulumi.sh")], {
    cwd: repo,
    encoding: "utf8",
    env: process.env,
    // A cold Go build takes minutes on 2 cores.
    timeout: 30 * 60 * 1000,
  });
  if (result.status !== 0) {
    throw new Error(
      `e2e: the Pulumi CLI could not be provided (scripts/setup-pulumi.sh exited ${result.status ?? result.signal}):\n` +
        `${result.stderr || ""}${result.error ? String(result.error) : ""}\n` +
        "The e2e suite needs it and is never skipped; see docs/readme-sections/automation.md.",
    );
  }
  const lines = result.stdout.trim().split("\n");
  const root = lines[lines.length - 1];
  process.env.PULUMI_ROOT = root;
  process.stderr.write(
    `\ne2e: Pulumi CLI at ${root} (setup ${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
  );
};
