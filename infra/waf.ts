/**
 * The WAFv2 web ACL in front of the shared ALB: AWS managed rule groups and a per-IP rate limit.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** AWS managed rule groups, in evaluation order. */
export const MANAGED_RULE_GROUPS = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
] as const;

/** Arguments of {@link WebAcl}. */
export interface WebAclArgs {
  /** The load balancer to protect. */
  readonly loadBalancerArn: pulumi.Input<string>;
  /**
   * Requests per client IP in any 5-minute window before WAF blocks the IP.
   * @default 2000
   */
  readonly rateLimitPerFiveMinutes?: number;
}

/** A regional web ACL and its association with the ALB. */
export class WebAcl extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: WebAclArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:ingress:WebAcl", name, {}, opts);
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const acl = new aws.wafv2.WebAcl(
      name,
      {
        scope: "REGIONAL",
        description: "Shared ALB: AWS managed rule groups and a per-IP rate limit",
        defaultAction: { allow: {} },
        rules: [
          ...MANAGED_RULE_GROUPS.map((group, i) => ({
            name: group,
            priority: i,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
            visibilityConfig: visibility(group),
          })),
          {
            name: "RateLimitPerIp",
            priority: MANAGED_RULE_GROUPS.length,
            action: { block: {} },
            statement: {
              rateBasedStatement: { limit: args.rateLimitPerFiveMinutes ?? 2000, aggregateKeyType: "IP" },
            },
            visibilityConfig: visibility("RateLimitPerIp"),
          },
        ],
        visibilityConfig: visibility(name),
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(
      `${name}-alb`,
      { resourceArn: args.loadBalancerArn, webAclArn: acl.arn },
      { parent: this },
    );
    this.arn = acl.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
