/**
 * Which tenant program a CLI run drives. `real` is tenants/program.ts `tenantProgram`, the one entry
 * `pulumi -C tenants up` and the offline recorder run too: it reads the spec and the rest from the
 * stack config the service sets (tenants/contract.ts). `test` is the test program
 * (automation/testprogram), configured from PLATFORM_TEST_* variables (docs/automation.md, "Test
 * program").
 */
import * as path from "path";
import { choiceProblem, UsageError } from "../../common";
import type * as TenantProgramModule from "../../tenants/program";
import type { TenantProgram } from "../service";
import type { AutomationSettings } from "../settings";
import { testTenantProgram } from "../testprogram/programs";

/** Which tenant program the CLI runs. */
export const PROGRAMS = ["real", "test"] as const;
/** One of {@link PROGRAMS}. */
export type ProgramName = (typeof PROGRAMS)[number];

/**
 * The program named by `--program` / PLATFORM_TENANT_PROGRAM.
 * @throws UsageError naming the flag, the value and the allowed names.
 */
export function programName(value: string | undefined): ProgramName {
  const problem = choiceProblem("--program (PLATFORM_TENANT_PROGRAM)", value ?? "real", PROGRAMS);
  if (problem) {
    throw new UsageError([problem]);
  }
  return (value ?? "real") as ProgramName;
}

/** The tenant program. `real` loads tenants/program.ts only when run (it pulls in the AWS SDK). */
export function loadProgram(name: ProgramName, settings: AutomationSettings): TenantProgram {
  if (name === "test") {
    const failTenants = (process.env.PLATFORM_TEST_FAIL_TENANTS ?? "").split(",").filter((t) => t !== "");
    return testTenantProgram({
      cloudDir: process.env.PLATFORM_TEST_CLOUD_DIR ?? path.join(settings.workDir, "test-cloud"),
      delayMs: Number(process.env.PLATFORM_TEST_DELAY_MS ?? "0"),
      failTenants,
    });
  }
  // The service sets the stack config before every run; the program reads all of it there.
  return () => async () => {
    // Loaded on first use: test mode and `list`/`status` never pay for the AWS SDK.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("../../tenants/program") as typeof TenantProgramModule;
    return { ...(await mod.tenantProgram()) };
  };
}
