/**
 * What tells the on-call that a tenant is unwell: alarms on the service's CPU and memory, the ALB's
 * 5xx answers from the tenant's targets and unhealthy targets, all to the base alarm topic; and one
 * CloudWatch dashboard per tenant.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Alarm thresholds. */
export const ALARM_THRESHOLDS = Object.freeze({
  /** Average CPU and memory of the service, percent, for 3 minutes. */
  cpuPercent: 85,
  memoryPercent: 85,
  /** Target 5xx answers in 5 minutes. */
  target5xxCount: 10,
});

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
  /** The tenant's database instance identifier, for the dashboard. */
  readonly databaseIdentifier: string;
  /**
   * The cache's replication group id, when the tenant has one (adds the cache widget).
   * @default undefined: no cache widget
   */
  readonly cacheReplicationGroupId?: string;
}

/** Four alarms and a dashboard. */
export class TenantObservability extends pulumi.ComponentResource {
  public readonly alarms: readonly aws.cloudwatch.MetricAlarm[];
  public readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: TenantObservabilityArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantObservability", name, {}, opts);
    const service = { ClusterName: args.clusterName, ServiceName: args.serviceName };
    const targets = { LoadBalancer: args.albArnSuffix, TargetGroup: args.targetGroupArnSuffix };
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
    const t = ALARM_THRESHOLDS;
    this.alarms = [
      alarm("cpu", `service CPU at or above ${t.cpuPercent}% for 3 minutes`, {
        namespace: "AWS/ECS",
        metricName: "CPUUtilization",
        dimensions: service,
        statistic: "Average",
        period: 60,
        evaluationPeriods: 3,
        threshold: t.cpuPercent,
        treatMissingData: "missing",
      }),
      alarm("memory", `service memory at or above ${t.memoryPercent}% for 3 minutes`, {
        namespace: "AWS/ECS",
        metricName: "MemoryUtilization",
        dimensions: service,
        statistic: "Average",
        period: 60,
        evaluationPeriods: 3,
        threshold: t.memoryPercent,
        treatMissingData: "missing",
      }),
      alarm("5xx", `${t.target5xxCount} or more 5xx answers from the tasks in 5 minutes`, {
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions: targets,
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: t.target5xxCount,
        // No requests means no errors.
        treatMissingData: "notBreaching",
      }),
      alarm("unhealthy-hosts", "at least one unhealthy task behind the ALB for 3 minutes", {
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        dimensions: targets,
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 3,
        threshold: 1,
        treatMissingData: "missing",
      }),
    ];
    this.dashboard = new aws.cloudwatch.Dashboard(
      name,
      { dashboardName: args.dashboardName, dashboardBody: dashboardBody(args) },
      { parent: this },
    );
    this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
  }
}

/** The dashboard's widgets, JSON: service, load balancer, database and cache. */
export function dashboardBody(args: TenantObservabilityArgs): pulumi.Output<string> {
  const widget = (title: string, x: number, y: number, metrics: unknown[][], stat = "Average") => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region: args.region, stat, period: 60, view: "timeSeries", metrics },
  });
  const svc = ["ClusterName", args.clusterName, "ServiceName", args.serviceName];
  const tg = ["LoadBalancer", args.albArnSuffix, "TargetGroup", args.targetGroupArnSuffix];
  const db = ["DBInstanceIdentifier", args.databaseIdentifier];
  const widgets = [
    widget(`${args.tenant}: service CPU and memory (%)`, 0, 0, [
      ["AWS/ECS", "CPUUtilization", ...svc],
      ["AWS/ECS", "MemoryUtilization", ...svc],
    ]),
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
      `${args.tenant}: response time (s)`,
      12,
      6,
      [["AWS/ApplicationELB", "TargetResponseTime", ...tg]],
      "p95",
    ),
    widget(`${args.tenant}: database`, 0, 12, [
      ["AWS/RDS", "CPUUtilization", ...db],
      ["AWS/RDS", "DatabaseConnections", ...db],
      ["AWS/RDS", "FreeStorageSpace", ...db],
    ]),
  ];
  if (args.cacheReplicationGroupId) {
    // ElastiCache reports per node; the first member of a replication group is `<id>-001`.
    const node = ["CacheClusterId", `${args.cacheReplicationGroupId}-001`];
    widgets.push(
      widget(`${args.tenant}: cache (first node)`, 12, 12, [
        ["AWS/ElastiCache", "EngineCPUUtilization", ...node],
        ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", ...node],
      ]),
    );
  }
  return pulumi.jsonStringify({ widgets });
}
