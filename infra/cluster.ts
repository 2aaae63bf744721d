/**
 * The ECS cluster tenant services run in: Fargate only, Container Insights on.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Cluster}. */
export interface ClusterArgs {
  /** Physical cluster name. */
  readonly clusterName: string;
  /** KMS key that encrypts ECS Exec sessions. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Weight of FARGATE_SPOT in the default strategy; 0 runs every task on regular Fargate. Tenant
   * services may set their own strategy.
   * @default 0
   */
  readonly spotWeight?: number;
}

/** An ECS cluster with the Fargate capacity providers. */
export class Cluster extends pulumi.ComponentResource {
  public readonly cluster: aws.ecs.Cluster;
  public readonly name: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:cluster:Cluster", name, {}, opts);
    this.cluster = new aws.ecs.Cluster(
      name,
      {
        name: args.clusterName,
        settings: [{ name: "containerInsights", value: "enabled" }],
        configuration: { executeCommandConfiguration: { kmsKeyId: args.kmsKeyArn, logging: "DEFAULT" } },
      },
      { parent: this },
    );
    const spotWeight = args.spotWeight ?? 0;
    new aws.ecs.ClusterCapacityProviders(
      `${name}-capacity`,
      {
        clusterName: this.cluster.name,
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: [
          { capacityProvider: "FARGATE", base: 1, weight: 1 },
          ...(spotWeight > 0 ? [{ capacityProvider: "FARGATE_SPOT", weight: spotWeight }] : []),
        ],
      },
      { parent: this },
    );
    this.name = this.cluster.name;
    this.arn = this.cluster.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
