/**
 * The tenant's application: a Fargate service in the base cluster behind the shared ALB, reached at
 * the tenant's own host name, scaled between the tier's bounds.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TaskProfile } from "../common";

/** The application's port and health check, the same for every tenant (one image). */
export const APP_PORT = 8080;
export const HEALTH_CHECK_PATH = "/healthz";
/** The container's name in the task definition. */
export const CONTAINER_NAME = "app";
/** The non-root user the container runs as (uid:gid). */
export const APP_USER = "1000:1000";

/** A secret handed to the container: an environment variable filled from Secrets Manager at start. */
export interface ContainerSecret {
  readonly name: string;
  /** A secret ARN, or `<arn>:<json key>::` for one field of a JSON secret. */
  readonly valueFrom: pulumi.Input<string>;
}

/** Arguments of {@link TenantService}. */
export interface TenantServiceArgs {
  /** Tenant id: log stream prefix and container environment. */
  readonly tenant: string;
  /** Physical names: ECS service (also the task family) and target group (at most 32 characters). */
  readonly serviceName: string;
  readonly targetGroupName: string;
  /** Task size and counts (tier and overrides). */
  readonly task: TaskProfile;
  /** Image reference: `<repository url>:<tag>` or `<repository url>@sha256:...`. */
  readonly image: string;
  /** The host the tenant is served on, and the listener rule's priority. */
  readonly hostname: string;
  readonly listenerPriority: number;
  /** From the base stack. */
  readonly region: string;
  readonly vpcId: string;
  readonly privateSubnetIds: readonly string[];
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly httpsListenerArn: string;
  readonly hostedZoneId: string;
  readonly albDnsName: string;
  readonly albZoneId: string;
  /** The tenant's service security group, roles and log group. */
  readonly securityGroupId: pulumi.Input<string>;
  readonly taskRoleArn: pulumi.Input<string>;
  readonly executionRoleArn: pulumi.Input<string>;
  readonly logGroupName: pulumi.Input<string>;
  /** Plain (non-secret) environment variables. */
  readonly environmentVariables: Readonly<Record<string, pulumi.Input<string>>>;
  /** Secrets, resolved by ECS from Secrets Manager; never plain environment values. */
  readonly secrets: readonly ContainerSecret[];
  /**
   * Seconds the ALB health check is ignored after a task starts.
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * Autoscaling target: average CPU utilization, percent.
   * @default 60
   */
  readonly cpuTargetPercent?: number;
  /**
   * Autoscaling target: average memory utilization, percent.
   * @default 70
   */
  readonly memoryTargetPercent?: number;
}

/** Target group, listener rule, DNS record, task definition, service and autoscaling. */
export class TenantService extends pulumi.ComponentResource {
  public readonly targetGroup: aws.lb.TargetGroup;
  public readonly service: aws.ecs.Service;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  /** The ECS service's name and the target group's ARN suffix (CloudWatch dimensions). */
  public readonly serviceName: pulumi.Output<string>;
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** `https://<hostname>`. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: TenantServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantService", name, {}, opts);
    this.targetGroup = new aws.lb.TargetGroup(
      name,
      {
        name: args.targetGroupName,
        port: APP_PORT,
        protocol: "HTTP",
        // awsvpc tasks register by IP address.
        targetType: "ip",
        vpcId: args.vpcId,
        deregistrationDelay: 30,
        healthCheck: {
          enabled: true,
          path: HEALTH_CHECK_PATH,
          protocol: "HTTP",
          matcher: "200-399",
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      },
      { parent: this },
    );
    const rule = new aws.lb.ListenerRule(
      name,
      {
        listenerArn: args.httpsListenerArn,
        priority: args.listenerPriority,
        conditions: [{ hostHeader: { values: [args.hostname] } }],
        actions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      },
      { parent: this },
    );
    new aws.route53.Record(
      name,
      {
        zoneId: args.hostedZoneId,
        name: args.hostname,
        type: "A",
        aliases: [{ name: args.albDnsName, zoneId: args.albZoneId, evaluateTargetHealth: true }],
      },
      { parent: this },
    );
    this.taskDefinition = this.createTaskDefinition(name, args);
    this.service = new aws.ecs.Service(
      name,
      {
        name: args.serviceName,
        cluster: args.clusterArn,
        taskDefinition: this.taskDefinition.arn,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        desiredCount: args.task.desiredCount,
        networkConfiguration: {
          subnets: [...args.privateSubnetIds],
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        loadBalancers: [
          { targetGroupArn: this.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: APP_PORT },
        ],
        healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? 60,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
      },
      {
        parent: this,
        // ECS refuses a target group that no listener uses yet.
        dependsOn: [rule],
        // Autoscaling owns the running count once the service exists.
        ignoreChanges: ["desiredCount"],
      },
    );
    this.createAutoscaling(name, args);
    this.serviceName = this.service.name;
    this.targetGroupArnSuffix = this.targetGroup.arnSuffix;
    this.url = pulumi.output(`https://${args.hostname}`);
    this.registerOutputs({
      url: this.url,
      serviceName: this.serviceName,
      targetGroupArnSuffix: this.targetGroupArnSuffix,
    });
  }

  private createTaskDefinition(name: string, args: TenantServiceArgs): aws.ecs.TaskDefinition {
    const containerDefinitions = pulumi.jsonStringify([
      {
        name: CONTAINER_NAME,
        image: args.image,
        essential: true,
        user: APP_USER,
        readonlyRootFilesystem: true,
        portMappings: [{ containerPort: APP_PORT, protocol: "tcp" }],
        environment: Object.entries(args.environmentVariables)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => ({ name: key, value })),
        secrets: args.secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom })),
        // The root file system is read-only; the app gets a writable scratch directory.
        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
        linuxParameters: { initProcessEnabled: true },
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": args.logGroupName,
            "awslogs-region": args.region,
            "awslogs-stream-prefix": args.tenant,
          },
        },
      },
    ]);
    return new aws.ecs.TaskDefinition(
      name,
      {
        family: args.serviceName,
        cpu: String(args.task.cpu),
        memory: String(args.task.memory),
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: args.executionRoleArn,
        taskRoleArn: args.taskRoleArn,
        volumes: [{ name: "tmp" }],
        containerDefinitions,
      },
      { parent: this },
    );
  }

  private createAutoscaling(name: string, args: TenantServiceArgs): void {
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${args.clusterName}/${this.service.name}`,
        minCapacity: args.task.desiredCount,
        maxCapacity: args.task.maxCount,
      },
      { parent: this },
    );
    const tracking = (role: string, metric: string, targetValue: number) =>
      new aws.appautoscaling.Policy(
        `${name}-${role}`,
        {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            predefinedMetricSpecification: { predefinedMetricType: metric },
            targetValue,
            scaleInCooldown: 300,
            scaleOutCooldown: 60,
          },
        },
        { parent: this },
      );
    tracking("cpu-scaling", "ECSServiceAverageCPUUtilization", args.cpuTargetPercent ?? 60);
    tracking("memory-scaling", "ECSServiceAverageMemoryUtilization", args.memoryTargetPercent ?? 70);
  }
}
