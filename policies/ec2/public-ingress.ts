/**
 * platform-ec2-public-ingress: no security group admits traffic from anywhere (0.0.0.0/0, ::/0, in
 * any spelling, or any range wider than lib/cidr.ts's PUBLIC_PREFIX_LIMIT: /8 for IPv4, /32 for
 * IPv6), except HTTP/HTTPS (tcp 80 and 443); whether those ports belong to the load balancer's group is
 * checked across resources by platform-ec2-public-web-ingress-lb-only. All three ways to write a
 * rule count: inline `ingress`, aws.vpc.SecurityGroupIngressRule and aws.ec2.SecurityGroupRule.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { exposureOf, PUBLIC_PREFIX_LIMIT } from "../lib/cidr";
import { list, num } from "../lib/values";

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

/**
 * The sources of a rule that open it to the internet, as shown in messages: ranges wider than the
 * limit (canonical form, with the spelling used if it differs), and sources that are not CIDR blocks
 * at all (they cannot be vouched for).
 */
export function publicSources(rule: Ingress): string[] {
  return rule.sources.flatMap((source) => {
    const e = exposureOf(source);
    if (e.kind === "invalid") {
      return [`${JSON.stringify(source)} (${JSON.stringify(source)} is not a valid CIDR block)`];
    }
    if (e.kind === "limited") {
      return [];
    }
    return [e.cidr.canonical === source ? source : `${e.cidr.canonical} (written ${source})`];
  });
}

/** True for a rule open to the internet (see {@link publicSources}). */
export function isFromAnywhere(rule: Ingress): boolean {
  return publicSources(rule).length > 0;
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
    description: `Security groups admit nothing from 0.0.0.0/0, ::/0 or any range wider than /${PUBLIC_PREFIX_LIMIT.ipv4} (IPv4) or /${PUBLIC_PREFIX_LIMIT.ipv6} (IPv6) except tcp 80/443.`,
    category: "network",
    severity: "critical",
    controls: { fsbp: ["EC2.13", "EC2.14", "EC2.18", "EC2.19"], cis: ["5.2"] },
    rules: [
      "inline ingress from 0.0.0.0/0 or ::/0 only on tcp 80/443",
      "aws.vpc.SecurityGroupIngressRule from anywhere only on tcp 80/443",
      "aws.ec2.SecurityGroupRule (ingress) from anywhere only on tcp 80/443",
      `sources are compared as networks: any spelling of 0.0.0.0/0 or ::/0, a range wider than /${PUBLIC_PREFIX_LIMIT.ipv4} (IPv4) or /${PUBLIC_PREFIX_LIMIT.ipv6} (IPv6), or a source that is not a CIDR block counts as the internet`,
    ],
    remediationSteps:
      "Allow the source security group instead of a CIDR (referencedSecurityGroupId / sourceSecurityGroupId), or reach the instance through SSM Session Manager rather than opening ports.",
  },
  [aws.ec2.SecurityGroup, aws.vpc.SecurityGroupIngressRule, aws.ec2.SecurityGroupRule],
  (_props, ctx, report) => {
    for (const rule of ingressOf(ctx.args.type, ctx.args.props)) {
      if (isFromAnywhere(rule) && !isPublicWeb(rule)) {
        report(
          `${ctx.args.type} "${ctx.args.name}" admits ${describeRule(rule)} from ${publicSources(rule).join(", ")}. ` +
            `Only the load balancer may be reached from the internet, on tcp 80/443; allow a source security group instead.`,
        );
      }
    }
  },
);
