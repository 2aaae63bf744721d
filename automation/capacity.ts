/**
 * Capacity: what the registry needs of an environment's AWS account, against the account's
 * quotas (common/quotas.ts: AWS defaults, raised values from `platform:quotas`).
 *
 * Counts come from the real programs, not from a second model of them: the base stack and one
 * tenant of each tier present are recorded under Pulumi's mocks (offline/), and each tenant counts
 * as its tier's recording. What varies inside a tier (task count and size, cache nodes) comes from
 * each spec's effective sizing (common/tiers.ts). The result is data; the CLI renders it.
 */
import {
  effectiveSizing,
  Environment,
  formatProblems,
  ingressPlacement,
  QUOTAS,
  QuotaDefinition,
  QuotaOverrides,
  parseQuotaOverrides,
  Tier,
  TIER_NAMES,
} from "../common";
import { DEFAULT_BASE_CONFIG, recordBase } from "../offline/base";
import type { RecordedResource, Recording } from "../offline/recorder";
import { recordTenant } from "../offline/tenant";
import type { TenantSpec } from "../tenants/spec";

/** Above this share of a quota a row is `near`: time to ask for more. */
export const NEAR_PERCENT = 80;

/** How one quota fares. */
export type CapacityStatus = "ok" | "near" | "exceeded";

/** One quota against what the environment needs of it. */
export interface CapacityRow {
  readonly quota: QuotaDefinition;
  /** What the base stack and the registry's tenants need. */
  readonly needed: number;
  /** The quota that applies: the raised value from `platform:quotas`, else AWS's default. */
  readonly limit: number;
  /** True when {@link limit} is a raised value. */
  readonly raised: boolean;
  /** `limit - needed`; negative when exceeded. */
  readonly headroom: number;
  readonly status: CapacityStatus;
  /** How {@link needed} is made up, for people. */
  readonly detail: string;
  /**
   * For an adjustable quota that is exceeded or near: the value to request, enough for what is
   * needed plus a fifth.
   */
  readonly requestAtLeast?: number;
}

/** What `npm run capacity` reports for one environment. */
export interface CapacityReport {
  readonly environment: Environment;
  /** Tenants of the registry deployed in this environment, by tier. */
  readonly tenants: Readonly<Record<Tier, number>>;
  readonly rows: readonly CapacityRow[];
  /** True when any quota is exceeded (the CLI exits 1). */
  readonly exceeded: boolean;
  /** What the figures assume, printed with them. */
  readonly assumptions: readonly string[];
}

/** What {@link capacityReport} works from. */
export interface CapacityInput {
  readonly environment: Environment;
  /** The registry's specs (all of them; those not deployed in the environment are left out). */
  readonly specs: readonly TenantSpec[];
  /**
   * The base stack's config, fully qualified keys.
   * @default DEFAULT_BASE_CONFIG[environment] (Pulumi.yaml and Pulumi.<env>.yaml)
   */
  readonly baseConfig?: Readonly<Record<string, string>>;
}

/** Resource counts and the shapes capacity needs from one recording. */
interface StackShape {
  readonly byType: ReadonlyMap<string, number>;
  /** Security group ids the stack creates. */
  readonly ownGroups: ReadonlySet<string>;
  /** Rules per (group id, direction) the stack adds. */
  readonly rules: ReadonlyMap<string, number>;
  /** ENIs the stack's fixed resources hold (endpoints, NAT, load balancers). */
  readonly fixedEnis: number;
  /** Secrets RDS creates itself (`manageMasterUserPassword`). */
  readonly managedSecrets: number;
}

const T = {
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  rds: "aws:rds/instance:Instance",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  legacyRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  kmsKey: "aws:kms/key:Key",
  secret: "aws:secretsmanager/secret:Secret",
  role: "aws:iam/role:Role",
  buckets: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
} as const;

