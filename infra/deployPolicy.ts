/**
 * What the CI roles may do, as data (issue 11, items 11 and 12).
 *
 * The **deploy role** (branch workflows: `pulumi up` of the base and tenant stacks) gets a
 * customer-managed policy instead of AdministratorAccess: every service the programs create
 * resources in, by IAM service prefix, with names scoped where AWS allows it: IAM roles and
 * policies, S3 buckets and Secrets Manager secrets only under the names the programs give them
 * (`plat-*`, and the prefixes Pulumi's auto-naming and the rotation application's stacks use).
 * The tests check that every resource type the programs declare maps to an allowed prefix, and that
 * every recorded role, bucket and secret name matches a pattern here.
 *
 * The **preview role** (pull requests) is read-only: AWS's `ViewOnlyAccess` (lists and describes,
 * no data: no object, secret or parameter values) plus reading the Pulumi state in the backend
 * bucket and writing only its lock files.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * IAM service prefixes per Pulumi module of the resource types the programs declare (`aws:<module>/...`).
 * A module missing here fails the coverage test: add its prefix to {@link DEPLOY_SERVICE_PREFIXES} too.
 */
export const MODULE_SERVICES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  acm: ["acm"],
  appautoscaling: ["application-autoscaling"],
  backup: ["backup", "backup-storage"],
  cloudwatch: ["cloudwatch"],
  ec2: ["ec2"],
  ecr: ["ecr"],
  ecs: ["ecs"],
  elasticache: ["elasticache"],
  iam: ["iam"],
  kms: ["kms"],
  lb: ["elasticloadbalancing"],
  rds: ["rds"],
  route53: ["route53"],
  s3: ["s3"],
  secretsmanager: ["secretsmanager"],
  // The rotation application: the SAR stack is CloudFormation, which creates a Lambda function.
  serverlessrepository: ["serverlessrepo", "cloudformation", "lambda"],
  sns: ["sns"],
  vpc: ["ec2"],
  wafv2: ["wafv2"],
});

/** Resource types whose service differs from their module's (`aws:cloudwatch/logGroup` is CloudWatch Logs). */
export const TYPE_SERVICES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "aws:cloudwatch/logGroup:LogGroup": ["logs"],
  "aws:cloudwatch/dashboard:Dashboard": ["cloudwatch"],
});

/** The IAM service prefixes a resource type needs, or undefined when this module does not know it. */
export function iamServicesOf(type: string): readonly string[] | undefined {
  const module = /^aws:([a-zA-Z0-9]+)\//.exec(type)?.[1];
  return TYPE_SERVICES[type] ?? (module ? MODULE_SERVICES[module] : undefined);
}

/**
 * Services the deploy role may use in full, account-wide: their resources carry no names we choose
 * up front, or their APIs accept no resource-level scoping for creation (EC2, KMS CreateKey, ...).
 * IAM, S3 and Secrets Manager are not here: they get the scoped statements below.
 */
export const DEPLOY_SERVICE_PREFIXES: readonly string[] = Object.freeze([
  "acm",
  "application-autoscaling",
  "backup",
  "backup-storage",
  "cloudformation",
  "cloudwatch",
  "ec2",
  "ecr",
  "ecs",
  "elasticache",
  "elasticloadbalancing",
  "kms",
  "lambda",
  "logs",
  "rds",
  "route53",
  "serverlessrepo",
  "sns",
  "wafv2",
]);

/** Services the deploy role may use only on the names below. */
export const SCOPED_SERVICE_PREFIXES: readonly string[] = Object.freeze(["iam", "s3", "secretsmanager"]);

/**
 * Role and policy names (IAM), after `role/` or `policy/`: ours, Pulumi's auto-names of the backup
 * and flow-log roles, and the roles CloudFormation makes in the rotation application's stacks.
 */
export const IAM_NAME_PATTERNS: readonly string[] = Object.freeze([
  "plat-*",
  "backup-role-*",
  "network-flow-logs-role-*",
  "serverlessrepo-plat-*",
]);
/** Bucket names: ours and the ALB access log bucket's auto-name. */
export const BUCKET_NAME_PATTERNS: readonly string[] = Object.freeze([
  "plat-*",
  "ingress-access-logs-*",
  // The S3 server access log bucket (infra/s3AccessLogs.ts), auto-named like the ALB log bucket.
  "s3-access-logs-*",
]);
/** Secret names: ours and the master user secrets RDS creates on our behalf (`rds!db-<uuid>`). */
export const SECRET_NAME_PATTERNS: readonly string[] = Object.freeze(["plat-*", "rds!*"]);

/**
 * Managed policies the deploy role may attach to the roles it manages: the backup role's and the
 * rotation function's (from its template), and the preview role's.
 */
