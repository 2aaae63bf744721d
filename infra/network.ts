/**
 * The network: a VPC over three AZs with public, private and isolated subnets, NAT per the
 * environment profile, VPC endpoints, flow logs, and the database and cache subnet groups.
 *
 * Built from plain @pulumi/aws resources rather than awsx (docs/decisions/0001-network-without-awsx.md):
 * every route, subnet and endpoint is a resource the tests and the policy pack can see.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Environment, ENVIRONMENT_PROFILES, LOG_RETENTION_DAYS, physicalName } from "../common";
import { MAX_AZS, planSubnets, SubnetPlan } from "./cidr";
import { VpcEndpoints } from "./endpoints";
import { FlowLogs } from "./flowLogs";

/** The three subnet tiers. */
export const SUBNET_TIERS = ["public", "private", "isolated"] as const;
/** One of {@link SUBNET_TIERS}. */
export type SubnetTier = (typeof SUBNET_TIERS)[number];

/**
 * The `Name` tag the EC2 console shows: the physical naming scheme (`plat-stg-public-0`); tag
 * values allow 256 characters, the `ecs` rule's 255 is the matching limit.
 */
function nameTag(environment: Environment, role: string): string {
  return physicalName("ecs", { environment, role });
}

/** Arguments of {@link Network}. */
export interface NetworkArgs {
  readonly environment: Environment;
  /** Region, for the endpoint service names. */
  readonly region: string;
  /** The VPC's IPv4 CIDR (validated by the config). */
  readonly cidr: string;
  /** KMS key that encrypts the flow log group. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * NAT gateways: one shared, or one per AZ so an AZ outage does not cut the others' egress.
   * @default the environment profile's `natGateways`
   */
  readonly natGateways?: "single" | "perAz";
  /**
   * Flow log retention in days.
   * @default the environment profile's `logRetentionFloorDays`
   */
  readonly flowLogRetentionDays?: number;
}

/** The VPC with its subnets, routes, NAT, endpoints, flow logs and subnet groups. */
export class Network extends pulumi.ComponentResource {
  public readonly vpc: aws.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidr: string;
  /** Subnet ids per tier, in AZ order. */
  public readonly subnetIds: Record<SubnetTier, pulumi.Output<string>[]>;
  /** Route tables: one public, one private per AZ, one isolated (no route out). */
  public readonly routeTables: Record<SubnetTier, aws.ec2.RouteTable[]>;
  public readonly natGateways: aws.ec2.NatGateway[];
  public readonly dbSubnetGroupName: pulumi.Output<string>;
  public readonly cacheSubnetGroupName: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate first: a bad argument must fail before even the component is registered.
    const settings = normalize(args);
    super("platform:network:Network", name, {}, opts);
    this.cidr = args.cidr;