function shapeOf(recording: Recording): StackShape {
  // Quotas are per region: a resource that names another region (the base stack's backup copy
  // vault and its key, in platform:backupCopyRegion) counts against that region's, not this one's.
  const home = recording.resources.find((r) => r.type === "pulumi:providers:aws")?.inputs.region;
  const custom = recording.resources.filter(
    (r) => r.custom && !r.read && (r.inputs.region === undefined || r.inputs.region === home),
  );
  const byType = new Map<string, number>();
  for (const r of custom) {
    byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  }
  const ownGroups = new Set(custom.filter((r) => r.type === T.securityGroup).map((r) => String(r.state.id)));
  const rules = new Map<string, number>();
  const addRule = (group: unknown, direction: string, n = 1) => {
    if (typeof group === "string" && group !== "") {
      rules.set(`${group} ${direction}`, (rules.get(`${group} ${direction}`) ?? 0) + n);
    }
  };
  for (const r of custom) {
    if (r.type === T.ingressRule) {
      addRule(r.inputs.securityGroupId, "ingress");
    } else if (r.type === T.egressRule) {
      addRule(r.inputs.securityGroupId, "egress");
    } else if (r.type === T.legacyRule) {
      addRule(r.inputs.securityGroupId, String(r.inputs.type));
    } else if (r.type === T.securityGroup) {
      addRule(r.state.id, "ingress", (r.inputs.ingress ?? []).length);
      addRule(r.state.id, "egress", (r.inputs.egress ?? []).length);
    }
  }
  const subnetsOf = (r: RecordedResource) =>
    ((r.inputs.subnetIds ?? r.inputs.subnets ?? []) as unknown[]).length || 1;
  const fixedEnis =
    custom
      .filter((r) => r.type === T.endpoint && r.inputs.vpcEndpointType === "Interface")
      .reduce((n, r) => n + subnetsOf(r), 0) +
    custom.filter((r) => r.type === T.loadBalancer).reduce((n, r) => n + subnetsOf(r), 0) +
    (byType.get(T.nat) ?? 0);
  const managedSecrets = custom.filter(
    (r) => r.type === T.rds && r.inputs.manageMasterUserPassword === true,
  ).length;
  return { byType, ownGroups, rules, fixedEnis, managedSecrets };
}

const count = (shape: StackShape, ...types: string[]) =>
  types.reduce((n, t) => n + (shape.byType.get(t) ?? 0), 0);

/**
 * Compares what the base stack and the registry's tenants of `environment` need with the quotas.
 * Records the base stack and one tenant per tier present (a few seconds, whatever the registry's
 * size).
 * @throws what the programs throw on an invalid config or spec, and on invalid `platform:quotas`.
 */
