/**
 * The application image registry: one ECR repository, scanned on push, immutable tags, encrypted
 * with the platform key, pruned by a lifecycle policy.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Registry}. */
export interface RegistryArgs {
  /** Physical repository name (lowercase). */
  readonly repositoryName: string;
  /** KMS key that encrypts the images. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Images kept by the lifecycle policy; older ones expire. */
  readonly imagesToKeep: number;
  /**
   * Days after which untagged images (failed or superseded pushes) expire.
   * @default 7
   */
  readonly untaggedExpiryDays?: number;
}

/** The ECR repository of the application image. */
export class Registry extends pulumi.ComponentResource {
  public readonly repository: aws.ecr.Repository;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:registry:Registry", name, {}, opts);
    this.repository = new aws.ecr.Repository(
      name,
      {
        name: args.repositoryName,
        // A tag names one image forever: deploys and rollbacks are reproducible.
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
        forceDelete: false,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: this.repository.name, policy: JSON.stringify(lifecyclePolicy(args)) },
      { parent: this },
    );
    this.repositoryUrl = this.repository.repositoryUrl;
    this.arn = this.repository.arn;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, arn: this.arn });
  }
}

/**
 * The lifecycle policy: untagged images expire first, then every image beyond the last N. ECR
 * requires the `any` rule to have the highest priority number.
 */
export function lifecyclePolicy(args: Pick<RegistryArgs, "imagesToKeep" | "untaggedExpiryDays">) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${args.untaggedExpiryDays ?? 7} days`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: args.untaggedExpiryDays ?? 7,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${args.imagesToKeep} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.imagesToKeep },
        action: { type: "expire" },
      },
    ],
  };
}