    this.vpc = new aws.ec2.Vpc(
      name,
      {
        cidrBlock: args.cidr,
        enableDnsHostnames: true, // interface endpoints' private DNS needs both
        enableDnsSupport: true,
        tags: { Name: nameTag(args.environment, "vpc") },
      },
      { parent: this },
    );
    this.vpcId = this.vpc.id;
    this.restrictDefaultSecurityGroup(name);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id }, { parent: this });
    const subnets = this.createSubnets(name, args.environment, settings.plan);
    this.subnetIds = {
      // Public subnet ids resolve once the internet gateway is attached: AWS refuses an
      // internet-facing load balancer ("InvalidSubnet: VPC ... has no internet gateway") in a VPC
      // without one, and the ALB takes nothing else from the network that would order them.
      public: subnets.public.map((s) => pulumi.all([s.id, igw.id]).apply(([id]) => id)),
      private: subnets.private.map((s) => s.id),
      isolated: subnets.isolated.map((s) => s.id),
    };
    this.natGateways = this.createNatGateways(name, settings.natGateways, subnets.public, igw);
    this.routeTables = this.createRouteTables(name, subnets, igw);

    new FlowLogs(
      `${name}-flow-logs`,
      {
        vpcId: this.vpc.id,
        environment: args.environment,
        kmsKeyArn: args.kmsKeyArn,
        retentionInDays: settings.flowLogRetentionDays,
      },
      { parent: this },
    );
    new VpcEndpoints(
      `${name}-endpoints`,
      {
        vpcId: this.vpc.id,
        vpcCidr: args.cidr,
        region: args.region,
        subnetIds: this.subnetIds.private,
        gatewayRouteTableIds: this.routeTables.private.map((rt) => rt.id),
      },
      { parent: this },
    );
    const groups = this.createSubnetGroups(name, args.environment);
    this.dbSubnetGroupName = groups.db;
    this.cacheSubnetGroupName = groups.cache;

    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.subnetIds.public,
      privateSubnetIds: this.subnetIds.private,
      isolatedSubnetIds: this.subnetIds.isolated,
      dbSubnetGroupName: this.dbSubnetGroupName,
      cacheSubnetGroupName: this.cacheSubnetGroupName,
    });
  }

  /** One subnet per tier and AZ, in the first three available AZs of the region. */
  private createSubnets(
    name: string,
    environment: Environment,
    plan: SubnetPlan,
  ): Record<SubnetTier, aws.ec2.Subnet[]> {
    const azs = aws
      .getAvailabilityZonesOutput({ state: "available" }, { parent: this })
      .names.apply((names) => {
        if (names.length < MAX_AZS) {
          throw new Error(
            `region offers ${names.length} available AZs (${names.join(", ")}); the network needs ${MAX_AZS}`,
          );
        }
        return names.slice(0, MAX_AZS);
      });
    const tier = (t: SubnetTier) =>
      plan[t].map(
        (cidrBlock, i) =>
          new aws.ec2.Subnet(
            `${name}-${t}-${i}`,
            {
              vpcId: this.vpc.id,
              cidrBlock,
              availabilityZone: azs[i],
              // Only the public tier hands out public IPs (NAT, ALB); nothing else is reachable.
              mapPublicIpOnLaunch: t === "public",
              tags: { Name: nameTag(environment, `${t}-${i}`) },
            },
            { parent: this },
          ),
      );
    return { public: tier("public"), private: tier("private"), isolated: tier("isolated") };
  }

  /** The RDS and ElastiCache subnet groups over the isolated subnets, for tenant data stores. */
  private createSubnetGroups(name: string, environment: Environment) {
    const db = new aws.rds.SubnetGroup(
      `${name}-db`,
      {
        name: physicalName("rds", { environment, role: "isolated" }),
        description: "Isolated subnets of the platform VPC: tenant databases",
        subnetIds: this.subnetIds.isolated,
      },
      { parent: this },
    );
    const cache = new aws.elasticache.SubnetGroup(
      `${name}-cache`,
      {
        name: physicalName("elasticache", { environment, role: "isolated" }),
        description: "Isolated subnets of the platform VPC: tenant caches",
        subnetIds: this.subnetIds.isolated,
      },
      { parent: this },
    );
    return { db: db.name, cache: cache.name };
  }

  /**
   * Adopts the VPC's default security group and removes its rules, so nothing placed in it by
   * accident can talk to anything (CIS AWS Foundations 5.4).
   */
  private restrictDefaultSecurityGroup(name: string): void {
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: this.vpc.id, ingress: [], egress: [], tags: { Name: "default (no rules)" } },
      { parent: this },
    );
  }

  /** One NAT gateway (with its Elastic IP) in the first public subnet, or one in each. */
  private createNatGateways(
    name: string,
    mode: "single" | "perAz",
    publicSubnets: aws.ec2.Subnet[],
    igw: aws.ec2.InternetGateway,
  ): aws.ec2.NatGateway[] {
    const count = mode === "perAz" ? publicSubnets.length : 1;
    return publicSubnets.slice(0, count).map((subnet, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc" }, { parent: this });
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: subnet.id, connectivityType: "public" },
        // A NAT gateway needs the internet gateway attached before it can route.
        { parent: this, dependsOn: [igw] },
      );
    });
  }

  /**
   * Public: one table, default route to the internet gateway. Private: one table per AZ, default
   * route to the AZ's NAT (or the single NAT). Isolated: one table with only the local route.
   */
  private createRouteTables(
    name: string,
    subnets: Record<SubnetTier, aws.ec2.Subnet[]>,
    igw: aws.ec2.InternetGateway,
  ): Record<SubnetTier, aws.ec2.RouteTable[]> {
    const table = (role: string) =>
      new aws.ec2.RouteTable(`${name}-${role}`, { vpcId: this.vpc.id }, { parent: this });
    const defaultRoute = (
      role: string,
      routeTable: aws.ec2.RouteTable,
      target: Pick<aws.ec2.RouteArgs, "gatewayId" | "natGatewayId">,
    ) =>
      new aws.ec2.Route(
        `${name}-${role}-default`,
        { ...target, routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0" },
        { parent: this },
      );

    const publicTable = table("public");
    defaultRoute("public", publicTable, { gatewayId: igw.id });
    const privateTables = subnets.private.map((_, i) => {
      const rt = table(`private-${i}`);
      const nat = this.natGateways[Math.min(i, this.natGateways.length - 1)];
      defaultRoute(`private-${i}`, rt, { natGatewayId: nat.id });
      return rt;
    });
    const isolatedTable = table("isolated");

    const associate = (tier: SubnetTier, tableOf: (i: number) => aws.ec2.RouteTable) =>
      subnets[tier].forEach(
        (subnet, i) =>
          new aws.ec2.RouteTableAssociation(
            `${name}-${tier}-${i}`,
            { subnetId: subnet.id, routeTableId: tableOf(i).id },
            { parent: this },
          ),
      );
    associate("public", () => publicTable);
    associate("private", (i) => privateTables[i]);
    associate("isolated", () => isolatedTable);
    return { public: [publicTable], private: privateTables, isolated: [isolatedTable] };
  }
}

/**
 * Applies the defaults and checks the arguments, before any resource exists.
 * @throws naming the field, the value and what is allowed.
 */
function normalize(args: NetworkArgs) {
  const profile = ENVIRONMENT_PROFILES[args.environment];
  const flowLogRetentionDays = args.flowLogRetentionDays ?? profile.logRetentionFloorDays;
  if (
    flowLogRetentionDays < profile.logRetentionFloorDays ||
    !(LOG_RETENTION_DAYS as readonly number[]).includes(flowLogRetentionDays)
  ) {
    throw new Error(
      `network flowLogRetentionDays ${flowLogRetentionDays}: allowed a CloudWatch Logs retention of at least ` +
        `${profile.logRetentionFloorDays} days in ${args.environment} (${LOG_RETENTION_DAYS.filter((d) => d >= profile.logRetentionFloorDays).join(", ")})`,
    );
  }
  return {
    plan: planSubnets(args.cidr, MAX_AZS),
    natGateways: args.natGateways ?? profile.natGateways,
    flowLogRetentionDays,
  };
}
