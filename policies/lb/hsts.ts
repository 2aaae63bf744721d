/**
 * platform-lb-hsts: HTTPS listeners send Strict-Transport-Security for at least a year, subdomains
 * included, so browsers never fall back to HTTP for the platform domain or any tenant below it.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { show } from "../lib/values";

/** A year, in seconds: the least `max-age` accepted (the HSTS preload lists' floor). */
export const HSTS_MIN_MAX_AGE = 31536000;

export const lbHsts: PlatformPolicy = resourcePolicy(
  {
    name: "platform-lb-hsts",
    description: "HTTPS listeners send Strict-Transport-Security for a year or more, subdomains included.",
    category: "network",
    severity: "medium",
    controls: {
      none: "a platform rule (HSTS on the HTTPS listener); FSBP and CIS have no HSTS control for load balancers",
    },
    rules: [
      `routingHttpResponseStrictTransportSecurityHeaderValue has max-age of at least ${HSTS_MIN_MAX_AGE}`,
      "that header value includes includeSubDomains",
    ],
    remediationSteps:
      'Set routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains" on the HTTPS listener.',
  },
  [aws.lb.Listener, aws.alb.Listener],
  (listener, ctx, report) => {
    if (listener.protocol !== "HTTPS") {
      return;
    }
    const value = listener.routingHttpResponseStrictTransportSecurityHeaderValue;
    const where = `HTTPS listener "${ctx.args.name}"`;
    const directives = typeof value === "string" ? value.split(";").map((d) => d.trim().toLowerCase()) : [];
    const maxAge = Number(
      /^max-age=(\d+)$/.exec(directives.find((d) => d.startsWith("max-age=")) ?? "")?.[1],
    );
    if (!(maxAge >= HSTS_MIN_MAX_AGE)) {
      report(
        `${where}: Strict-Transport-Security is ${show(value)}; browsers may fall back to HTTP. ` +
          `Set routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=${HSTS_MIN_MAX_AGE}; includeSubDomains".`,
      );
    } else if (!directives.includes("includesubdomains")) {
      report(
        `${where}: Strict-Transport-Security ${show(value)} leaves the tenants' subdomains out; add "includeSubDomains".`,
      );
    }
  },
);
