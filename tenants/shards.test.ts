/**
 * Tenants on ingress shards, under mocks with the real programs: the base stack with two shards,
 * tenants placed on each, the rule, the alias record and the ALB alarms on the tenant's own shard;
 * a placement on a shard the base does not have fails before anything is created; and the offline
 * check over such a sharded registry (policies/check/run.ts with a source of these recordings).
 */
import { ingressShardsOf, parseBaseOutputs } from "../common";
import { recordBase } from "../offline/base";
import { one, ofType, Recording } from "../offline/recorder";
import { recordTenant } from "../offline/tenant";
import { runCheck, StackRecording } from "../policies/check/run";
import { derivedListenerPriority } from "./routing";
import { parseTenantSpec, TenantSpec } from "./spec";

const spec = (id: string, extra: Record<string, unknown> = {}): TenantSpec =>
  parseTenantSpec({
    id,
    displayName: id,
    tier: "standard",
    environments: ["production"],
    owner: `team@${id}.example.com`,
    costCenter: "CC-4100",
    dataClassification: "confidential",
    imageTag: "1.4.2",
    ...extra,
  });

const ON_ZERO = spec("acme");
const ON_ONE = spec("globex", { ingressShard: 1, listenerRulePriority: derivedListenerPriority("acme") });

let base: Recording;
const tenants = new Map<string, Recording>();
beforeAll(async () => {
  base = await recordBase("production", { "platform:ingressShards": "2" });
  for (const s of [ON_ZERO, ON_ONE]) {
    tenants.set(s.id, await recordTenant(s, "production", base.outputs));
  }
});

describe("a tenant on its ingress shard", () => {
  it.each([
    ["acme", 0],
    ["globex", 1],
  ])("%s attaches its rule, its alias record and its ALB alarm to shard %i", (id, k) => {
    const shard = ingressShardsOf(parseBaseOutputs("production", base.outputs))[k];
    const rec = tenants.get(id)!;
    const tg = one(rec, "aws:lb/targetGroup:TargetGroup");
    expect(one(rec, "aws:lb/listenerRule:ListenerRule").inputs).toEqual({
      listenerArn: shard.httpsListenerArn,
      // Both at acme's derived priority: unique per listener, and they are on two listeners.
      priority: derivedListenerPriority("acme"),
      conditions: [{ hostHeader: { values: [`${id}.platform.example.com`] } }],
      actions: [{ type: "forward", targetGroupArn: tg.state.arn }],
    });
    expect(one(rec, "aws:route53/record:Record").inputs.aliases).toEqual([
      { name: shard.albDnsName, zoneId: shard.albZoneId, evaluateTargetHealth: true },
    ]);
    const albDimensions = ofType(rec, "aws:cloudwatch/metricAlarm:MetricAlarm")
      .map(
        (a) =>
          a.inputs.dimensions?.LoadBalancer ?? a.inputs.metricQueries?.[0]?.metric?.dimensions?.LoadBalancer,
      )
      .filter((d) => d !== undefined);
    expect(albDimensions.length).toBeGreaterThan(0);
    expect(new Set(albDimensions)).toEqual(new Set([shard.albArnSuffix]));
  });

  it("fails before creating anything when its shard is not one the base stack has", async () => {
    await expect(
      recordTenant(spec("initech", { ingressShard: 2 }), "production", base.outputs),
    ).rejects.toThrow(
      "ingressShard: the tenant is placed on ingress shard 2, but the production base stack has 2 (0 to 1); " +
        "raise platform:ingressShards to at least 3 on the production base stack and run its up, " +
        "or move the tenant (docs/runbooks/move-tenant-shard.md)",
    );
  });
});

describe("the offline check over a sharded registry", () => {
  const source = (recordings: StackRecording[]) => () => recordings;
  const stacks = (): StackRecording[] => [
    { kind: "base", environment: "production", recording: base },
    ...[...tenants].map(([tenant, recording]) => ({
      kind: "tenant" as const,
      environment: "production" as const,
      tenant,
      recording,
    })),
  ];

  it("passes the listener policy on both shards", async () => {
    const report = await runCheck({ environment: "production", source: source(stacks()) });
    expect(report.error).toBeUndefined();
    expect(report.stacks.map((s) => s.stack)).toEqual(["production", "acme-production", "globex-production"]);
    expect(
      report.stacks.flatMap((s) => s.violations).filter((v) => v.policy === "platform-lb-listener-shard"),
    ).toEqual([]);
  });

  it("refuses a stack whose rule is not on the shard its spec places it on", async () => {
    // globex's spec says shard 1; its stack is recorded as if it had been written for shard 0.
    const moved = await recordTenant(
      spec("globex", { listenerRulePriority: 1001 }),
      "production",
      base.outputs,
    );
    const config = { ...moved.config, "tenant:spec": tenants.get("globex")!.config!["tenant:spec"] };
    const report = await runCheck({
      environment: "production",
      source: source([
        { kind: "tenant", environment: "production", tenant: "globex", recording: { ...moved, config } },
      ]),
    });
    expect(
      report.stacks[0].violations
        .filter((v) => v.policy === "platform-lb-listener-shard")
        .map((v) => v.message),
    ).toEqual([
      expect.stringMatching(
        /attaches to listener ".*plat-prd-alb\/.*", not the HTTPS listener of ingress shard 1/,
      ),
      expect.stringMatching(/priority 1001 is not \d+, the priority its spec places it at on shard 1/),
    ]);
  });
});
