/**
 * What a rollout acts on: the few operations the runner needs, so the runner is tested with a fake
 * and runs for real over the {@link TenantService} and a {@link HealthProbe} of the cloud.
 */
import type { Environment } from "../../common";
import type { TenantSpec } from "../../tenants/spec";
import type { TenantService } from "../service";
import type { RolloutCandidate } from "./plan";

/** A tenant's deployment after an update. */
export interface HealthCheck {
  /** True when the ECS deployment is steady and its tasks healthy. */
  readonly healthy: boolean;
  /** What was seen, for the report (`2 of 2 tasks running, deployment COMPLETED`). */
  readonly detail: string;
}

/** The cloud side of the gate: the ECS deployment and the tenant's CloudWatch alarms. */
export interface HealthProbe {
  /** What the probe reads (`aws`, `double <dir>`, ...), for logs. */
  readonly name: string;
  health(tenant: string, environment: Environment): Promise<HealthCheck>;
  /** The names of the tenant's alarms that are in ALARM now; empty when none. */
  alarms(tenant: string, environment: Environment): Promise<readonly string[]>;
}

/** The operations a rollout runs. */
export interface RolloutTarget {
  /** Every tenant of the registry in `environment`, with the spec its stack was deployed with. */
  candidates(specs: readonly TenantSpec[], environment: Environment): Promise<RolloutCandidate[]>;
  /**
   * Deploys `spec` (an update of the tenant's stack). Resolves once the deployment is steady;
   * rejects when the update or the deployment fails (the tenant program waits for ECS).
   */
  update(spec: TenantSpec, environment: Environment): Promise<void>;
  health(tenant: string, environment: Environment): Promise<HealthCheck>;
  alarms(tenant: string, environment: Environment): Promise<readonly string[]>;
  /**
   * Makes a stack a crashed run left behind updatable again (stale locks, pending operations);
   * called on resume for the tenants that were in flight.
   */
  recover(tenant: string, environment: Environment): Promise<void>;
}

/** The real target: tenant updates through the service, the gate through the probe. */
export function serviceTarget(service: TenantService, probe: HealthProbe): RolloutTarget {
  return {
    async candidates(specs, environment) {
      const inventory = await service.inventory(environment);
      const deployed = new Map(inventory.map((i) => [i.info.tenant, i.deployed]));
      return specs
        .filter((s) => s.environments.includes(environment))
        .map((spec) => {
          const d = deployed.get(spec.id);
          if (!d) {
            return { spec };
          }
          return d.spec ? { spec, deployed: d.spec } : { spec, problem: d.problem ?? "no deployed spec" };
        });
    },
    async update(spec, environment) {
      await service.update(spec, environment);
    },
    health: (tenant, environment) => probe.health(tenant, environment),
    alarms: (tenant, environment) => probe.alarms(tenant, environment),
    async recover(tenant, environment) {
      const status = await service.status(tenant, environment);
      if (status.needsRepair) {
        await service.repair(tenant, environment, { yes: true });
      }
    },
  };
}
