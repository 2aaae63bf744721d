/**
 * Command lines the CLI tests share: a complete, valid `tenant onboard` flag set.
 */

/**
 * The flags of a valid `tenant onboard` (after the tenant id) of a tier in an environment, with
 * `--registry <dir>` last.
 */
export function onboardArgs(tier: string, env: string, registry: string): string[] {
  return [
    "--env",
    env,
    "--tier",
    tier,
    "--owner",
    "team@example.com",
    "--cost-center",
    "cc-1",
    "--data-classification",
    "internal",
    "--image-tag",
    "1.0.0",
    "--registry",
    registry,
  ];
}
