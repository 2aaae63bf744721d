/**
 * The tenant's application: a Fargate service in the base cluster behind the shared ALB, reached at
 * the tenant's own host name, scaled between the tier's bounds.
 *
 * Every task runs three containers in order (docs/decisions/0003-migrations-as-init-container.md):
 * `db-bootstrap` (psql as the master user: the app's own role, idempotent), then `migrate` (the
 * tenant's image and `migrateCommand`, as the app's role), then `app`, which starts only when both
 * exited 0. A failed step stops the task before the app serves anything; the deployment circuit
 * breaker rolls the service back to the previous task definition, and `waitForSteadyState` makes
 * that a failed update.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TaskProfile } from "../common";

/** The application's port, the same for every tenant (one image). */
export const APP_PORT = 8080;
/** The containers' names in the task definition, in the order they run. */
export const BOOTSTRAP_CONTAINER_NAME = "db-bootstrap";
export const MIGRATE_CONTAINER_NAME = "migrate";
export const CONTAINER_NAME = "app";
/**
 * The image of the bootstrap step: the PostgreSQL client of the database's major version (psql 15+
 * has `\getenv`), from ECR Public's Docker official images (pulled through the NAT; the execution
 * role needs no rights for public images).
 */
export const POSTGRES_CLIENT_IMAGE = "public.ecr.aws/docker/library/postgres:16-alpine";
/** The bootstrap container's command: the SQL comes in `BOOTSTRAP_SQL`, never on a command line. */
export const BOOTSTRAP_COMMAND: readonly string[] = Object.freeze([
  "sh",
  "-c",
  'printf "%s" "$BOOTSTRAP_SQL" | psql --no-psqlrc --quiet',
]);
/** The app container's health check timing (seconds): what ECS waits before a task counts as unhealthy. */
export const CONTAINER_HEALTH_CHECK = Object.freeze({
  interval: 15,
  timeout: 5,
  retries: 3,
  startPeriod: 60,
});

/**
 * The app container's health check: an HTTP GET of `path` on the app port from inside the task, with
 * curl, or wget where the image has no curl. `path` is checked by the spec (HEALTH_CHECK_PATH_PATTERN:
 * nothing a shell would read).
 */
export function containerHealthCheckCommand(path: string): string[] {
  const url = `http://127.0.0.1:${APP_PORT}${path}`;
  return ["CMD-SHELL", `curl -fsS -o /dev/null '${url}' || wget -q -O /dev/null '${url}' || exit 1`];
}
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
  /** Plain (non-secret) environment variables of the app and the migrations. */
  readonly environmentVariables: Readonly<Record<string, pulumi.Input<string>>>;
  /** Secrets of the app and the migrations, resolved by ECS from Secrets Manager; never plain values. */
  readonly secrets: readonly ContainerSecret[];
  /** The path the ALB and the container health check request (spec `healthCheckPath`). */
  readonly healthCheckPath: string;
  /** The migrations: the command, run from `image` before the app starts (spec `migrateCommand`). */
  readonly migrateCommand: readonly string[];
  /** The bootstrap step before the migrations: its settings and its secrets (the master credential). */
  readonly bootstrap: {
    readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
    readonly secrets: readonly ContainerSecret[];
  };
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
          path: args.healthCheckPath,
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
        // A task whose bootstrap, migrations or health check fail never serves: the circuit breaker
        // stops the deployment and rolls back to the previous task definition, and waiting for a
        // steady state turns that into a failed `up` (the provider reports the failed deployment).
        deploymentCircuitBreaker: { enable: true, rollback: true },
        waitForSteadyState: true,
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
    const env = (vars: Readonly<Record<string, pulumi.Input<string>>>) =>
      Object.entries(vars)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ name: key, value }));
    const secrets = (list: readonly ContainerSecret[]) =>
      list.map((s) => ({ name: s.name, valueFrom: s.valueFrom }));
    // What every container shares: non-root, read-only root file system with a scratch /tmp, an init
    // process, logs to the tenant's group (streams `<tenant>/<container>/<task id>`).
    const common = {
      user: APP_USER,
      readonlyRootFilesystem: true,
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
    };
    const containerDefinitions = pulumi.jsonStringify([
      {
        name: BOOTSTRAP_CONTAINER_NAME,
        image: POSTGRES_CLIENT_IMAGE,
        essential: false,
        command: [...BOOTSTRAP_COMMAND],
        environment: env(args.bootstrap.environment),
        secrets: secrets(args.bootstrap.secrets),
        ...common,
      },
      {
        name: MIGRATE_CONTAINER_NAME,
        image: args.image,
        essential: false,
        command: [...args.migrateCommand],
        environment: env(args.environmentVariables),
        secrets: secrets(args.secrets),
        dependsOn: [{ containerName: BOOTSTRAP_CONTAINER_NAME, condition: "SUCCESS" }],
        ...common,
      },
      {
        name: CONTAINER_NAME,
        image: args.image,
        essential: true,
        portMappings: [{ containerPort: APP_PORT, protocol: "tcp" }],
        environment: env(args.environmentVariables),
        secrets: secrets(args.secrets),
        dependsOn: [{ containerName: MIGRATE_CONTAINER_NAME, condition: "SUCCESS" }],
        healthCheck: {
          command: containerHealthCheckCommand(args.healthCheckPath),
          ...CONTAINER_HEALTH_CHECK,
        },
        ...common,
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
