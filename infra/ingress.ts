/**
 * Ingress: one internet-facing ALB, an ingress shard (common/ingress.ts). HTTPS only (HTTP
 * redirects), a modern TLS policy, HSTS on every HTTPS answer, a 404 for unknown hosts, access logs,
 * and a WAF where the environment wants one. The first shard creates what every shard shares (the
 * security group, the certificate, the web ACL) and the domain's apex and wildcard names point at
 * it, so the redirect and the 404 answer under any name of the domain; every further shard reuses
 * those and answers at its own name. Tenant stacks attach host-header listener rules to their
 * shard's HTTPS listener (and their own alias records, which take precedence over the wildcard).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccessLogBucket } from "./accessLogs";
import { Certificate } from "./certificate";
import type { ServerAccessLogTarget } from "./s3AccessLogs";
import { WebAcl } from "./waf";

/** TLS 1.3 and 1.2 only, forward secrecy (ELB's recommended policy for new listeners). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * The Strict-Transport-Security header the HTTPS listener adds to every answer: browsers use HTTPS
 * for the domain and every tenant below it for a year. No `preload`: that is a commitment to the
 * browsers' lists made by the domain's owner, not by a stack.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html
 */
export const HSTS_HEADER_VALUE = "max-age=31536000; includeSubDomains";

/** Arguments of {@link Ingress}. */
export interface IngressArgs {
  /** Physical name of the load balancer (32 characters at most). */
  readonly loadBalancerName: string;
  readonly vpcId: pulumi.Input<string>;
  /** The VPC CIDR: the only destination the ALB may open connections to (its targets). */
  readonly vpcCidr: string;
  /** Public subnets, one per AZ. */
  readonly publicSubnetIds: pulumi.Input<string>[];
  /** The platform domain and the zone that validates its certificate. */
  readonly domain: string;
  readonly zoneId: pulumi.Input<string>;
  /** Days access logs are kept. */
  readonly accessLogExpirationDays: number;
  /**
   * Where the access-log bucket's own S3 server access logs go (FSBP S3.9).
   * @default { enabled: false }
   */
  readonly serverAccessLogs?:
    { readonly enabled: false } | ({ readonly enabled: true } & ServerAccessLogTarget);
  /**
   * Deletion protection on the load balancer.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * The WAFv2 web ACL.
   * @default { enabled: false }
   */
  readonly waf?:
    | { readonly enabled: false }
    | { readonly enabled: true; readonly rateLimitPerFiveMinutes?: number }
    /** Another shard's web ACL: only the association is created here. */
    | { readonly enabled: true; readonly existingWebAclArn: pulumi.Input<string> };
  /**
   * What the shards share: created here (the first shard), or another shard's.
   * @default { create: true }
   */
  readonly shared?: { readonly create: true } | { readonly existing: SharedIngress };
  /**
   * The alias records that point at the ALB, each a role (the child's name suffix) and a DNS name.
   * @default the apex and the wildcard of `domain`
   */
  readonly records?: readonly { readonly role: string; readonly name: string }[];
}

/** What every shard's ALB uses from the first one. */
export interface SharedIngress {
  readonly securityGroupId: pulumi.Input<string>;
  readonly certificateArn: pulumi.Input<string>;
}

/** The ALB, its security group, listeners, certificate, access logs and optional WAF. */
export class Ingress extends pulumi.ComponentResource {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly httpsListenerArn: pulumi.Output<string>;
  /** What further shards reuse. */
  public readonly shared: SharedIngress;
  /** The web ACL, where this shard created one. */
  public readonly webAclArn?: pulumi.Output<string>;

