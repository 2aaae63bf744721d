/**
 * Network isolation of one tenant: a security group per tier of the application, each accepting
 * traffic from exactly one source. The service accepts only the shared ALB on the app port; the
 * database accepts only the service and the tenant's credential rotation function; the cache accepts
 * only the service. Nothing else names these groups.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Characters EC2 accepts in security group and rule descriptions (anything else, an apostrophe
 * included, fails the create call with InvalidParameterValue).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
 */
export const SECURITY_GROUP_DESCRIPTION_PATTERN = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

/** The ports the tenant's traffic uses. */
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

/** Arguments of {@link TenantNetwork}. */
export interface TenantNetworkArgs {
  /** Tenant id, for descriptions. */
  readonly tenant: string;
  /** The base VPC. */
  readonly vpcId: string;
  /** The shared ALB's security group, the only source the service accepts. */
  readonly albSecurityGroupId: string;
  /** The port the application listens on. */
  readonly appPort: number;
  /** Whether the tenant has a cache (and therefore a cache security group). */
  readonly cache: boolean;
}

/** Security groups and their rules; every rule is its own resource so policies and tests can read it. */
export class TenantNetwork extends pulumi.ComponentResource {
  /** The service's group: in from the ALB on the app port; out to HTTPS, its database and cache. */
  public readonly serviceSecurityGroup: aws.ec2.SecurityGroup;
  /** The database's group: in from the service on 5432; no egress. */
  public readonly databaseSecurityGroup: aws.ec2.SecurityGroup;
  /** The cache's group, when the tier has a cache: in from the service on 6379; no egress. */
  public readonly cacheSecurityGroup?: aws.ec2.SecurityGroup;
  /** The rotation function's group: no ingress; out to HTTPS (Secrets Manager) and the database. */
  public readonly rotationSecurityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: TenantNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:tenant:TenantNetwork", name, {}, opts);
    // No inline rules: the provider then removes AWS's default allow-all egress, so a group with no
    // egress rule below really has none.
    const group = (role: string, what: string) =>
      new aws.ec2.SecurityGroup(
        `${name}-${role}`,
        { vpcId: args.vpcId, description: `Tenant ${args.tenant}: ${what}`, revokeRulesOnDelete: true },
        { parent: this },
      );
    this.serviceSecurityGroup = group("service", "application tasks");
    this.databaseSecurityGroup = group("db", "PostgreSQL database");
    this.cacheSecurityGroup = args.cache ? group("cache", "Redis cache") : undefined;
    this.rotationSecurityGroup = group("rotation", "database credential rotation function");

    const rule = (
      kind: "ingress" | "egress",
      role: string,
      group: pulumi.Input<string>,
      peer: pulumi.Input<string>,
      port: number,
      what: string,
    ) => {
      const ruleArgs = {
        securityGroupId: group,
        referencedSecurityGroupId: peer,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: what,
      };
      return kind === "ingress"
        ? new aws.vpc.SecurityGroupIngressRule(`${name}-${role}`, ruleArgs, { parent: this })
        : new aws.vpc.SecurityGroupEgressRule(`${name}-${role}`, ruleArgs, { parent: this });
    };
    const service = this.serviceSecurityGroup.id;
    rule(
      "ingress",
      "service-from-alb",
      service,
      args.albSecurityGroupId,
      args.appPort,
      "from the shared ALB",
    );
    // The ALB's own egress (into the VPC) belongs to the base stack, inline and exclusive: tenants
    // never add rules to its group, they only name it as the one source of their service's ingress.
    // Tasks reach ECR, Secrets Manager, S3, CloudWatch Logs and the app's own APIs over HTTPS
    // (through the base stack's VPC endpoints or NAT).
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-service-https`,
      {
        securityGroupId: service,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to AWS APIs and the internet",
      },
      { parent: this },
    );
    rule(
      "egress",
      "service-to-db",
      service,
      this.databaseSecurityGroup.id,
      POSTGRES_PORT,
      "to the tenant database",
    );
    rule(
      "ingress",
      "db-from-service",
      this.databaseSecurityGroup.id,
      service,
      POSTGRES_PORT,
      "from the tenant tasks",
    );
    const rotation = this.rotationSecurityGroup.id;
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-rotation-https`,
      {
        securityGroupId: rotation,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to Secrets Manager",
      },
      { parent: this },
    );
    rule(
      "egress",
      "rotation-to-db",
      rotation,
      this.databaseSecurityGroup.id,
      POSTGRES_PORT,
      "to the tenant database",
    );
    rule(
      "ingress",
      "db-from-rotation",
      this.databaseSecurityGroup.id,
      rotation,
      POSTGRES_PORT,
      "from the credential rotation function",
    );
    if (this.cacheSecurityGroup) {
      rule(
        "egress",
        "service-to-cache",
        service,
        this.cacheSecurityGroup.id,
        REDIS_PORT,
        "to the tenant cache",
      );
      rule(
        "ingress",
        "cache-from-service",
        this.cacheSecurityGroup.id,
        service,
        REDIS_PORT,
        "from the tenant tasks",
      );
    }
    this.registerOutputs({
      serviceSecurityGroupId: service,
      databaseSecurityGroupId: this.databaseSecurityGroup.id,
      cacheSecurityGroupId: this.cacheSecurityGroup?.id,
      rotationSecurityGroupId: rotation,
    });
  }
}
