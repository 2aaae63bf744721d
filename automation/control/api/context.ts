/** What the HTTP layer is built from. */
import type { ControlPlane } from "../core";
import type { Metrics } from "../metrics";
import type { ControlRollouts } from "../rollouts";

/** The base stack of an environment, as `GET /v1/environments/{env}` shows it. */
export interface EnvironmentInfo {
  readonly environment: string;
  readonly stack: string;
  readonly outputs: Record<string, unknown>;
  readonly lastUpdate?: { kind: string; result: string; startTime: string; endTime?: string };
}

/** The readiness of the instance: each check's problem, if any. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

/** The HTTP layer's dependencies. */
export interface ApiContext {
  readonly control: ControlPlane;
  readonly metrics: Metrics;
  /** The store and the Pulumi CLI (and whatever else must work before traffic comes). */
  readiness(): Promise<Readiness>;
  /** The base stack of an environment (undefined when it does not exist). */
  environment(env: string): Promise<EnvironmentInfo | undefined>;
  /** How many ingress shards the environment's base stack has (onboarding places tenants on them). */
  ingressShards(env: string): Promise<number>;
  /** Rollouts (absent when the instance has no health probe: the routes answer 503). */
  readonly rollouts?: ControlRollouts;
}
