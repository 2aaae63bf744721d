/**
 * The tenant's IAM roles. The task role is what the application runs as: only its own bucket, its
 * own secrets and its own key. The execution role is what ECS uses to start the task: pull the
 * image, write the tenant's log group, read the tenant's secrets (the application's own secrets only
 * this role reads: ECS injects them at start, the application never fetches them). No statement names anything of
 * another tenant, and nothing but `ecr:GetAuthorizationToken` (which has no resource) uses `*`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link TenantIdentity}. */
export interface TenantIdentityArgs {
  /** Physical names of the two roles. */
  readonly taskRoleName: string;
  readonly executionRoleName: string;
  /** Account, region and partition (from the base outputs), for ARNs and conditions. */
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** The tenant's bucket. */
  readonly bucketArn: pulumi.Input<string>;
  /** The tenant's secrets (database credentials, cache token). */
  readonly secretArns: pulumi.Input<string>[];
  /**
   * Secrets only ECS reads, when a task starts, to fill the container's environment (the
   * application's own secrets, `tenant:secrets`): the execution role may read them, the task role
   * may not, since the application gets the values as variables and has no reason to fetch them.
   * @default []
   */
  readonly startupSecretArns?: pulumi.Input<string>[];
  /** The tenant's key, and whether it is the tenant's alone. */
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly dedicatedKey: boolean;
  /** The tenant's log group. */
  readonly logGroupArn: pulumi.Input<string>;
  /** The base stack's image repository. */
  readonly ecrRepositoryArn: string;
}

/** Task role and execution role, each with one inline policy. */
export class TenantIdentity extends pulumi.ComponentResource {
  public readonly taskRole: aws.iam.Role;
  public readonly executionRole: aws.iam.Role;
  /**
   * The roles' ARNs, resolved only once each role's inline policy exists: a task definition that
   * takes these waits for the permissions, so ECS never starts a first task with a bare role (image
   * pull, log stream and secrets would be refused and the deployment's circuit breaker would trip).
   */
  public readonly taskRoleArn: pulumi.Output<string>;
  public readonly executionRoleArn: pulumi.Output<string>;

  constructor(name: string, args: TenantIdentityArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantIdentity", name, {}, opts);
    const assumeRolePolicy = ecsTasksTrustPolicy(args);
    this.taskRole = new aws.iam.Role(
      `${name}-task`,
      { name: args.taskRoleName, description: "Application tasks of one tenant", assumeRolePolicy },
      { parent: this },
    );
    const taskPolicyResource = new aws.iam.RolePolicy(
      `${name}-task`,
      { role: this.taskRole.id, policy: taskPolicy(args) },
      { parent: this },
    );
    this.executionRole = new aws.iam.Role(
      `${name}-execution`,
      { name: args.executionRoleName, description: "ECS starting one tenant's tasks", assumeRolePolicy },
      { parent: this },
    );
    const executionPolicyResource = new aws.iam.RolePolicy(
      `${name}-execution`,
      { role: this.executionRole.id, policy: executionPolicy(args) },
      { parent: this },
    );
    // An Output built from both carries both as dependencies of whatever takes it.
    this.taskRoleArn = pulumi.all([this.taskRole.arn, taskPolicyResource.id]).apply(([arn]) => arn);
    this.executionRoleArn = pulumi
      .all([this.executionRole.arn, executionPolicyResource.id])
      .apply(([arn]) => arn);
    this.registerOutputs({ taskRoleArn: this.taskRoleArn, executionRoleArn: this.executionRoleArn });
  }
}

/** ECS tasks of this account may assume the role (the conditions stop the confused deputy). */
function ecsTasksTrustPolicy(args: Pick<TenantIdentityArgs, "account" | "region" | "partition">): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": args.account },
          ArnLike: { "aws:SourceArn": `arn:${args.partition}:ecs:${args.region}:${args.account}:*` },
        },
      },
    ],
  });
}

/**
 * The task role's policy, JSON. The key is usable only through S3 and Secrets Manager when it is the
 * shared platform key (so it decrypts nothing but what those services hand this role, i.e. its own
 * bucket and secrets); a dedicated key may also be used directly.
 */
export function taskPolicy(args: TenantIdentityArgs): pulumi.Output<string> {
  const viaServices = [`s3.${args.region}.amazonaws.com`, `secretsmanager.${args.region}.amazonaws.com`];
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: args.bucketArn,
      },
      {
        Sid: "OwnObjects",
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
        ],
        Resource: pulumi.interpolate`${args.bucketArn}/*`,
      },
      {
        Sid: "OwnSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: args.secretArns,
      },
      {
        Sid: "OwnKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        Resource: args.kmsKeyArn,
        ...(args.dedicatedKey ? {} : { Condition: { StringEquals: { "kms:ViaService": viaServices } } }),
      },
    ],
  });
}

/** The execution role's policy, JSON. */
export function executionPolicy(args: TenantIdentityArgs): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource type: "*" is the only value IAM accepts.
      { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullImage",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: args.ecrRepositoryArn,
      },
      {
        // CloudWatch Logs authorizes every action but a few on the log group ARN with a trailing
        // `:*` (CreateLogStream included); `:log-stream:*` alone would refuse the awslogs driver's
        // CreateLogStream and no task would start.
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: pulumi.interpolate`${args.logGroupArn}:*`,
      },
      {
        Sid: "ReadOwnSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [...args.secretArns, ...(args.startupSecretArns ?? [])],
      },
      {
        Sid: "DecryptOwnSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: args.kmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.region}.amazonaws.com` } },
      },
    ],
  });
}
