/**
 * platform-lb-http-redirect: plain-HTTP listeners only redirect to HTTPS; nothing is served over
 * HTTP, and tenants cannot hang rules on the HTTP listener.
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { list } from "../lib/values";

export const lbHttpRedirect: PlatformPolicy = resourcePolicy(
  {
    name: "platform-lb-http-redirect",
    description: "HTTP listeners only redirect to HTTPS.",
    category: "network",
    severity: "high",
    controls: { fsbp: ["ELB.1"] },
    rules: ["every default action of an HTTP listener is a redirect to protocol HTTPS"],
    remediationSteps:
      'Set defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }].',
  },
  [aws.lb.Listener, aws.alb.Listener],
  (listener, ctx, report) => {
    if (listener.protocol !== "HTTP") {
      return;
    }
    const actions = list(listener.defaultActions);
    const ok =
      actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
    if (!ok) {
      report(
        `HTTP listener "${ctx.args.name}" serves traffic (${actions.map((a) => a.type).join(", ") || "no action"}) instead of redirecting; ` +
          `set its only default action to { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }.`,
      );
    }
  },
);
