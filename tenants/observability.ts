/**
 * What tells the on-call that a tenant is unwell, all to the base alarm topic: the service's CPU and
 * memory, the share of 5xx answers, p99 response time and unhealthy targets behind the ALB; the
 * database's CPU, free storage and connections; the cache's memory and evictions per node. The
 * thresholds are the tier's (common/tiers.ts `alarms`). One CloudWatch dashboard per tenant shows
 * the metrics with the thresholds drawn in, and the alarms' states.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EffectiveSizing } from "../common";

/** The thresholds an observability component needs: the effective sizing's. */
export type AlarmThresholds = EffectiveSizing["alarms"];

/** Arguments of {@link TenantObservability}. */
export interface TenantObservabilityArgs {
  /** Tenant id, for descriptions and the dashboard title. */
  readonly tenant: string;
  /** Physical name of the dashboard. */
  readonly dashboardName: string;
  readonly region: string;
  /** The base stack's alarm topic. */
  readonly alarmTopicArn: string;
  /** Dimensions: the cluster and service, the ALB and the tenant's target group. */
  readonly clusterName: string;
  readonly serviceName: pulumi.Input<string>;
  readonly albArnSuffix: string;
  readonly targetGroupArnSuffix: pulumi.Input<string>;
  /** The tenant's database instance identifier. */
  readonly databaseIdentifier: string;
  /** The tier's thresholds with the sizing applied. */
  readonly thresholds: AlarmThresholds;
  /**
   * The cache, when the tenant has one: its replication group id and its number of nodes (the
   * members are `<id>-001`, `<id>-002`, ...; ElastiCache reports memory and evictions per node).
   * @default undefined: no cache alarms or widget
   */
  readonly cache?: { readonly replicationGroupId: string; readonly nodes: number };
}

/** One alarm as the dashboard draws it: where its line goes and what it watches. */
interface AlarmLine {
  readonly alarm: aws.cloudwatch.MetricAlarm;
  readonly label: string;
  readonly value: number;
}

/** The ids of a replication group's members, in order (`<id>-001`, ...). */
export function cacheNodeIds(replicationGroupId: string, nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `${replicationGroupId}-${String(i + 1).padStart(3, "0")}`);
}

