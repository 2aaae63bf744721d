/**
 * A rollout world for unit tests: the tenant service over the library's in-memory FakeEngine (no
 * program, no CLI), a registry in a temporary directory, a file store, a health probe whose
 * alarms and unhealthy images a test sets, and a fake clock that sleeps instantly. The engine's
 * health gate is played the way the cloud double and the real provider play it: an update to an
 * image the tenant cannot run fails (ECS never reaches a steady state).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Environment } from "../../../common";
import { loadRegistry, writeSpec } from "../../../tenants/registry";
import { parseTenantSpec, TenantSpec } from "../../../tenants/spec";
import { TenantService } from "../../service";
import { TENANT_CONFIG_KEYS as CONFIG_KEYS } from "../../../tenants/contract";
import { FakeEngine } from "../../testing/fakeEngine";
import { registryWriter } from "../registry";
import { RolloutDeps } from "../runner";
import { FileRolloutStore } from "../state";
import { HealthProbe, serviceTarget } from "../target";

/** A valid spec. */
export function spec(id: string, tier: string, imageTag = "1.0.0"): TenantSpec {
  return parseTenantSpec({
    id,
    displayName: `Tenant ${id}`,
    tier,
    environments: ["staging", "production"],
    owner: "team@example.com",
    costCenter: "cc-1",
    dataClassification: "internal",
    imageTag,
  });
}

/** `deps` whose target runs `before` ahead of each update and `after` once it succeeded. */
export function withUpdateHooks(
  deps: RolloutDeps,
  hooks: { before?: (spec: TenantSpec) => Promise<void>; after?: (spec: TenantSpec) => void },
): RolloutDeps {
  return {
    ...deps,
    target: {
      ...deps.target,
      update: async (spec, env) => {
        await hooks.before?.(spec);
        await deps.target.update(spec, env);
        hooks.after?.(spec);
      },
    },
  };
}

/** The world of one test. */
export interface World {
  readonly dir: string;
  readonly registryDir: string;
  readonly engine: FakeEngine;
  readonly service: TenantService;
  readonly store: FileRolloutStore;
  /** Tenant → images whose deployment never becomes healthy. */
  readonly unhealthy: Map<string, Set<string>>;
  /** Tenant → alarms in ALARM (from `after` ms of fake time on). */
  readonly alarms: Map<string, { name: string; after: number }>;
  /** Fake time in ms since the start. */
  clock: number;
  readonly log: string[];
  deps(overrides?: Partial<RolloutDeps>): RolloutDeps;
  /** The image each tenant's stack last deployed successfully. */
  images(env?: Environment): Record<string, string>;
  registryImages(): Record<string, string>;
  cleanup(): void;
}

/** Onboards `specs` (staging) on a FakeEngine and writes them to a temporary registry. */
export async function createWorld(specs: readonly TenantSpec[]): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-"));
  const registryDir = path.join(dir, "registry");
  const engine = new FakeEngine();
  const unhealthy = new Map<string, Set<string>>();
  const imageOf = (stack: string) => {
    const raw = engine.stacks.get(`tenant/${stack}`)?.config[CONFIG_KEYS.spec]?.value;
    return raw ? (JSON.parse(raw) as TenantSpec).imageTag : undefined;
  };
  engine.behavior = (op, stack) => {
    const tenant = stack.replace(/-(staging|production)$/, "");
    const image = imageOf(stack);
    if (op === "up" && image && unhealthy.get(tenant)?.has(image)) {
      throw new Error(
        `error: ECS service "${tenant}" did not reach a steady state: 0 of 1 tasks became healthy (target group health checks failing)`,
      );
    }
  };
  const service = new TenantService({ engine, program: () => async () => ({}) });
  for (const s of specs) {
    writeSpec(s, registryDir);
    await service.onboard(s, "staging");
  }
  const store = new FileRolloutStore(path.join(dir, "rollouts"));
  const alarms = new Map<string, { name: string; after: number }>();
  const log: string[] = [];
  const world: World = {
    dir,
    registryDir,
    engine,
    service,
    store,
    unhealthy,
    alarms,
    clock: 0,
    log,
    deps(overrides = {}) {
      const probe: HealthProbe = {
        name: "test",
        health: async () => ({ healthy: true, detail: "steady" }),
        alarms: async (tenant) => {
          const a = alarms.get(tenant);
          return a && world.clock >= a.after ? [a.name] : [];
        },
      };
      return {
        target: serviceTarget(service, probe),
        store,
        registry: registryWriter(registryDir, dir),
        now: () => new Date(Date.parse("2026-12-01T09:00:00Z") + world.clock),
        sleep: async (ms) => {
          world.clock += ms;
        },
        pollMs: 1000,
        log: (line) => log.push(line),
        isAlive: () => false,
        ...overrides,
      };
    },
    images(env = "staging") {
      const out: Record<string, string> = {};
      for (const [key, state] of engine.stacks) {
        const stack = key.replace(/^tenant\//, "");
        if (!stack.endsWith(`-${env}`)) {
          continue;
        }
        const last = state.history.find((h) => h.kind === "update" && h.result === "succeeded");
        const raw = last?.config?.[CONFIG_KEYS.spec]?.value;
        out[stack.replace(`-${env}`, "")] = raw ? (JSON.parse(raw) as TenantSpec).imageTag : "?";
      }
      return out;
    },
    registryImages() {
      return Object.fromEntries(loadRegistry(registryDir).map((s) => [s.id, s.imageTag]));
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
  return world;
}
