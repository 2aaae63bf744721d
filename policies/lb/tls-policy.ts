/**
 * platform-lb-tls-policy: HTTPS/TLS listeners use a modern security policy (TLS 1.2+ with forward
 * secrecy, TLS 1.3 preferred) and a certificate.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isSetRef, show } from "../lib/values";

/** Security policies accepted by default (overridable with config `allowedSslPolicies`). */
export const MODERN_SSL_POLICIES: readonly string[] = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

export const lbTlsPolicy: PlatformPolicy = resourcePolicy(
  {
    name: "platform-lb-tls-policy",
    description: "HTTPS and TLS listeners use a modern TLS security policy and a certificate.",
    category: "encryption",
    severity: "high",
    controls: {
      none: "a platform rule (modern TLS policies on ALB listeners); the FSBP list has no ALB TLS policy control (ELB.2/ELB.3 are Classic Load Balancer controls)",
    },
    rules: ["sslPolicy is one of the modern policies (TLS 1.2+, forward secrecy)", "certificateArn is set"],
    remediationSteps:
      'Set sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" (or stricter) and certificateArn.',
    config: {
      allowedSslPolicies: {
        type: "array",
        items: { type: "string" },
        description: "Security policies accepted instead of the built-in list.",
      },
    },
  },
  [aws.lb.Listener, aws.alb.Listener],
  (listener, ctx, report) => {
    if (listener.protocol !== "HTTPS" && listener.protocol !== "TLS") {
      return;
    }
    const allowed = (ctx.config.allowedSslPolicies as string[] | undefined) ?? MODERN_SSL_POLICIES;
    const where = `${listener.protocol} listener "${ctx.args.name}"`;
    if (!allowed.includes(listener.sslPolicy as string)) {
      report(
        `${where}: sslPolicy ${show(listener.sslPolicy)} allows old TLS versions or ciphers; use "ELBSecurityPolicy-TLS13-1-2-2021-06" (allowed: ${allowed.join(", ")}).`,
      );
    }
    if (!isSetRef(() => listener.certificateArn)) {
      report(`${where}: certificateArn is not set; attach the platform's ACM certificate.`);
    }
  },
);
