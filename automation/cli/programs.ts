/**
 * Which tenant program a CLI run drives. `real` is tenants/program.ts `tenantProgram`, the one entry
 * `pulumi -C tenants up` and the offline recorder run too: it reads the spec and the rest from the
 * stack config the service sets (tenants/contract.ts). It is the only one: the tests run it on the
 * cloud double (`PLATFORM_CLOUD=double`), and the stand-in program they used before is gone, so a
 * leftover `--program test` / `PLATFORM_TENANT_PROGRAM=test` is refused rather than ignored.
 */
import { choiceProblem, UsageError } from "../../common";
import type * as TenantProgramModule from "../../tenants/program";
import type { TenantProgram } from "../service";
import type { AutomationSettings } from "../settings";

/** Which tenant program the CLI runs. */
export const PROGRAMS = ["real"] as const;
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

/**
 * The tenant program. It loads tenants/program.ts only when run (it pulls in the AWS SDK). The
 * settings choose the cloud (the engine's concern), not the program: the arguments are kept so the
 * callers need not change when another program is added.
 */
export function loadProgram(_name: ProgramName, _settings: AutomationSettings): TenantProgram {
  // The service sets the stack config before every run; the program reads all of it there.
  return () => async () => {
    // Loaded on first use: `list`/`status` never pay for the AWS SDK.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("../../tenants/program") as typeof TenantProgramModule;
    return { ...(await mod.tenantProgram()) };
  };
}
