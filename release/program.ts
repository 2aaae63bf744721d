/**
 * The release program: builds the tenant application image from `app/` (its multi-stage
 * Dockerfile) for `linux/amd64`, the architecture of the tenants' Fargate tasks, pushes it to the
 * base stack's ECR repository with credentials from `aws.ecr.getAuthorizationToken`, and exports
 * the image digest, which names the release (`fleet rollout --image <digest>`).
 *
 * It uses `@pulumi/docker-build` (`docker-build:index:Image`, BuildKit/buildx) rather than
 * `@pulumi/docker`'s `Image`: it exports the pushed `digest` directly, builds for an explicit list of
 * platforms, takes registry credentials per build, and is the image resource Pulumi maintains for
 * new programs (docs/decisions/0006-release-with-docker-build.md).
 */
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { defaultBaseStackName, Environment, ENVIRONMENTS, isEnvironment, parseBaseOutputs } from "../common";
import { IMAGE_TAG_PATTERN } from "../tenants/spec";

/** The Pulumi project of the release stacks. */
export const RELEASE_PROJECT = "release";

/** The platform every release is built for: the tenants' Fargate tasks run on x86_64. */
export const RELEASE_PLATFORM = "linux/amd64";

/** The application's directory in this repository. */
export const APP_DIR = path.resolve(__dirname, "..", "app");

/** The release's settings, from config, validated once. */
export interface ReleaseSettings {
  readonly environment: Environment;
  readonly baseStackName: string;
  /** The image tag. */
  readonly version: string;
  /** The build context, an absolute path. */
  readonly context: string;
}

/** The outputs of a release stack. */
export interface ReleaseOutputs {
  /** `sha256:<64 hex>`: the release's name. */
  readonly digest: pulumi.Output<string>;
  /** `<repository>:<version>@<digest>`. */
  readonly ref: pulumi.Output<string>;
  readonly repositoryUrl: pulumi.Output<string>;
  readonly version: string;
  readonly platform: string;
}

/**
 * Reads and checks the config of the current stack (the stack name is the environment).
 * @throws naming each bad setting, its value and what is allowed, before any resource exists.
 */
export function loadReleaseSettings(): ReleaseSettings {
  const stack = pulumi.getStack();
  const config = new pulumi.Config("release");
  const problems: string[] = [];
  if (!isEnvironment(stack)) {
    problems.push(
      `stack: ${JSON.stringify(stack)} is not one of ${ENVIRONMENTS.join(", ")} (the stack is named after the environment)`,
    );
  }
  const context = path.resolve(__dirname, config.get("context") || path.relative(__dirname, APP_DIR));
  const version = config.get("version") || appVersion(context);
  if (!IMAGE_TAG_PATTERN.test(version) || version.startsWith("sha256:")) {
    problems.push(
      `release:version: ${JSON.stringify(version)} is not a release tag such as 1.4.2 or v2.0.0-rc.1 ` +
        `(the repository's tags are immutable: each build needs a new one)`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`invalid release config:\n  - ${problems.join("\n  - ")}`);
  }
  const environment = stack as Environment;
  return Object.freeze({
    environment,
    baseStackName: config.get("baseStackName") || defaultBaseStackName(environment),
    version,
    context,
  });
}

/** `version` of the context's package.json, or "" when it has none. */
function appVersion(context: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return String(require(path.join(context, "package.json")).version ?? "");
  } catch {
    return "";
  }
}

/** The ECR registry host of a repository URL: `<account>.dkr.ecr.<region>.amazonaws.com`. */
export function registryHost(repositoryUrl: string): string {
  return repositoryUrl.split("/")[0];
}

/** The release program `pulumi up` runs: settings, then {@link createRelease}. */
export function releaseProgram(): ReleaseOutputs {
  return createRelease(loadReleaseSettings());
}

/** Builds and pushes the image of `settings` to the base stack's repository. */
export function createRelease(settings: ReleaseSettings): ReleaseOutputs {
  const base = new pulumi.StackReference(settings.baseStackName);
  const outputs = base.outputs.apply((raw) => parseBaseOutputs(settings.baseStackName, raw));
  const provider = new aws.Provider("aws", { region: outputs.region as pulumi.Output<aws.Region> });
  const repositoryUrl = outputs.ecrRepositoryUrl;
  const registryId = repositoryUrl.apply((url) => registryHost(url).split(".")[0]);
  // A token valid for 12 hours, read at every run; its password is a secret in the state.
  const token = aws.ecr.getAuthorizationTokenOutput({ registryId }, { provider });
  const image = new dockerBuild.Image("app", {
    context: { location: settings.context },
    dockerfile: { location: path.join(settings.context, "Dockerfile") },
    platforms: [RELEASE_PLATFORM],
    buildArgs: { APP_VERSION: settings.version },
    push: true,
    tags: [pulumi.interpolate`${repositoryUrl}:${settings.version}`],
    registries: [
      {
        address: repositoryUrl.apply(registryHost),
        username: token.userName,
        password: pulumi.secret(token.password),
      },
    ],
  });
  return {
    digest: image.digest,
    ref: image.ref,
    repositoryUrl,
    version: settings.version,
    platform: RELEASE_PLATFORM,
  };
}
