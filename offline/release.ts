/**
 * The release program under Pulumi's mocks: what `pulumi -C release up -s <env>` would build and
 * push, with no Docker, no registry and no credentials. The image's digest is derived from the
 * build context (./buildContext.ts); the ECR credentials are the fake cloud's placeholders.
 */
import { defaultBaseStackName, Environment } from "../common";
import { RELEASE_PROJECT, releaseProgram } from "../release/program";
import { record, Recording } from "./recorder";

/**
 * Records the release of `environment` on top of `baseOutputs`.
 * @param config more `release:*` config (fully qualified keys). @default {}
 */
export async function recordRelease(
  environment: Environment,
  baseOutputs: Record<string, unknown>,
  config: Readonly<Record<string, string>> = {},
): Promise<Recording> {
  const baseStackName = config["release:baseStackName"] || defaultBaseStackName(environment);
  return record(() => releaseProgram(), {
    project: RELEASE_PROJECT,
    stack: environment,
    config,
    stackOutputs: { [baseStackName]: baseOutputs },
  });
}
