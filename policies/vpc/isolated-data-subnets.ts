/**
 * platform-vpc-isolated-data-subnets: databases and caches live in isolated subnets, with no route
 * to the internet in either direction. On the base stack the subnet group, its subnets and their
 * route tables are all in the stack and are checked route by route; a tenant stack uses the base
 * stack's groups, which it must take from the base outputs contract (dbSubnetGroupName,
 * cacheSubnetGroupName, read through its StackReference). The engine does not show stack policies
 * the StackReference; there the base's groups are known by the name the base program gives them.
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { ofClass, PlatformPolicy, stackPolicy } from "../lib/policy";
import { resolveRef } from "../lib/refs";
import { stackInfoFromUrn } from "../lib/stack-info";
import { Environment, physicalName } from "../../common";
import { list } from "../lib/values";

const DEFAULT_ROUTES = ["0.0.0.0/0", "::/0"];

type Route = {
  destinationCidrBlock?: string;
  destinationIpv6CidrBlock?: string;
  ipv6CidrBlock?: string;
  cidrBlock?: string;
  gatewayId?: string;
  natGatewayId?: string;
  egressOnlyGatewayId?: string;
};

function routesOut(routes: readonly Route[]): string[] {
  return routes
    .filter((r) =>
      DEFAULT_ROUTES.includes(
        r.destinationCidrBlock ?? r.cidrBlock ?? r.destinationIpv6CidrBlock ?? r.ipv6CidrBlock ?? "",
      ),
    )
    .filter((r) => r.gatewayId || r.natGatewayId || r.egressOnlyGatewayId)
    .map((r) =>
      r.natGatewayId
        ? "a NAT gateway"
        : r.egressOnlyGatewayId
          ? "an egress-only gateway"
          : "an internet gateway",
    );
}

/** The name the base program gives its isolated subnet group of this kind (infra/network.ts). */
function baseIsolatedGroup(contractKey: string, environment: Environment): string {
  return physicalName(contractKey === "dbSubnetGroupName" ? "rds" : "elasticache", {
    environment,
    role: "isolated",
  });
}

export const isolatedDataSubnets: PlatformPolicy = stackPolicy(
  {
    name: "platform-vpc-isolated-data-subnets",
    description: "Databases and caches are placed in isolated subnets (no route to or from the internet).",
    category: "network",
    severity: "critical",
    controls: { fsbp: ["ElastiCache.7"] },
    rules: [
      "an in-stack data subnet group holds only subnets without public IPs and without a default route to an internet or NAT gateway",
      "a tenant's data store uses the base stack's dbSubnetGroupName / cacheSubnetGroupName output",
    ],
    remediationSteps:
      "Use the base stack's isolated subnet groups (dbSubnetGroupName, cacheSubnetGroupName) for every database and cache.",
  },
  (resources, _ctx, report) => {
    const subnetGroups = ofClass(resources, aws.rds.SubnetGroup, aws.elasticache.SubnetGroup);
    const subnets = ofClass(resources, aws.ec2.Subnet);
    const tables = ofClass(resources, aws.ec2.RouteTable);
    const routeResources = ofClass(resources, aws.ec2.Route);
    const associations = ofClass(resources, aws.ec2.RouteTableAssociation);
    const baseOutputs = resources
      .filter((r) => r.type === "pulumi:pulumi:StackReference")
      .map((r) => (r.props.outputs ?? {}) as Record<string, unknown>);

    const exits = (subnet: PolicyResource): string[] => {
      const problems: string[] = [];
      if (subnet.props.mapPublicIpOnLaunch === true) {
        problems.push("it gives instances public IPs");
      }
      for (const assoc of associations.filter((a) => resolveRef(a.props.subnetId, [subnet], ["id"]))) {
        const table = resolveRef(assoc.props.routeTableId, tables, ["id"]);
        const routes: Route[] = [
          ...list<Route>(table?.props.routes),
          ...routeResources
            .filter((r) => r.props.routeTableId === assoc.props.routeTableId)
            .map((r) => r.props as Route),
        ];
        routesOut(routes).forEach((via) => problems.push(`its route table sends 0.0.0.0/0 to ${via}`));
      }
      return problems;
    };

    const stores: { r: PolicyResource; group: unknown; contractKey: string }[] = [
      ...ofClass(resources, aws.rds.Instance, aws.rds.Cluster).map((r) => ({
        r,
        group: r.props.dbSubnetGroupName,
        contractKey: "dbSubnetGroupName",
      })),
      ...ofClass(resources, aws.elasticache.ReplicationGroup).map((r) => ({
        r,
        group: r.props.subnetGroupName,
        contractKey: "cacheSubnetGroupName",
      })),
    ];
    for (const { r, group, contractKey } of stores) {
      const where = `${r.type} "${r.name}"`;
      const inStack = resolveRef(group, subnetGroups, ["name", "id"]);
      if (inStack) {
        for (const subnetId of list<string>(inStack.props.subnetIds)) {
          const subnet = resolveRef(subnetId, subnets, ["id"]);
          const problems = subnet ? exits(subnet) : [];
          if (problems.length > 0) {
            report(
              `${where} uses subnet group "${inStack.name}" whose subnet "${subnet?.name}" is not isolated: ${problems.join("; ")}. Put data stores in the isolated subnets only.`,
              r.urn,
            );
          }
        }
      } else {
        // The base stack's group: from the StackReference where the policy sees it (the offline
        // check); the engine hands stack policies no StackReference, so there it is the name the
        // base program gives its isolated group, from the one naming function (common/naming.ts).
        const expected =
          baseOutputs.length > 0
            ? baseOutputs.map((o) => o[contractKey]).filter((v): v is string => typeof v === "string")
            : [baseIsolatedGroup(contractKey, stackInfoFromUrn(r.urn).environment)];
        if (typeof group !== "string" || !expected.includes(group)) {
          report(
            `${where}: subnet group ${JSON.stringify(group)} is not the base stack's isolated ${contractKey} (${expected.map((e) => JSON.stringify(e)).join(", ") || "not exported"}). Use the base output.`,
            r.urn,
          );
        }
      }
    }
  },
);