  constructor(name: string, args: IngressArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:ingress:Ingress", name, {}, opts);
    const shared = args.shared ?? { create: true };
    const securityGroupId =
      "existing" in shared
        ? pulumi.output(shared.existing.securityGroupId)
        : this.createSecurityGroup(name, args).id;
    const logs = new AccessLogBucket(
      `${name}-access-logs`,
      { expirationDays: args.accessLogExpirationDays, serverAccessLogs: args.serverAccessLogs },
      { parent: this },
    );
    this.loadBalancer = new aws.lb.LoadBalancer(
      name,
      {
        name: args.loadBalancerName,
        loadBalancerType: "application",
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [securityGroupId],
        // Requests with header names that are not valid HTTP never reach a tenant.
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.deletionProtection ?? false,
        accessLogs: { bucket: logs.bucketName, enabled: true },
      },
      { parent: this, dependsOn: logs.ready },
    );
    const certificateArn =
      "existing" in shared
        ? pulumi.output(shared.existing.certificateArn)
        : new Certificate(
            `${name}-certificate`,
            { domain: args.domain, zoneId: args.zoneId },
            { parent: this },
          ).validatedArn;
    const https = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn,
        routingHttpResponseStrictTransportSecurityHeaderValue: HSTS_HEADER_VALUE,
        // Hosts no tenant rule matches get a 404, not some tenant's app.
        defaultActions: [
          {
            type: "fixed-response",
            fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" },
          },
        ],
      },
      { parent: this },
    );
    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [
          { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
        ],
      },
      { parent: this },
    );
    // By default `<domain>` and `*.<domain>` resolve to the ALB: the apex redirects to HTTPS and a
    // host no tenant claims gets the listener's 404 (README, "After pulumi up").
    const records = args.records ?? [
      { role: "apex", name: args.domain },
      { role: "wildcard", name: `*.${args.domain}` },
    ];
    for (const { role, name: recordName } of records) {
      new aws.route53.Record(
        `${name}-${role}`,
        {
          zoneId: args.zoneId,
          name: recordName,
          type: "A",
          aliases: [
            {
              name: this.loadBalancer.dnsName,
              zoneId: this.loadBalancer.zoneId,
              evaluateTargetHealth: false,
            },
          ],
        },
        { parent: this },
      );
    }
    const waf = args.waf ?? { enabled: false };
    if (waf.enabled && "existingWebAclArn" in waf) {
      // The same association a WebAcl makes, under the name it would give it.
      new aws.wafv2.WebAclAssociation(
        `${name}-waf-alb`,
        { resourceArn: this.loadBalancer.arn, webAclArn: waf.existingWebAclArn },
        { parent: this },
      );
    } else if (waf.enabled) {
      this.webAclArn = new WebAcl(
        `${name}-waf`,
        { loadBalancerArn: this.loadBalancer.arn, rateLimitPerFiveMinutes: waf.rateLimitPerFiveMinutes },
        { parent: this },
      ).arn;
    }
    this.securityGroupId = securityGroupId;
    this.httpsListenerArn = https.arn;
    this.shared = { securityGroupId, certificateArn };
    this.registerOutputs({
      albArn: this.loadBalancer.arn,
      securityGroupId: this.securityGroupId,
      httpsListenerArn: this.httpsListenerArn,
    });
  }

  /**
   * The ALB's security group: HTTP and HTTPS from anywhere, egress only into the VPC (targets).
   * Rules are inline and exclusive: tenants allow traffic from this group in their own groups and
   * never add rules here.
   */
  private createSecurityGroup(name: string, args: IngressArgs): aws.ec2.SecurityGroup {
    return new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "Shared ALB: HTTP/HTTPS from the internet, egress to targets in the VPC",
        ingress: [
          { description: "HTTPS", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
          {
            description: "HTTP (redirects to HTTPS)",
            protocol: "tcp",
            fromPort: 80,
            toPort: 80,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        egress: [
          {
            description: "To targets in the VPC",
            protocol: "tcp",
            fromPort: 0,
            toPort: 65535,
            cidrBlocks: [args.vpcCidr],
          },
        ],
      },
      { parent: this },
    );
  }
}
