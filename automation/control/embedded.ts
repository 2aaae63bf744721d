/**
 * The engine side of `npm start`: the real engine (Pulumi's Automation API over the CLI) with the
 * real base and tenant programs, on the cloud double by default (PLATFORM_CLOUD, automation/settings.ts), the
 * base stacks' outputs, and the readiness check of the CLI (docs/control-plane.md, "Settings").
 */
import * as path from "path";
import { spawnSync } from "child_process";
import { StackNotFoundError } from "@pulumi/pulumi/automation";
import { Environment, ENVIRONMENTS } from "../../common";
import type * as TenantProgramModule from "../../tenants/program";
import { BaseService } from "../base";
import { StackMissingError } from "../errors";
import { LocalEngine } from "../engine/localEngine";
import type { Engine } from "../engine/types";
import { plainOutputs, TenantProgram, TenantService } from "../service";
import { AutomationSettings } from "../settings";
import { cloudProbe } from "../rollout/probes";
import type { HealthProbe } from "../rollout/target";
import type { EnvironmentInfo } from "./api/context";

/** What `npm start` runs operations with. */
export interface Embedded {
  readonly service: TenantService;
  readonly engine: LocalEngine;
  /** The rollouts' health gate: the cloud double's health file, or the AWS CLI's ECS and alarms. */
  readonly probe: HealthProbe;
  environment(env: string): Promise<EnvironmentInfo | undefined>;
  checks(): Promise<Record<string, string>>;
}

/**
 * The real tenant program (tenants/program.ts). The service sets the stack config before every
 * run; the program reads all of it there (tenants/contract.ts), as `pulumi -C tenants up` does.
 */
export function tenantProgram(): TenantProgram {
  return () => async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("../../tenants/program") as typeof TenantProgramModule;
    return { ...(await mod.tenantProgram()) };
  };
}

/**
 * Builds the engine side. On the cloud double, the base stacks that are missing are deployed first
 * (the real base program; once per backend); on AWS they must exist already (`npm run base -- up`).
 */
export async function embedded(
  settings: AutomationSettings,
  log: (line: string) => void = () => undefined,
): Promise<Embedded> {
  const engine = new LocalEngine(settings);
  if (settings.cloud === "double") {
    const base = new BaseService(engine);
    for (const env of ENVIRONMENTS) {
      try {
        await base.outputs(env);
      } catch (error) {
        if (!(error instanceof StackMissingError)) throw error;
        log(`deploying the base stack ${env} on the cloud double (first start; once per backend)`);
        await base.up(env);
      }
    }
  }
  const service = new TenantService({
    engine,
    program: tenantProgram(),
  });
  const cli = path.join(settings.pulumiRoot, "bin", "pulumi");
  let cliCheck: { at: number; result: string } | undefined;
  const base = new BaseService(engine);
  // The rollout health gate: the AWS CLI on AWS, the double's own answers on the double.
  const probe = cloudProbe(settings, service, base);
  return {
    service,
    engine,
    probe,
    environment: (env) => baseStackInfo(engine, env),
    async checks() {
      // `pulumi version` costs a process; once a minute is enough for a readiness probe.
      if (!cliCheck || Date.now() - cliCheck.at > 60_000) {
        const r = spawnSync(cli, ["version"], { encoding: "utf8", timeout: 10_000 });
        const result =
          r.status === 0 ? "ok" : `${cli} version failed: ${r.stderr || r.error?.message || r.status}`;
        cliCheck = { at: Date.now(), result };
      }
      return { pulumi: cliCheck.result };
    },
  };
}

/** The base stack of an environment: its outputs (secrets masked) and last update; undefined when missing. */
export async function baseStackInfo(engine: Engine, env: string): Promise<EnvironmentInfo | undefined> {
  if (!(ENVIRONMENTS as readonly string[]).includes(env)) return undefined;
  try {
    const stack = await engine.selectStack("platform", env as Environment, async () => undefined);
    const outputs = plainOutputs(await stack.outputs({ showSecrets: false }));
    const [last] = await stack.history(1);
    return {
      environment: env,
      stack: `organization/platform/${env}`,
      outputs,
      ...(last
        ? {
            lastUpdate: {
              kind: last.kind,
              result: last.result,
              startTime: new Date(last.startTime).toISOString(),
              ...(last.endTime ? { endTime: new Date(last.endTime).toISOString() } : {}),
            },
          }
        : {}),
    };
  } catch (error) {
    if (error instanceof StackNotFoundError) return undefined;
    throw error;
  }
}
