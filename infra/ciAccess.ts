/**
 * CI access without long-lived keys: GitHub Actions' OIDC identity provider, the deploy role its
 * branch workflows assume (trusted only for the configured repository and branches; a least-
 * privilege policy from ./deployPolicy.ts), and the read-only preview role pull-request workflows
 * assume (trusted only for the repository's `pull_request` subject). Pull-request code never gets
 * the deploy role.
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deployPolicyDocument, PREVIEW_MANAGED_POLICY, previewStatePolicyDocument } from "./deployPolicy";

/** GitHub Actions' token issuer. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience GitHub's aws-actions/configure-aws-credentials requests. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** Arguments of {@link CiAccess}. */
export interface CiAccessArgs {
  /** Physical names of the deploy role (also its policy's) and the preview role. */
  readonly roleName: string;
  readonly previewRoleName: string;
  /** `owner/repo`. */
  readonly repository: string;
  /** Branches whose workflows may assume the role (exact names). */
  readonly branches: readonly string[];
  /**
   * The Pulumi backend's S3 bucket: both roles get the state statements for it.
   * @default undefined (the state lives elsewhere; grant access to it yourself)
   */
  readonly stateBucket?: string;
  /**
   * More managed policies for the deploy role, on top of the platform's own deploy policy.
   * @default []
   */
  readonly managedPolicyArns?: readonly string[];
  /**
   * Longest session, in seconds.
   * @default 3600
   */
  readonly maxSessionDuration?: number;
  /**
   * The GitHub OIDC provider: create it, or use the one that already exists in the account (IAM
   * allows one per issuer, so the second environment sharing an account must use `existingArn`).
   * @default { create: true }
   */
  readonly oidcProvider?: { readonly create: true } | { readonly existingArn: pulumi.Input<string> };
}

/** The OIDC provider and the deploy role. */
export class CiAccess extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  public readonly previewRoleArn: pulumi.Output<string>;
  public readonly providerArn: pulumi.Output<string>;

  constructor(name: string, args: CiAccessArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:ci:CiAccess", name, {}, opts);
    const oidc = args.oidcProvider ?? { create: true };
    this.providerArn =
      "existingArn" in oidc
        ? pulumi.output(oidc.existingArn)
        : new aws.iam.OpenIdConnectProvider(
            `${name}-github`,
            // AWS trusts GitHub's issuer through its own CA list; no thumbprint to pin.
            { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [STS_AUDIENCE] },
            { parent: this },
          ).arn;
    const role = new aws.iam.Role(
      name,
      {
        name: args.roleName,
        description: `Deploy role for GitHub Actions of ${args.repository} (${args.branches.join(", ")})`,
        maxSessionDuration: args.maxSessionDuration ?? 3600,
        assumeRolePolicy: trustPolicy(this.providerArn, args.repository, args.branches),
      },
      { parent: this },
    );
    const policy = new aws.iam.Policy(
      name,
      {
        name: args.roleName,
        description: "Deploys the platform's base and tenant stacks (least privilege; infra/deployPolicy.ts)",
        policy: deployPolicyDocument({
          account: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
          stateBucket: args.stateBucket,
        }),
      },
      { parent: this },
    );
    // `${name}-0` was the AdministratorAccess attachment: the same name now attaches our policy.
    [policy.arn, ...(args.managedPolicyArns ?? [])].forEach(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, { parent: this }),
    );
    const preview = new aws.iam.Role(
      `${name}-preview`,
      {
        name: args.previewRoleName,
        description: `Read-only previews for pull requests of ${args.repository}`,
        maxSessionDuration: args.maxSessionDuration ?? 3600,
        assumeRolePolicy: pullRequestTrustPolicy(this.providerArn, args.repository),
      },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-preview`,
      { role: preview.name, policyArn: PREVIEW_MANAGED_POLICY },
      { parent: this },
    );
    const statePolicy = previewStatePolicyDocument(args.stateBucket);
    if (statePolicy) {
      new aws.iam.RolePolicy(
        `${name}-preview-state`,
        { role: preview.id, policy: statePolicy },
        { parent: this },
      );
    }
    this.roleArn = role.arn;
    this.previewRoleArn = preview.arn;
    this.registerOutputs({
      roleArn: this.roleArn,
      previewRoleArn: this.previewRoleArn,
      providerArn: this.providerArn,
    });
  }
}

/** The `sub` claims allowed: one per branch, exact (`repo:<owner/repo>:ref:refs/heads/<branch>`). */
export function allowedSubjects(repository: string, branches: readonly string[]): string[] {
  return branches.map((b) => `repo:${repository}:ref:refs/heads/${b}`);
}

/** The `sub` claim of the repository's `pull_request` workflows (any pull request, no branch). */
export function pullRequestSubject(repository: string): string {
  return `repo:${repository}:pull_request`;
}

/** The preview role's trust policy: like {@link trustPolicy}, for the pull-request subject only. */
export function pullRequestTrustPolicy(
  providerArn: pulumi.Input<string>,
  repository: string,
): pulumi.Output<string> {
  return webIdentityTrust(providerArn, [pullRequestSubject(repository)]);
}

function webIdentityTrust(providerArn: pulumi.Input<string>, subjects: string[]): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subjects },
        },
      },
    ],
  });
}

/**
 * The deploy role's trust policy: web identity from the GitHub provider, audience STS, subject one
 * of the allowed branches. `StringEquals` (not `StringLike`) so no wildcard ever widens it.
 */
export function trustPolicy(
  providerArn: pulumi.Input<string>,
  repository: string,
  branches: readonly string[],
): pulumi.Output<string> {
  return webIdentityTrust(providerArn, allowedSubjects(repository, branches));
}
