/**
 * Rotation of the app's database credential on a schedule: AWS's multi-user rotation function for
 * RDS PostgreSQL (from the Serverless Application Repository, deployed per tenant inside the VPC),
 * attached to the app's secret.
 *
 * Multi-user: each rotation sets a new password on whichever of `app_user` and `app_user_clone` is
 * not current and makes it current, logging in with the master secret named in the secret's
 * `masterarn`. The previous credential keeps working until the next rotation, so tasks started
 * before a rotation stay connected (docs/tenant-stack.md, "Database roles and rotation").
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets_strategies.html#rotating-secrets-two-users
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** AWS's multi-user rotation function for RDS PostgreSQL, in the Serverless Application Repository. */
export const POSTGRES_MULTI_USER_ROTATION_APPLICATION =
  "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser";

/** Days between rotations of the app's database credential (every tier). */
export const APP_CREDENTIAL_ROTATION_DAYS = 30;

/** The CloudFormation output of the rotation application that names its function. */
export const ROTATION_LAMBDA_OUTPUT = "RotationLambdaARN";

/** Arguments of {@link TenantCredentialRotation}. */
export interface TenantCredentialRotationArgs {
  /** Physical names: the SAR stack (AWS prefixes `serverlessrepo-`) and the function. */
  readonly stackName: string;
  readonly functionName: string;
  /** The secret to rotate (the app's credential) and the master secret its `masterarn` names. */
  readonly secretArn: pulumi.Input<string>;
  readonly masterSecretArn: pulumi.Input<string>;
  /** The tenant's key, which encrypts both secrets. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Where the function runs: the base stack's private subnets, the tenant's rotation security group. */
  readonly subnetIds: readonly string[];
  readonly securityGroupId: pulumi.Input<string>;
  /** Region, for the Secrets Manager endpoint (the base stack's interface endpoint answers it). */
  readonly region: string;
  /** Days between rotations. */
  readonly rotationDays: number;
}

/** The rotation function's stack and the secret's rotation schedule. */
export class TenantCredentialRotation extends pulumi.ComponentResource {
  public readonly rotationLambdaArn: pulumi.Output<string>;

  constructor(name: string, args: TenantCredentialRotationArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantCredentialRotation", name, {}, opts);
    const application = new aws.serverlessrepository.CloudFormationStack(
      name,
      {
        name: args.stackName,
        applicationId: POSTGRES_MULTI_USER_ROTATION_APPLICATION,
        // The template creates the function's role and the permission Secrets Manager invokes it by.
        capabilities: ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"],
        parameters: {
          functionName: args.functionName,
          endpoint: `https://secretsmanager.${args.region}.amazonaws.com`,
          kmsKeyArn: args.kmsKeyArn,
          masterSecretArn: args.masterSecretArn,
          masterSecretKmsKeyArn: args.kmsKeyArn,
          vpcSubnetIds: args.subnetIds.join(","),
          vpcSecurityGroupIds: args.securityGroupId,
          // Characters that need quoting in a connection string or a shell.
          excludeCharacters: "/@\"'\\`$ ",
        },
      },
      { parent: this },
    );
    this.rotationLambdaArn = application.outputs.apply((outputs) => {
      const arn = outputs?.[ROTATION_LAMBDA_OUTPUT];
      if (!arn) {
        throw new Error(`rotation stack ${args.stackName}: no ${ROTATION_LAMBDA_OUTPUT} output`);
      }
      return arn;
    });
    new aws.secretsmanager.SecretRotation(
      name,
      {
        secretId: args.secretArn,
        rotationLambdaArn: this.rotationLambdaArn,
        rotationRules: { automaticallyAfterDays: args.rotationDays },
        // The first rotation clones the app's role, which the first task's bootstrap creates: the
        // schedule starts after the service is steady (the program orders it), never at once.
        rotateImmediately: false,
      },
      // The component's dependsOn (the service, in the program) does not reach its children by itself.
      { parent: this, dependsOn: opts.dependsOn },
    );
    this.registerOutputs({ rotationLambdaArn: this.rotationLambdaArn });
  }
}
