/**
 * The resources the mocks record for given stacks, for the e2e test that compares them with what
 * the engine deployed on the cloud double (automation/double.e2e.test.ts, "resource counts"). A
 * subprocess: the recorder sets Pulumi's process-wide mock runtime, which must not meet the
 * engine's inline programs in the test's own process.
 *
 *   ts-node automation/testing/mockCounts.ts '<json: MockStack[]>'   → JSON MockStackResources[]
 */
import { Environment } from "../../common";
import { recordBase } from "../../offline/base";
import { recordTenant } from "../../offline/tenant";
import { parseTenantSpec } from "../../tenants/spec";

/** A stack to record: the base of an environment, or a tenant (its spec as the registry holds it). */
export type MockStack =
  | { readonly kind: "base"; readonly environment: Environment }
  | { readonly kind: "tenant"; readonly environment: Environment; readonly spec: unknown };

/** What a stack declares under the mocks, as `type::name` keys (the URN's last two parts). */
export interface MockStackResources {
  readonly stack: string;
  readonly resources: { readonly type: string; readonly name: string; readonly custom: boolean }[];
}

async function main(stacks: readonly MockStack[]): Promise<MockStackResources[]> {
  const bases = new Map<Environment, Record<string, unknown>>();
  const baseOutputs = async (env: Environment) => {
    if (!bases.has(env)) {
      bases.set(env, (await recordBase(env)).outputs);
    }
    return bases.get(env)!;
  };
  const out: MockStackResources[] = [];
  for (const s of stacks) {
    const recording =
      s.kind === "base"
        ? await recordBase(s.environment)
        : await recordTenant(parseTenantSpec(s.spec), s.environment, await baseOutputs(s.environment));
    out.push({
      stack: `${recording.project}/${recording.stack}`,
      resources: recording.resources.map((r) => ({ type: r.type, name: r.name, custom: r.custom })),
    });
  }
  return out;
}

main(JSON.parse(process.argv[2] ?? "[]") as MockStack[]).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
