/**
 * The application's own secrets (`tenant:secrets`, set by `tenant onboard/update --secret`): one
 * Secrets Manager secret holding them as a JSON object, encrypted with the tenant's key. ECS reads
 * it when a task starts and hands each key to the container as an environment variable of the same
 * name, so no value is ever in the task definition, an environment value or the program's outputs.
 *
 * Each container entry names the secret's version: a new value (rotation: `tenant update --secret
 * NAME=new`) is a new version, hence a new task definition revision, hence a rolling deployment that
 * starts tasks with the new value (and rolls back to the previous revision, whose version keeps
 * its value, if they fail). Without the version ECS would read the current one only when some
 * later deployment happened to start tasks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSecret } from "./service";

/** Arguments of {@link TenantAppSecrets}. */
export interface TenantAppSecretsArgs {
  /** Physical name of the secret. */
  readonly secretName: string;
  /** The tenant id, for the description. */
  readonly tenant: string;
  /** Variable names (validated: tenants/contract.ts parseAppSecrets), not secret. */
  readonly names: readonly string[];
  /** Name to value, a secret Output. */
  readonly values: pulumi.Input<Record<string, string>>;
  /** The tenant's key. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Days a deleted secret stays recoverable; 0 deletes it at once.
   * @default 0
   */
  readonly recoveryWindowInDays?: number;
}

/** Secret and its current version; {@link containerSecrets} are the container's entries. */
export class TenantAppSecrets extends pulumi.ComponentResource {
  public readonly secret: aws.secretsmanager.Secret;
  public readonly secretArn: pulumi.Output<string>;
  /** One entry per name: `{ name, valueFrom: <secret arn>:<name>::<version id> }` (a JSON key). */
  public readonly containerSecrets: readonly ContainerSecret[];

  constructor(name: string, args: TenantAppSecretsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantAppSecrets", name, {}, opts);
    this.secret = new aws.secretsmanager.Secret(
      name,
      {
        name: args.secretName,
        description: `Application secrets of tenant ${args.tenant}`,
        kmsKeyId: args.kmsKeyArn,
        recoveryWindowInDays: args.recoveryWindowInDays ?? 0,
      },
      { parent: this },
    );
    // A new value is a new version (AWSCURRENT); tasks started afterwards read it.
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-value`,
      { secretId: this.secret.id, secretString: pulumi.secret(pulumi.jsonStringify(args.values)) },
      { parent: this },
    );
    this.secretArn = this.secret.arn;
    this.containerSecrets = args.names.map((key) => ({
      name: key,
      valueFrom: pulumi.interpolate`${this.secret.arn}:${key}::${version.versionId}`,
    }));
    this.registerOutputs({ secretArn: this.secretArn });
  }
}
