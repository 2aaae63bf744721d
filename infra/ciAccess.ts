/**
 * CI access without long-lived keys: GitHub Actions' OIDC identity provider and the deploy role its
 * workflows assume, trusted only for the configured repository and branches.
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** GitHub Actions' token issuer. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience GitHub's aws-actions/configure-aws-credentials requests. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** Arguments of {@link CiAccess}. */
export interface CiAccessArgs {
  /** Physical name of the deploy role. */
  readonly roleName: string;
  /** `owner/repo`. */
  readonly repository: string;
  /** Branches whose workflows may assume the role (exact names). */
  readonly branches: readonly string[];
  /**
   * Managed policies of the deploy role. `pulumi up` of the whole platform creates networks, IAM
   * roles and KMS keys, so the role needs broad rights; narrow them per account if you can.
   * @default ["arn:aws:iam::aws:policy/AdministratorAccess"]
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
    (args.managedPolicyArns ?? ["arn:aws:iam::aws:policy/AdministratorAccess"]).forEach(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, { parent: this }),
    );
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn, providerArn: this.providerArn });
  }
}

/** The `sub` claims allowed: one per branch, exact (`repo:<owner/repo>:ref:refs/heads/<branch>`). */
export function allowedSubjects(repository: string, branches: readonly string[]): string[] {
  return branches.map((b) => `repo:${repository}:ref:refs/heads/${b}`);
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
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: allowedSubjects(repository, branches),
          },
        },
      },
    ],
  });
}
