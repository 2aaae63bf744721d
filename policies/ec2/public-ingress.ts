/**
 * platform-ec2-public-ingress: no security group admits traffic from anywhere (0.0.0.0/0, ::/0),
 * except HTTP/HTTPS (tcp 80 and 443); whether those ports belong to the load balancer's group is
 * checked across resources by platform-ec2-public-web-ingress-lb-only. All three ways to write a
 * rule count: inline `ingress`, aws.vpc.SecurityGroupIngressRule and aws.ec2.SecurityGroupRule.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { list, num } from "../lib/values";

/** Sources meaning "the whole internet". */
export const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** Ports the load balancer may open to the internet. */
export const PUBLIC_WEB_PORTS = [80, 443];

/** One ingress permission, whatever resource it came from. */
export interface Ingress {
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly sources: string[];
}

/** The ingress permissions a resource declares (empty for egress rules and other types). */
export function ingressOf(type: string, props: Record<string, any>): Ingress[] {
  switch (type) {
    case "aws:ec2/securityGroup:SecurityGroup":
      return list(props.ingress).map((r: any) => ({
        protocol: String(r.protocol ?? ""),
        fromPort: num(r.fromPort),
        toPort: num(r.toPort),
        sources: [...list<string>(r.cidrBlocks), ...list<string>(r.ipv6CidrBlocks)],
      }));
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return [
        {
          protocol: String(props.ipProtocol ?? ""),
          fromPort: num(props.fromPort),
          toPort: num(props.toPort),
          sources: [props.cidrIpv4, props.cidrIpv6].filter((s): s is string => typeof s === "string"),
        },
      ];
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      return props.type === "ingress"
        ? [
            {
              protocol: String(props.protocol ?? ""),
              fromPort: num(props.fromPort),
              toPort: num(props.toPort),
              sources: [...list<string>(props.cidrBlocks), ...list<string>(props.ipv6CidrBlocks)],
            },
          ]
        : [];
    default:
      return [];
  }
}

/** True for a rule open to the internet. */
export function isFromAnywhere(rule: Ingress): boolean {
  return rule.sources.some((s) => ANYWHERE.includes(s));
}

/** True for tcp on exactly port 80 or 443. */
export function isPublicWeb(rule: Ingress): boolean {
  const tcp = rule.protocol === "tcp" || rule.protocol === "6";
  return (
    tcp &&
    rule.fromPort !== undefined &&
    rule.fromPort === rule.toPort &&
    PUBLIC_WEB_PORTS.includes(rule.fromPort)
  );
}

/** "tcp 22-22", "all traffic". */
export function describeRule(rule: Ingress): string {
  if (rule.protocol === "-1" || rule.protocol === "all") {
    return "all traffic";
  }
  return `${rule.protocol} ${rule.fromPort ?? "?"}${rule.toPort !== rule.fromPort ? `-${rule.toPort ?? "?"}` : ""}`;
}

export const publicIngress: PlatformPolicy = resourcePolicy(
  {
    name: "platform-ec2-public-ingress",
    description: "Security groups admit nothing from 0.0.0.0/0 or ::/0 except tcp 80/443.",
    category: "network",
    severity: "critical",
    rules: [
      "inline ingress from 0.0.0.0/0 or ::/0 only on tcp 80/443",
      "aws.vpc.SecurityGroupIngressRule from anywhere only on tcp 80/443",
      "aws.ec2.SecurityGroupRule (ingress) from anywhere only on tcp 80/443",
    ],
    remediationSteps:
      "Allow the source security group instead of a CIDR (referencedSecurityGroupId / sourceSecurityGroupId), or reach the instance through SSM Session Manager rather than opening ports.",
  },
  [aws.ec2.SecurityGroup, aws.vpc.SecurityGroupIngressRule, aws.ec2.SecurityGroupRule],
  (_props, ctx, report) => {
    for (const rule of ingressOf(ctx.args.type, ctx.args.props)) {
      if (isFromAnywhere(rule) && !isPublicWeb(rule)) {
        report(
          `${ctx.args.type} "${ctx.args.name}" admits ${describeRule(rule)} from ${rule.sources.filter((s) => ANYWHERE.includes(s)).join(", ")}. ` +
            `Only the load balancer may be reached from the internet, on tcp 80/443; allow a source security group instead.`,
        );
      }
    }
  },
);
