/**
 * The tenant's log group. Its own component (not part of observability.ts) because of ordering: the
 * service writes to it, while the alarms watch the service's target group, so it must exist first.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link TenantLogs}. */
export interface TenantLogsArgs {
  /** Physical name of the log group. */
  readonly logGroupName: string;
  /** Days to keep logs: a CloudWatch Logs retention value, at least the environment's floor. */
  readonly retentionInDays: number;
  /** KMS key that encrypts the logs (the tenant's key). */
  readonly kmsKeyArn: pulumi.Input<string>;
}

/** A KMS-encrypted log group with the tier's retention. */
export class TenantLogs extends pulumi.ComponentResource {
  public readonly logGroup: aws.cloudwatch.LogGroup;
  /** The log group's name and ARN. */
  public readonly name: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: TenantLogsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantLogs", name, {}, opts);
    this.logGroup = new aws.cloudwatch.LogGroup(
      name,
      { name: args.logGroupName, retentionInDays: args.retentionInDays, kmsKeyId: args.kmsKeyArn },
      { parent: this },
    );
    this.name = this.logGroup.name;
    this.arn = this.logGroup.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
