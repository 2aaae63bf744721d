/**
 * The base outputs contract: exactly what the base stack exports and tenant stacks read through a
 * `StackReference`. The base program exports an object of this shape (the compiler checks it), and
 * the tenant program validates what it reads against the same schema, so a rename on one side
 * breaks the build or fails loudly on the other, never silently.
 */
import { z } from "zod";
import { ENVIRONMENTS } from "./environments";
import { formatProblems, issueProblems } from "./problems";

const id = z.string().min(1);
const arn = z.string().startsWith("arn:");
const ids = z.array(id).min(2);

/** Schema of the base stack's outputs. */
export const BaseOutputsSchema = z.object({
  /** The environment the base stack serves. */
  environment: z.enum(ENVIRONMENTS),
  /** AWS region of every resource. */
  region: id,
  /** The VPC and its CIDR block. */
  vpcId: id,
  vpcCidr: id,
  /** Public subnets (ALB, NAT gateways), one per AZ. */
  publicSubnetIds: ids,
  /** Private subnets with egress through NAT (Fargate tasks), one per AZ. */
  privateSubnetIds: ids,
  /** Isolated subnets with no route out (databases, caches), one per AZ. */
  isolatedSubnetIds: ids,
  /** RDS subnet group over the isolated subnets. */
  dbSubnetGroupName: id,
  /** ElastiCache subnet group over the isolated subnets. */
  cacheSubnetGroupName: id,
  /** The ECS cluster tenant services run in. */
  clusterName: id,
  clusterArn: arn,
  /** The shared ALB: tenants attach listener rules to the HTTPS listener. */
  albArn: arn,
  /** The ALB's ARN suffix, the `LoadBalancer` dimension of its CloudWatch metrics. */
  albArnSuffix: id,
  albDnsName: id,
  albZoneId: id,
  albSecurityGroupId: id,
  httpsListenerArn: arn,
  /** The Route 53 zone of the platform domain. */
  hostedZoneId: id,
  /** The platform domain; tenants default to `<tenant>.<domain>`. */
  domain: id,
  /** The platform KMS key, used by tenants without a dedicated key. */
  platformKmsKeyArn: arn,
  platformKmsKeyId: id,
  /** SNS topic every alarm notifies. */
  alarmTopicArn: arn,
  /** The application image repository. */
  ecrRepositoryUrl: id,
  ecrRepositoryArn: arn,
  /** AWS Backup: data stores tagged `Backup=<environment>` are selected by this plan. */
  backupVaultName: id,
  backupPlanId: id,
  /** The bucket S3 server access logs of the environment's buckets go to (FSBP S3.9). */
  s3AccessLogBucketName: id,
  /** The role CI assumes through GitHub OIDC. */
  deployRoleArn: arn,
  /**
   * The read-only role pull-request previews assume (GitHub OIDC, `pull_request` subject). Optional
   * so a base stack deployed before it still serves its tenants; tenants never read it.
   */
  previewRoleArn: arn.optional(),
});

/** What the base stack exports. */
export type BaseOutputs = z.infer<typeof BaseOutputsSchema>;

/** Every key of {@link BaseOutputs}, in declaration order. */
export const BASE_OUTPUT_KEYS = Object.freeze(
  Object.keys(BaseOutputsSchema.shape),
) as readonly (keyof BaseOutputs)[];

/**
 * Validates the outputs read from a base stack.
 * @throws naming each missing or malformed output and the stack it was read from.
 */
export function parseBaseOutputs(stackName: string, raw: unknown): BaseOutputs {
  const result = BaseOutputsSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(
      `${formatProblems(`base stack "${stackName}" does not export the base outputs contract`, issueProblems(result.error.issues))}\n` +
        `Run \`pulumi up\` on the base stack first (README, "Operator guide").`,
    );
  }
  return result.data;
}
