/**
 * The base stack without a cloud: its default configuration per environment, read from
 * Pulumi.yaml and Pulumi.<env>.yaml exactly as the Pulumi CLI merges them, and a recording of the
 * program under Pulumi's mocks. `npm run plan`, the offline policy check and the tenant tests build
 * on these two exports. Values known only after creation (ids, ARNs) are mock placeholders.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Environment, ENVIRONMENTS } from "../common";
import { Recording, record } from "./recorder";
import { parseBaseConfig } from "../infra/config";
import { createBaseStack } from "../infra/program";

/** The base project's name (Pulumi.yaml). */
export const BASE_PROJECT = "platform";

/** The repository root, where Pulumi.yaml lives. */
const ROOT = path.resolve(__dirname, "..");

/** A config value as Pulumi hands it to a program: strings as is, everything else JSON-encoded. */
function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): any {
  return parse(readFileSync(path.join(ROOT, file), "utf8")) ?? {};
}

/** Pulumi.yaml's defaults (`default`, or `value` for other namespaces) overlaid with the stack file. */
function defaultConfig(environment: Environment): Record<string, string> {
  const declared: Record<string, { default?: unknown; value?: unknown }> =
    readYaml("Pulumi.yaml").config ?? {};
  const stack: Record<string, unknown> = readYaml(`Pulumi.${environment}.yaml`).config ?? {};
  const merged: Record<string, string> = {};
  for (const [key, declaration] of Object.entries(declared)) {
    const value = declaration.default ?? declaration.value;
    if (value !== undefined) {
      merged[key] = asConfigString(value);
    }
  }
  for (const [key, value] of Object.entries(stack)) {
    merged[key] = asConfigString(value);
  }
  return Object.freeze(Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))));
}

/**
 * The embedded default config of each base stack: fully qualified keys (`platform:domain`,
 * `aws:region`), values as strings (arrays JSON-encoded), as `pulumi config --json` shows them.
 */
export const DEFAULT_BASE_CONFIG: Readonly<Record<Environment, Record<string, string>>> = Object.freeze(
  Object.fromEntries(ENVIRONMENTS.map((env) => [env, defaultConfig(env)])) as Record<
    Environment,
    Record<string, string>
  >,
);

/**
 * Records the base stack of `environment` under mocks (project `platform`, stack = environment).
 * @param config overrides merged over {@link DEFAULT_BASE_CONFIG}, fully qualified keys.
 * @throws the config error, before any resource is recorded, when a value is invalid.
 */
export async function recordBase(
  environment: Environment,
  config: Record<string, string> = {},
): Promise<Recording> {
  const merged = { ...DEFAULT_BASE_CONFIG[environment], ...config };
  return record(() => createBaseStack(parseBaseConfig(environment, merged)), {
    project: BASE_PROJECT,
    stack: environment,
    config: merged,
  });
}