export async function capacityReport(input: CapacityInput): Promise<CapacityReport> {
  const { environment } = input;
  const baseConfig = input.baseConfig ?? DEFAULT_BASE_CONFIG[environment];
  const { overrides, problems } = parseQuotaOverrides(baseConfig["platform:quotas"]);
  if (problems.length > 0) {
    throw new Error(formatProblems(`invalid platform:quotas of ${environment}`, problems));
  }
  const specs = input.specs.filter((s) => s.environments.includes(environment));
  const base = await recordBase(environment, { ...baseConfig });
  const baseShape = shapeOf(base);
  const tierShapes = new Map<Tier, StackShape>();
  for (const tier of TIER_NAMES) {
    const representative = specs.find((s) => s.tier === tier);
    if (representative) {
      tierShapes.set(tier, shapeOf(await recordTenant(representative, environment, base.outputs)));
    }
  }
  const tenants = Object.fromEntries(
    TIER_NAMES.map((t) => [t, specs.filter((s) => s.tier === t).length]),
  ) as Record<Tier, number>;
  const perTenant = (f: (shape: StackShape) => number) =>
    specs.reduce((n, s) => n + f(tierShapes.get(s.tier)!), 0);
  const total = (...types: string[]) => count(baseShape, ...types) + perTenant((s) => count(s, ...types));

  const sizing = specs.map((s) => effectiveSizing(s, environment));
  const vcpus = sizing.reduce((n, z) => n + (z.task.maxCount * z.task.cpu) / 1024, 0);
  const cacheNodes = sizing.reduce((n, z) => n + (z.cache.enabled ? z.cache.numCacheClusters : 0), 0);
  const taskEnis = sizing.reduce((n, z) => n + z.task.maxCount, 0);
  const dbEnis = sizing.reduce((n, z) => n + (z.database.multiAz ? 2 : 1), 0);

  // Rules per group: a tenant's rules on its own groups count once (every tenant has its own);
  // rules it adds to a shared group of the base stack add up over the tenants.
  const rulesPerGroup = new Map<string, number>(baseShape.rules);
  let ownMax = 0;
  for (const spec of specs) {
    const shape = tierShapes.get(spec.tier)!;
    for (const [key, n] of shape.rules) {
      const group = key.split(" ")[0];
      if (shape.ownGroups.has(group)) {
        ownMax = Math.max(ownMax, n);
      } else {
        rulesPerGroup.set(key, (rulesPerGroup.get(key) ?? 0) + n);
      }
    }
  }
  const maxRules = Math.max(ownMax, 0, ...rulesPerGroup.values());

  // Per ALB: each tenant's target groups and rules sit on its own shard (common/ingress.ts), so
  // the busiest shard is what the per-ALB quotas bind.
  const albs = count(baseShape, T.loadBalancer) || 1;
  const perShard = (f: (shape: StackShape) => number) => {
    const loads = new Array<number>(albs).fill(0);
    for (const spec of specs) {
      const shard = Math.min(ingressPlacement(spec).shard, albs - 1);
      loads[shard] += f(tierShapes.get(spec.tier)!);
    }
    const busiest = loads.indexOf(Math.max(...loads));
    return { needed: loads[busiest], busiest };
  };
  const tgs = perShard((s) => count(s, T.targetGroup));
  const rules = perShard((s) => count(s, T.listenerRule));
  const needs: Record<string, { needed: number; detail: string }> = {
    albTargetGroupsPerAlb: {
      needed: tgs.needed,
      detail: `${total(T.targetGroup)} target groups over ${albs} ALB(s) (ingress shards), one per tenant; the busiest is shard ${tgs.busiest}`,
    },
    albRulesPerAlb: {
      needed: rules.needed,
      detail: `${total(T.listenerRule)} listener rules over ${albs} ALB(s); the busiest is shard ${rules.busiest}`,
    },
    albsPerRegion: { needed: total(T.loadBalancer), detail: "the base stack's ingress" },
    rdsInstances: { needed: total(T.rds), detail: "one database per tenant" },
    elasticacheNodes: { needed: cacheNodes, detail: "primary and replicas of each tenant cache" },
    securityGroups: {
      needed: total(T.securityGroup) + 1,
      detail: "the stacks' groups plus the VPC's default group",
    },
    rulesPerSecurityGroup: { needed: maxRules, detail: "the busiest group, one direction" },
    fargateVcpus: {
      needed: Math.ceil(vcpus),
      detail: "every tenant at its autoscaling maximum (a deployment briefly runs up to twice that)",
    },
    networkInterfaces: {
      needed: baseShape.fixedEnis + perTenant((s) => s.fixedEnis) + taskEnis + dbEnis + cacheNodes,
      detail:
        "one per Fargate task at maximum, database (two Multi-AZ), cache node, endpoint subnet, NAT, ALB subnet",
    },
    elasticIps: { needed: total(T.eip), detail: "NAT gateways" },
    kmsKeys: { needed: total(T.kmsKey), detail: "platform key and dedicated tenant keys" },
    secrets: {
      needed: total(T.secret) + baseShape.managedSecrets + perTenant((s) => s.managedSecrets),
      detail: "tenant secrets, including those RDS manages",
    },
    iamRoles: { needed: total(T.role), detail: "task, execution and service roles" },
    s3Buckets: { needed: total(...T.buckets), detail: "log and tenant buckets" },
  };
  const rows = QUOTAS.map((quota) => row(quota, needs[quota.id], overrides));
  return {
    environment,
    tenants,
    rows,
    exceeded: rows.some((r) => r.status === "exceeded"),
    assumptions: [
      `the ${environment} stacks have an AWS account and region to themselves; if staging and production share one, add both reports`,
      "each tenant counts as the recording of one tenant of its tier; sizes come from each spec",
      `near means above ${NEAR_PERCENT}% of the quota`,
    ],
  };
}

function row(
  quota: QuotaDefinition,
  need: { needed: number; detail: string },
  overrides: QuotaOverrides,
): CapacityRow {
  const raised = overrides[quota.id] !== undefined;
  const limit = overrides[quota.id] ?? quota.default;
  const status: CapacityStatus =
    need.needed > limit ? "exceeded" : need.needed * 100 > limit * NEAR_PERCENT ? "near" : "ok";
  return {
    quota,
    needed: need.needed,
    limit,
    raised,
    headroom: limit - need.needed,
    status,
    detail: need.detail,
    ...(status !== "ok" && quota.adjustable ? { requestAtLeast: Math.ceil(need.needed * 1.2) } : {}),
  };
}