export const ATTACHABLE_MANAGED_POLICIES: readonly string[] = Object.freeze([
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
  "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
  "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
]);

/** The preview role's AWS-managed policy: list and describe everything, read no data. */
export const PREVIEW_MANAGED_POLICY = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";

/** Where the deploy policy is used: account, and the backend bucket if the state is in S3. */
export interface DeployPolicyScope {
  readonly account: pulumi.Input<string>;
  readonly stateBucket?: string;
}

/** The statements that let a role read (and, with `write`, change) the Pulumi state in its bucket. */
function stateStatements(bucket: string, write: boolean): object[] {
  return [
    {
      Sid: "StateBucket",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: `arn:aws:s3:::${bucket}`,
    },
    write
      ? {
          Sid: "StateObjects",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: `arn:aws:s3:::${bucket}/*`,
        }
      : { Sid: "StateRead", Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` },
    ...(write
      ? []
      : [
          {
            // A preview takes the stack's lock like any operation on a self-managed backend.
            Sid: "StateLocks",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:DeleteObject"],
            Resource: `arn:aws:s3:::${bucket}/.pulumi/locks/*`,
          },
        ]),
  ];
}

/** The deploy role's policy document (JSON). */
export function deployPolicyDocument(scope: DeployPolicyScope): pulumi.Output<string> {
  const iam = (kind: string) =>
    IAM_NAME_PATTERNS.map((p) => pulumi.interpolate`arn:aws:iam::${scope.account}:${kind}/${p}`);
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PlatformServices",
        Effect: "Allow",
        Action: DEPLOY_SERVICE_PREFIXES.map((p) => `${p}:*`),
        Resource: "*",
      },
      {
        Sid: "PlatformRoles",
        Effect: "Allow",
        Action: [
          "iam:CreateRole",
          "iam:DeleteRole",
          "iam:GetRole",
          "iam:UpdateRole",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:ListRoleTags",
          "iam:PutRolePolicy",
          "iam:GetRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
          "iam:PassRole",
          "iam:CreatePolicy",
          "iam:DeletePolicy",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
          "iam:CreatePolicyVersion",
          "iam:DeletePolicyVersion",
          "iam:ListPolicyVersions",
          "iam:TagPolicy",
        ],
        Resource: [...iam("role"), ...iam("policy")],
      },
      {
        // Only the managed policies the programs attach, and our own.
        Sid: "AttachKnownPolicies",
        Effect: "Allow",
        Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
        Resource: iam("role"),
        Condition: {
          ArnLike: {
            "iam:PolicyARN": [
              ...ATTACHABLE_MANAGED_POLICIES,
              pulumi.interpolate`arn:aws:iam::${scope.account}:policy/plat-*`,
            ],
          },
        },
      },
      {
        Sid: "GitHubOidcProvider",
        Effect: "Allow",
        Action: "iam:*OpenIDConnectProvider*",
        Resource: pulumi.interpolate`arn:aws:iam::${scope.account}:oidc-provider/token.actions.githubusercontent.com`,
      },
      {
        // ECS, ELB, RDS, ElastiCache, AWS Backup and Application Auto Scaling create theirs on first use.
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: pulumi.interpolate`arn:aws:iam::${scope.account}:role/aws-service-role/*`,
      },
      {
        Sid: "PlatformBuckets",
        Effect: "Allow",
        Action: "s3:*",
        Resource: BUCKET_NAME_PATTERNS.flatMap((p) => [`arn:aws:s3:::${p}`, `arn:aws:s3:::${p}/*`]),
      },
      {
        Sid: "PlatformSecrets",
        Effect: "Allow",
        Action: "secretsmanager:*",
        Resource: SECRET_NAME_PATTERNS.map(
          (p) => pulumi.interpolate`arn:aws:secretsmanager:*:${scope.account}:secret:${p}`,
        ),
      },
      {
        Sid: "AccountWideReads",
        Effect: "Allow",
        Action: [
          "secretsmanager:ListSecrets",
          "secretsmanager:GetRandomPassword",
          "s3:ListAllMyBuckets",
          "tag:GetResources",
        ],
        Resource: "*",
      },
      ...(scope.stateBucket ? stateStatements(scope.stateBucket, true) : []),
    ],
  });
}

/**
 * The preview role's inline policy (JSON), on top of {@link PREVIEW_MANAGED_POLICY}: the state
 * bucket, read-only but for the lock files. Undefined when the state is not in S3.
 */
export function previewStatePolicyDocument(stateBucket: string | undefined): string | undefined {
  return stateBucket
    ? JSON.stringify({ Version: "2012-10-17", Statement: stateStatements(stateBucket, false) })
    : undefined;
}
