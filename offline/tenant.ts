/**
 * The tenant program under Pulumi's mocks: no cloud, no credentials, no Pulumi CLI. The offline plan
 * (`npm run plan`), the offline policy check and the tests record tenants with it. It runs exactly
 * what `pulumi up` runs (contract.ts, then program.ts), with the spec set as `tenant:spec` config and
 * the base stack's outputs served to the `StackReference`. Values known only after creation (ids,
 * ARNs, endpoints, passwords) are placeholders (offline/mocks.ts).
 */
import { defaultBaseStackName, Environment } from "../common";
import { record, Recording } from "./recorder";
import { stackConfig, TENANT_PROJECT, tenantStackName } from "../tenants/contract";
import { tenantProgram } from "../tenants/program";
import { TenantSpec } from "../tenants/spec";

/**
 * Records one tenant in one environment on top of `baseOutputs` (e.g. `recordBase(env).outputs`).
 * @param baseStackName the name the base stack is referenced by. @default organization/platform/<env>
 * @param extraConfig more stack config, keys fully qualified (e.g. `tenant:decommission`). @default {}
 * @param secretKeys which of `extraConfig`'s keys are secret (e.g. `tenant:secrets`). @default []
 * @throws what the program throws: an invalid spec, an environment the spec does not list, base
 * outputs that break the contract.
 */
export async function recordTenant(
  spec: TenantSpec,
  environment: Environment,
  baseOutputs: Record<string, unknown>,
  baseStackName: string = defaultBaseStackName(environment),
  extraConfig: Readonly<Record<string, string>> = {},
  secretKeys: readonly string[] = [],
): Promise<Recording> {
  // The config the automation service sets (contract.ts), so the recorder runs the program as the
  // service and `pulumi up` do.
  const config: Record<string, string> = {
    ...extraConfig,
    ...Object.fromEntries(Object.entries(stackConfig(spec, baseStackName)).map(([k, v]) => [k, v.value])),
  };
  if (typeof baseOutputs.region === "string") {
    config["aws:region"] = baseOutputs.region;
  }
  return record(tenantProgram, {
    project: TENANT_PROJECT,
    stack: tenantStackName(spec.id, environment),
    config,
    secretKeys,
    stackOutputs: { [baseStackName]: baseOutputs },
  });
}
