/**
 * The environments the platform runs in and what differs between them (DESIGN.md, "Environments").
 * Programs, policies and the automation service read this table; nobody restates it.
 */

import { choiceProblem, Problem } from "./problems";

/** Every environment the platform knows, in promotion order. */
export const ENVIRONMENTS = ["staging", "production"] as const;

/** One of {@link ENVIRONMENTS}. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** What an environment decides for every stack deployed into it. */
export interface EnvironmentProfile {
  /** NAT gateways: one shared gateway, or one per availability zone. */
  readonly natGateways: "single" | "perAz";
  /** Whether the shared ALB is fronted by a WAFv2 web ACL with AWS managed rule groups. */
  readonly waf: boolean;
  /** Deletion protection (and final snapshots) on data stores. */
  readonly deletionProtection: boolean;
  /** The minimum CloudWatch Logs retention, in days; tiers may keep logs longer, never shorter. */
  readonly logRetentionFloorDays: number;
  /** Short form used in physical names, where every character counts. */
  readonly shortName: string;
  /**
   * Recovery points of every tier are copied to a second region (`platform:backupCopyRegion`); off,
   * only tiers whose catalog entry asks for it (`offRegionBackupCopy`, enterprise) are copied.
   */
  readonly backupCopyAllTiers: boolean;
  /** An AWS Backup restore-testing plan restores the latest recovery points weekly and validates them. */
  readonly restoreTesting: boolean;
}

/** The environment table. Frozen: a change here is a design change (docs/decisions/). */
export const ENVIRONMENT_PROFILES: Readonly<Record<Environment, EnvironmentProfile>> = Object.freeze({
  staging: Object.freeze({
    natGateways: "single",
    waf: false,
    deletionProtection: false,
    logRetentionFloorDays: 14,
    shortName: "stg",
    backupCopyAllTiers: false,
    restoreTesting: false,
  }),
  production: Object.freeze({
    natGateways: "perAz",
    waf: true,
    deletionProtection: true,
    logRetentionFloorDays: 90,
    shortName: "prd",
    backupCopyAllTiers: true,
    restoreTesting: true,
  }),
});

/**
 * The one check of an environment given by a user: undefined when `value` is one of
 * {@link ENVIRONMENTS}, else `<path>: is required (one of ...)` or `<path>: "<value>" is not one of ...`.
 * @param opts.required an absent value is a problem. @default true
 */
export function environmentProblem(
  path: string,
  value: unknown,
  opts: { required?: boolean } = {},
): Problem | undefined {
  return choiceProblem(path, value, ENVIRONMENTS, opts);
}

/** True when `value` names one of our environments. */
export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * The environment a stack belongs to, from its name: base stacks are named after the environment
 * (`staging`), tenant stacks end with it (`acme-staging`).
 * @throws when the stack name ends with no known environment.
 */
export function environmentOfStack(stackName: string): Environment {
  const env = ENVIRONMENTS.find((e) => stackName === e || stackName.endsWith(`-${e}`));
  if (!env) {
    throw new Error(
      `stack "${stackName}": the name must be an environment (${ENVIRONMENTS.join(", ")}) or end with "-<environment>"`,
    );
  }
  return env;
}

/**
 * CloudWatch Logs accepts only these retention values (days); anything else is rejected by the API.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
