/**
 * Points the pack at a temporary waiver file for the tests that import this first (before anything
 * loads policies/lib/waivers.ts, which reads `PLATFORM_WAIVERS_FILE` once): the waiver accepts the
 * open port policies/testing/brokenAnalyzer.ts gives tenant t0003, until 2099. Workers inherit it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The temporary waiver file. */
export const TEST_WAIVERS_FILE = path.join(
  fs.mkdtempSync(path.join(os.tmpdir(), "waivers-")),
  "waivers.yaml",
);

fs.writeFileSync(
  TEST_WAIVERS_FILE,
  [
    "waivers:",
    "  - policy: platform-ec2-public-ingress",
    '    resource: "urn:pulumi:t0003-*"',
    "    reason: The test waives the port it opened on t0003.",
    "    owner: team-platform",
    "    expires: 2099-12-31",
    "",
  ].join("\n"),
);
process.env.PLATFORM_WAIVERS_FILE = TEST_WAIVERS_FILE;
