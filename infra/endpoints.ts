/**
 * VPC endpoints: the S3 gateway endpoint on the private route tables, and interface endpoints in
 * the private subnets, so Fargate tasks pull images, ship logs and read secrets without the NAT.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Interface endpoints every tenant service needs: ECR API and registry (image pulls), CloudWatch
 * Logs (awslogs driver), Secrets Manager (database credentials).
 */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] as const;

/** Arguments of {@link VpcEndpoints}. */
export interface VpcEndpointsArgs {
  readonly vpcId: pulumi.Input<string>;
  /** The VPC CIDR: the only source the endpoints accept HTTPS from. */
  readonly vpcCidr: string;
  /** Region of the endpoint services. */
  readonly region: string;
  /** Subnets of the interface endpoints' network interfaces (the private subnets). */
  readonly subnetIds: pulumi.Input<string>[];
  /** Route tables that get the S3 gateway route (the private tables). */
  readonly gatewayRouteTableIds: pulumi.Input<string>[];
  /**
   * Interface endpoint services, short form (`ecr.api`).
   * @default INTERFACE_ENDPOINT_SERVICES
   */
  readonly interfaceServices?: readonly string[];
}

/** The VPC's endpoints and the interface endpoints' security group. */
export class VpcEndpoints extends pulumi.ComponentResource {
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: VpcEndpointsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:network:VpcEndpoints", name, {}, opts);
    const services = args.interfaceServices ?? INTERFACE_ENDPOINT_SERVICES;

    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: args.vpcId,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: args.gatewayRouteTableIds,
      },
      { parent: this },
    );

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "Interface VPC endpoints: HTTPS from inside the VPC only",
        ingress: [
          {
            description: "HTTPS from the VPC",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [args.vpcCidr],
          },
        ],
        // Endpoints only answer; they never open connections.
        egress: [],
      },
      { parent: this },
    );
    for (const service of services) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(/\./g, "-")}`,
        {
          vpcId: args.vpcId,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: args.subnetIds,
          securityGroupIds: [securityGroup.id],
        },
        { parent: this },
      );
    }
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ securityGroupId: this.securityGroupId });
  }
}
