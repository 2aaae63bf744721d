/**
 * What the e2e tests share: a temporary file backend, workspace and cloud double directory, the real
 * engine over the CLI that globalSetup provided, the real base stack deployed once per test file,
 * the real tenant program, and spec helpers. Nothing here is faked but the cloud (the double,
 * offline/double/): the programs, engine, state, locks and history are the real ones.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Environment } from "../../common";
import { parseTenantSpec, TenantSpec } from "../../tenants/spec";
import { BaseService } from "../base";
import { loadProgram } from "../cli/programs";
import { LocalEngine } from "../engine/localEngine";
import { TenantService } from "../service";
import { AutomationSettings, resolveSettings } from "../settings";

/** The passphrase of the temporary backends. */
export const E2E_PASSPHRASE = "e2e-passphrase";

/** A valid spec for tests; `overrides` win. */
export function testSpec(id: string, overrides: Record<string, unknown> = {}): TenantSpec {
  return parseTenantSpec({
    id,
    displayName: `Tenant ${id}`,
    tier: "trial",
    environments: ["staging"],
    owner: "platform-team@example.com",
    costCenter: "cc-1001",
    dataClassification: "internal",
    imageTag: "1.0.0",
    ...overrides,
  });
}

/** A temporary backend on the cloud double, with the real base and tenant programs. */
export interface DoubleHarness {
  readonly dir: string;
  readonly stateDir: string;
  /** The double's cloud directory (records, knobs.json, its PULUMI_HOME). */
  readonly doubleDir: string;
  readonly settings: AutomationSettings;
  readonly engine: LocalEngine;
  readonly base: BaseService;
  readonly service: TenantService;
  /** What each base `up` of the setup changed. */
  readonly baseUps: Readonly<Partial<Record<Environment, Record<string, number>>>>;
  /** Environment for CLI subprocesses on the same backend and double. */
  readonly cliEnv: NodeJS.ProcessEnv;
  cleanup(): void;
}

/**
 * Creates a temporary backend on the cloud double and deploys the real base program in each of
 * `environments` (one base per test file: the tenants of the file share it).
 */
export async function createDoubleHarness(
  name: string,
  environments: readonly Environment[] = ["staging"],
  options: { readonly policyPacks?: readonly string[] } = {},
): Promise<DoubleHarness> {
  if (!process.env.PULUMI_ROOT) {
    throw new Error(
      "PULUMI_ROOT is not set: run the e2e tests through jest's e2e project (automation/testing/globalSetup.js)",
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `platform-double-${name}-`));
  const stateDir = path.join(dir, "state");
  const doubleDir = path.join(dir, "double");
  const workDir = path.join(dir, "workspaces");
  for (const d of [stateDir, workDir]) {
    fs.mkdirSync(d, { recursive: true });
  }
  const settings = resolveSettings({
    cloud: "double",
    doubleDir,
    backendUrl: `file://${stateDir}`,
    passphrase: E2E_PASSPHRASE,
    pulumiRoot: process.env.PULUMI_ROOT,
    workDir,
    policyPacks: options.policyPacks ?? [],
  });
  const engine = new LocalEngine(settings);
  const base = new BaseService(engine);
  const baseUps: Partial<Record<Environment, Record<string, number>>> = {};
  for (const env of environments) {
    baseUps[env] = { ...(await base.up(env)).changes } as Record<string, number>;
  }
  const service = new TenantService({ engine, program: loadProgram("real", settings) });
  const cliEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: settings.backendUrl,
    PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE,
    PLATFORM_CLOUD: "double",
    PLATFORM_DOUBLE_DIR: doubleDir,
    PLATFORM_WORKDIR: workDir,
    PLATFORM_POLICY_PACKS: options.policyPacks?.join(",") || "none",
  };
  return {
    dir,
    stateDir,
    doubleDir,
    settings,
    engine,
    base,
    service,
    baseUps,
    cliEnv,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
