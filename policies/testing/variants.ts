/**
 * Broken variants of the real tenant program, one table run both ways: offline (the program recorded
 * under mocks, the variant applied to the recorded inputs, the pack evaluated by the harness,
 * policies/variants.test.ts) and on the real engine with the cloud double (the variant applied by a
 * resource transform, the pack run by the engine, automation/policy.e2e.test.ts). Both must report
 * the same policy at the same level, and the engine must refuse `preview` and `up` where the offline
 * check says the violation is mandatory (advisory ones are warnings on both sides).
 */

/** One way of breaking the real tenant program. */
export interface ProgramVariant {
  /** What is broken, for test names. */
  readonly name: string;
  /** The policy that must catch it. */
  readonly policy: string;
  /** Its level on a staging tenant stack: mandatory refuses the operation, advisory warns. */
  readonly stagingLevel: "mandatory" | "advisory";
  /** The resource type the change applies to. */
  readonly type: string;
  /** Which resources of that type (by logical name and inputs). @default all */
  readonly match?: (name: string, props: Record<string, any>) => boolean;
  /** The broken inputs, from the program's. */
  readonly change: (props: Record<string, any>) => Record<string, any>;
}

/** The variants: each breaks one rule the offline failing cases (policies/testing/cases.ts) cover. */
export const PROGRAM_VARIANTS: readonly ProgramVariant[] = [
  {
    name: "a bucket without the tenant's KMS key (SSE-S3)",
    policy: "platform-s3-sse-s3-only-lb-logs",
    stagingLevel: "mandatory",
    type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    change: (p) => ({ ...p, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
  },
  {
    name: "an open security group (PostgreSQL from 0.0.0.0/0)",
    policy: "platform-ec2-public-ingress",
    stagingLevel: "mandatory",
    type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    match: (_name, p) => p.fromPort === 5432,
    change: ({ referencedSecurityGroupId: _peer, ...p }) => ({ ...p, cidrIpv4: "0.0.0.0/0" }),
  },
  {
    name: "an oversized trial database (db.m7g.large)",
    policy: "platform-rds-size",
    stagingLevel: "advisory",
    type: "aws:rds/instance:Instance",
    change: (p) => ({ ...p, instanceClass: "db.m7g.large" }),
  },
  {
    name: "a database reachable from the internet (publiclyAccessible)",
    policy: "platform-rds-not-public",
    stagingLevel: "mandatory",
    type: "aws:rds/instance:Instance",
    change: (p) => ({ ...p, publiclyAccessible: true }),
  },
  {
    name: "a missing Owner tag (not in the provider's default tags)",
    policy: "platform-tagging-required-tags",
    stagingLevel: "advisory",
    type: "pulumi:providers:aws",
    change: (p) => {
      // Provider inputs reach the engine (and the recorder) with nested objects as JSON text.
      const text = typeof p.defaultTags === "string";
      const defaultTags = text ? JSON.parse(p.defaultTags) : (p.defaultTags ?? {});
      const tags = { ...(defaultTags.tags ?? {}) };
      delete tags.Owner;
      const changed = { ...defaultTags, tags };
      return { ...p, defaultTags: text ? JSON.stringify(changed) : changed };
    },
  },
];

/** Whether `variant` applies to a resource. */
export function variantApplies(
  variant: ProgramVariant,
  type: string,
  name: string,
  props: Record<string, any>,
): boolean {
  return type === variant.type && (variant.match?.(name, props) ?? true);
}