/** The tenant's alarms and dashboard. */
export class TenantObservability extends pulumi.ComponentResource {
  public readonly alarms: readonly aws.cloudwatch.MetricAlarm[];
  public readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: TenantObservabilityArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantObservability", name, {}, opts);
    const lines = this.createAlarms(name, args);
    this.alarms = Object.values(lines)
      .flat()
      .map((l) => l.alarm);
    this.dashboard = new aws.cloudwatch.Dashboard(
      name,
      { dashboardName: args.dashboardName, dashboardBody: dashboardBody(args, this.alarms) },
      { parent: this },
    );
    this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
  }

  private createAlarms(name: string, args: TenantObservabilityArgs): Record<string, AlarmLine[]> {
    const t = args.thresholds;
    const service = { ClusterName: args.clusterName, ServiceName: args.serviceName };
    const targets = { LoadBalancer: args.albArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    const db = { DBInstanceIdentifier: args.databaseIdentifier };
    const alarm = (role: string, what: string, a: Partial<aws.cloudwatch.MetricAlarmArgs>) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${role}`,
        {
          alarmDescription: `Tenant ${args.tenant}: ${what}`,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
          ...(a as aws.cloudwatch.MetricAlarmArgs),
        },
        { parent: this },
      );
    const line = (alarm: aws.cloudwatch.MetricAlarm, label: string, value: number): AlarmLine => ({
      alarm,
      label,
      value,
    });
    const every = (namespace: string, metricName: string, dimensions: object, statistic: string) => ({
      namespace,
      metricName,
      dimensions: dimensions as Record<string, pulumi.Input<string>>,
      statistic,
    });
    const cache = args.cache
      ? cacheNodeIds(args.cache.replicationGroupId, args.cache.nodes).flatMap((node, i) => {
          const dims = { CacheClusterId: node };
          return [
            line(
              alarm(
                `cache-memory-${i + 1}`,
                `cache node ${node} memory at or above ${t.cacheMemoryPercent}%`,
                {
                  ...every("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims, "Average"),
                  period: 300,
                  evaluationPeriods: 2,
                  threshold: t.cacheMemoryPercent,
                  treatMissingData: "missing",
                },
              ),
              `memory ${node}`,
              t.cacheMemoryPercent,
            ),
            line(
              alarm(
                `cache-evictions-${i + 1}`,
                `${t.cacheEvictions} or more keys evicted from cache node ${node} in 5 minutes`,
                {
                  ...every("AWS/ElastiCache", "Evictions", dims, "Sum"),
                  period: 300,
                  evaluationPeriods: 1,
                  threshold: t.cacheEvictions,
                  treatMissingData: "notBreaching",
                },
              ),
              `evictions ${node}`,
              t.cacheEvictions,
            ),
          ];
        })
      : [];
    return {
      service: [
        line(
          alarm("cpu", `service CPU at or above ${t.cpuPercent}% for 3 minutes`, {
            ...every("AWS/ECS", "CPUUtilization", service, "Average"),
            period: 60,
            evaluationPeriods: 3,
            threshold: t.cpuPercent,
            treatMissingData: "missing",
          }),
          "CPU",
          t.cpuPercent,
        ),
        line(
          alarm("memory", `service memory at or above ${t.memoryPercent}% for 3 minutes`, {
            ...every("AWS/ECS", "MemoryUtilization", service, "Average"),
            period: 60,
            evaluationPeriods: 3,
            threshold: t.memoryPercent,
            treatMissingData: "missing",
          }),
          "memory",
          t.memoryPercent,
        ),
      ],
      requests: [
        line(
          alarm(
            "5xx-rate",
            `${t.target5xxRatePercent}% or more of the requests answered 5xx by the tasks in 5 minutes ` +
              `(counted from ${t.target5xxMinRequests} requests)`,
            {
              // A rate, not a count: 10 errors are nothing at 100,000 requests and an outage at 12.
              metricQueries: [
                {
                  id: "errors",
                  metric: {
                    namespace: "AWS/ApplicationELB",
                    metricName: "HTTPCode_Target_5XX_Count",
                    dimensions: targets,
                    stat: "Sum",
                    period: 300,
                  },
                  returnData: false,
                },
                {
                  id: "requests",
                  metric: {
                    namespace: "AWS/ApplicationELB",
                    metricName: "RequestCount",
                    dimensions: targets,
                    stat: "Sum",
                    period: 300,
                  },
                  returnData: false,
                },
                {
                  id: "rate",
                  label: "5xx answers, % of requests",
                  expression: `IF(requests >= ${t.target5xxMinRequests}, 100 * FILL(errors, 0) / requests, 0)`,
                  returnData: true,
                },
              ],
              evaluationPeriods: 1,
              threshold: t.target5xxRatePercent,
              // No requests means no errors.
              treatMissingData: "notBreaching",
            },
          ),
          "5xx %",
          t.target5xxRatePercent,
        ),
        line(
          alarm("p99-latency", `p99 response time at or above ${t.p99ResponseTimeSeconds} s for 15 minutes`, {
            namespace: "AWS/ApplicationELB",
            metricName: "TargetResponseTime",
            dimensions: targets,
            extendedStatistic: "p99",
            period: 300,
            evaluationPeriods: 3,
            threshold: t.p99ResponseTimeSeconds,
            treatMissingData: "notBreaching",
          }),
          "p99 s",
          t.p99ResponseTimeSeconds,
        ),
        line(
          alarm("unhealthy-hosts", "at least one unhealthy task behind the ALB for 3 minutes", {
            ...every("AWS/ApplicationELB", "UnHealthyHostCount", targets, "Maximum"),
            period: 60,
            evaluationPeriods: 3,
            threshold: 1,
            treatMissingData: "missing",
          }),
          "unhealthy",
          1,
        ),
      ],
      database: [
        line(
          alarm("db-cpu", `database CPU at or above ${t.dbCpuPercent}% for 15 minutes`, {
            ...every("AWS/RDS", "CPUUtilization", db, "Average"),
            period: 300,
            evaluationPeriods: 3,
            threshold: t.dbCpuPercent,
            treatMissingData: "missing",
          }),
          "CPU %",
          t.dbCpuPercent,
        ),
        line(
          alarm(
            "db-free-storage",
            `database free storage below ${t.dbFreeStoragePercent}% of the allocated storage (${t.dbFreeStorageBytes} bytes)`,
            {
              ...every("AWS/RDS", "FreeStorageSpace", db, "Minimum"),
              comparisonOperator: "LessThanThreshold",
              period: 300,
              evaluationPeriods: 1,
              threshold: t.dbFreeStorageBytes,
              treatMissingData: "missing",
            },
          ),
          "free bytes",
          t.dbFreeStorageBytes,
        ),
        line(
          alarm(
            "db-connections",
            `${t.dbConnections} or more database connections (${t.dbConnectionsPercent}% of max_connections) for 10 minutes`,
            {
              ...every("AWS/RDS", "DatabaseConnections", db, "Maximum"),
              period: 300,
              evaluationPeriods: 2,
              threshold: t.dbConnections,
              treatMissingData: "missing",
            },
          ),
          "connections",
          t.dbConnections,
        ),
      ],
      cache,
    };
  }
}

/**
 * The dashboard's widgets, JSON: service, requests and errors, response time, targets, database and
 * cache, each with the alarm thresholds drawn as horizontal lines, and one widget with every alarm's
 * state.
 */
export function dashboardBody(
  args: TenantObservabilityArgs,
  alarms: readonly aws.cloudwatch.MetricAlarm[] = [],
): pulumi.Output<string> {
  const t = args.thresholds;
  const widget = (
    title: string,
    x: number,
    y: number,
    metrics: unknown[][],
    stat = "Average",
    lines: [string, number][] = [],
  ) => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: {
      title,
      region: args.region,
      stat,
      period: 60,
      view: "timeSeries",
      metrics,
      ...(lines.length > 0
        ? {
            annotations: { horizontal: lines.map(([label, value]) => ({ label: `alarm: ${label}`, value })) },
          }
        : {}),
    },
  });
  const svc = ["ClusterName", args.clusterName, "ServiceName", args.serviceName];
  const tg = ["LoadBalancer", args.albArnSuffix, "TargetGroup", args.targetGroupArnSuffix];
  const db = ["DBInstanceIdentifier", args.databaseIdentifier];
  const widgets: unknown[] = [
    widget(
      `${args.tenant}: service CPU and memory (%)`,
      0,
      0,
      [
        ["AWS/ECS", "CPUUtilization", ...svc],
        ["AWS/ECS", "MemoryUtilization", ...svc],
      ],
      "Average",
      [
        ["CPU", t.cpuPercent],
        ["memory", t.memoryPercent],
      ],
    ),
    widget(
      `${args.tenant}: requests and errors`,
      12,
      0,
      [
        ["AWS/ApplicationELB", "RequestCount", ...tg],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...tg],
        ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", ...tg],
      ],
      "Sum",
    ),
    widget(`${args.tenant}: healthy and unhealthy tasks`, 0, 6, [
      ["AWS/ApplicationELB", "HealthyHostCount", ...tg],
      ["AWS/ApplicationELB", "UnHealthyHostCount", ...tg],
    ]),
    widget(
      `${args.tenant}: response time, p99 (s)`,
      12,
      6,
      [["AWS/ApplicationELB", "TargetResponseTime", ...tg]],
      "p99",
      [["p99", t.p99ResponseTimeSeconds]],
    ),
    widget(
      `${args.tenant}: database CPU (%) and connections`,
      0,
      12,
      [
        ["AWS/RDS", "CPUUtilization", ...db],
        ["AWS/RDS", "DatabaseConnections", ...db],
      ],
      "Average",
      [
        ["CPU", t.dbCpuPercent],
        ["connections", t.dbConnections],
      ],
    ),
    widget(
      `${args.tenant}: database free storage (bytes)`,
      12,
      12,
      [["AWS/RDS", "FreeStorageSpace", ...db]],
      "Minimum",
      [["free storage", t.dbFreeStorageBytes]],
    ),
  ];
  if (args.cache) {
    const nodes = cacheNodeIds(args.cache.replicationGroupId, args.cache.nodes);
    widgets.push(
      widget(
        `${args.tenant}: cache memory (%)`,
        0,
        18,
        nodes.map((node) => ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", node]),
        "Average",
        [["memory", t.cacheMemoryPercent]],
      ),
      widget(
        `${args.tenant}: cache evictions`,
        12,
        18,
        nodes.map((node) => ["AWS/ElastiCache", "Evictions", "CacheClusterId", node]),
        "Sum",
        [["evictions", t.cacheEvictions]],
      ),
    );
  }
  if (alarms.length > 0) {
    widgets.push({
      type: "alarm",
      x: 0,
      y: 24,
      width: 24,
      height: 4,
      properties: { title: `${args.tenant}: alarms`, alarms: alarms.map((a) => a.arn) },
    });
  }
  return pulumi.jsonStringify({ widgets });
}
