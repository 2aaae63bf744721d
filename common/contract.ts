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

/** One ingress shard: an ALB and its HTTPS listener (common/ingress.ts). */
export const IngressShardSchema = z.object({
  /** The shard's index, 0 to `platform:ingressShards - 1`. */
  index: z.number().int().min(0),
  albArn: arn,
  /** The `LoadBalancer` dimension of the ALB's CloudWatch metrics. */
  albArnSuffix: id,
  albDnsName: id,
  albZoneId: id,
  /** Tenants placed on this shard attach their host rule to this listener. */
  httpsListenerArn: arn,
});

/** One entry of the base outputs' `ingressShards`. */
export type IngressShard = z.infer<typeof IngressShardSchema>;

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
  /**
   * Shard 0's ALB (the single ALB before sharding; kept for readers of these keys): tenants attach
   * listener rules to the HTTPS listener of their own shard, {@link ingressShardsOf}.
   */
  albArn: arn,
  /** The ALB's ARN suffix, the `LoadBalancer` dimension of its CloudWatch metrics. */
  albArnSuffix: id,
  albDnsName: id,
  albZoneId: id,
  /** The security group every shard's ALB shares: tenants admit traffic from it. */
  albSecurityGroupId: id,
  httpsListenerArn: arn,
  /**
   * Every ingress shard, by index (`platform:ingressShards` of them). Optional so a base stack
   * deployed before sharding still serves its tenants: its one ALB is shard 0.
   */
  ingressShards: z
    .array(IngressShardSchema)
    .min(1)
    .superRefine((shards, ctx) => {
      shards.forEach((s, i) => {
        if (s.index !== i) {
          ctx.addIssue({
            code: "custom",
            path: [i, "index"],
            message: `shard at position ${i} says index ${s.index}`,
          });
        }
      });
    })
    .optional(),
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
 * The base stack's ingress shards: its `ingressShards`, or, from a base deployed before sharding,
 * its one ALB as shard 0.
 */
export function ingressShardsOf(base: BaseOutputs): readonly IngressShard[] {
  return (
    base.ingressShards ?? [
      {
        index: 0,
        albArn: base.albArn,
        albArnSuffix: base.albArnSuffix,
        albDnsName: base.albDnsName,
        albZoneId: base.albZoneId,
        httpsListenerArn: base.httpsListenerArn,
      },
    ]
  );
}

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
