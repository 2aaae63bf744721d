/**
 * platform-ec2-public-web-ingress-lb-only: the internet may reach tcp 80/443 only on a security group
 * attached to a load balancer. Which group a rule belongs to and which groups a load balancer uses
 * are separate resources, so this is a stack policy.
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { ofClass, PlatformPolicy, stackPolicy } from "../lib/policy";
import { resolveRef } from "../lib/refs";
import { list } from "../lib/values";
import { describeRule, ingressOf, isFromAnywhere } from "./public-ingress";

export const publicWebIngressLbOnly: PlatformPolicy = stackPolicy(
  {
    name: "platform-ec2-public-web-ingress-lb-only",
    description: "Ingress from the internet is allowed only on security groups attached to a load balancer.",
    category: "network",
    severity: "critical",
    controls: { fsbp: ["EC2.18"] },
    rules: [
      "a rule from 0.0.0.0/0 or ::/0 belongs to a security group listed in a load balancer's securityGroups",
    ],
    remediationSteps:
      "Put internet-facing traffic behind the shared ALB; tasks and data stores allow only the ALB's (or the tasks') security group.",
  },
  (resources, _ctx, report) => {
    const groups = ofClass(resources, aws.ec2.SecurityGroup);
    const lbGroups = new Set<string>();
    for (const lb of ofClass(resources, aws.lb.LoadBalancer, aws.alb.LoadBalancer)) {
      list<string>(lb.props.securityGroups).forEach((g) => lbGroups.add(g));
    }
    const check = (rule: PolicyResource, group: PolicyResource | undefined, groupRef: unknown) => {
      for (const ingress of ingressOf(rule.type, rule.props)) {
        if (!isFromAnywhere(ingress)) {
          continue;
        }
        const ids = group ? [group.props.id, group.props.name] : [groupRef];
        if (!ids.some((id) => typeof id === "string" && lbGroups.has(id))) {
          report(
            `${rule.type} "${rule.name}" opens ${describeRule(ingress)} to the internet on security group ${JSON.stringify(group?.name ?? groupRef)}, which no load balancer uses. ` +
              `Route the traffic through the shared ALB and allow only its security group here.`,
            rule.urn,
          );
        }
      }
    };
    for (const group of groups) {
      check(group, group, group.props.id);
    }
    for (const rule of ofClass(resources, aws.vpc.SecurityGroupIngressRule, aws.ec2.SecurityGroupRule)) {
      const ref = rule.props.securityGroupId;
      check(rule, resolveRef(ref, groups, ["id"]), ref);
    }
  },
);
