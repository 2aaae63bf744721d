/**
 * Facts of the fake cloud: the properties AWS cannot change in place. A change to one of them is a
 * replacement (a new resource, the old one deleted), which is what `pulumi preview` must show
 * before data is lost. Kept as data, each with the AWS documentation that says so; the double's
 * `diff` reads this table and nothing else decides a replacement.
 */

/** One property AWS cannot change in place, and where AWS says so. */
export interface ReplaceFact {
  /** Top-level input property, as the Pulumi AWS SDK names it. */
  readonly property: string;
  /** Why, in a few words. */
  readonly why: string;
  /** The AWS documentation page. */
  readonly doc: string;
}

const RDS_ENCRYPTION =
  "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html#Overview.Encryption.Limitations";
const RDS_MODIFY = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html";
const ELASTICACHE_MODIFY =
  "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html";
const ELASTICACHE_ENCRYPTION =
  "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html";
const S3_NAMING = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html";
const SECRETS_UPDATE = "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html";

/** Per resource type, the properties whose change replaces the resource. */
export const REPLACE_ON: Readonly<Record<string, readonly ReplaceFact[]>> = Object.freeze({
  "aws:rds/instance:Instance": [
    {
      property: "identifier",
      why: "the identifier names the instance and its endpoint; ModifyDBInstance renames only by a new endpoint, which the provider treats as a new instance",
      doc: RDS_MODIFY,
    },
    { property: "engine", why: "ModifyDBInstance has no Engine parameter", doc: RDS_MODIFY },
    {
      property: "storageEncrypted",
      why: "encryption is chosen at creation and cannot be turned on or off",
      doc: RDS_ENCRYPTION,
    },
    {
      property: "kmsKeyId",
      why: "the KMS key of an encrypted instance cannot be changed",
      doc: RDS_ENCRYPTION,
    },
    { property: "username", why: "the master user name is set at creation", doc: RDS_MODIFY },
    { property: "dbName", why: "the initial database is created with the instance", doc: RDS_MODIFY },
  ],
  "aws:elasticache/replicationGroup:ReplicationGroup": [
    {
      property: "replicationGroupId",
      why: "ModifyReplicationGroup cannot rename a replication group",
      doc: ELASTICACHE_MODIFY,
    },
    {
      property: "atRestEncryptionEnabled",
      why: "at-rest encryption is chosen when the replication group is created",
      doc: ELASTICACHE_ENCRYPTION,
    },
    {
      property: "kmsKeyId",
      why: "the KMS key for at-rest encryption is set at creation",
      doc: ELASTICACHE_ENCRYPTION,
    },
  ],
  "aws:s3/bucket:Bucket": [
    { property: "bucket", why: "a bucket's name cannot change after creation", doc: S3_NAMING },
    { property: "bucketPrefix", why: "a bucket's name cannot change after creation", doc: S3_NAMING },
  ],
  "aws:s3/bucketV2:BucketV2": [
    { property: "bucket", why: "a bucket's name cannot change after creation", doc: S3_NAMING },
  ],
  "aws:secretsmanager/secret:Secret": [
    { property: "name", why: "UpdateSecret has no parameter for the name", doc: SECRETS_UPDATE },
  ],
  "aws:ecs/taskDefinition:TaskDefinition": [
    {
      property: "*",
      why: "task definition revisions are immutable; a change registers a new revision",
      doc: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-task-definition-console-v2.html",
    },
  ],
  "random:index/randomPassword:RandomPassword": [
    {
      property: "*",
      why: "a generated value is fixed at creation; the random provider replaces on any input change",
      doc: "https://www.pulumi.com/registry/packages/random/api-docs/randompassword/",
    },
  ],
});

/**
 * The physical name of most AWS resources is fixed at creation (an IAM role, a log group, a target
 * group, a security group...). Types not in {@link REPLACE_ON} replace on these.
 */
export const NAME_FACT: ReplaceFact = Object.freeze({
  property: "name",
  why: "the physical name is fixed at creation",
  doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateRole.html",
});

/** The facts that apply to `type`. */
export function replaceFacts(type: string): readonly ReplaceFact[] {
  return REPLACE_ON[type] ?? (type.startsWith("aws:") ? [NAME_FACT] : []);
}

/** The inputs whose change replaces a resource of `type`, given the changed keys. */
export function replacingKeys(type: string, changed: readonly string[]): string[] {
  const facts = replaceFacts(type);
  if (facts.some((f) => f.property === "*")) {
    return [...changed];
  }
  return changed.filter((k) => facts.some((f) => f.property === k));
}
