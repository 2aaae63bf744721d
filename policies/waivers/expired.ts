/**
 * platform-waivers-expired: a waiver past its `expires` date is a violation of its own, reported on
 * every stack until it is renewed (with a new reason) or removed; a waiver naming a policy the pack
 * does not have is reported too, since it waives nothing.
 */
import { PlatformPolicy, stackPolicy } from "../lib/policy";
import { activeWaivers, isExpired } from "../lib/waivers";

/**
 * The policy, given the names of the pack's policies (read when it runs, so the registry can list
 * this policy among the ones it names: no import cycle, no module filled in by a side effect).
 */
export const waiversExpiredPolicy = (policyNames: () => readonly string[]): PlatformPolicy =>
  stackPolicy(
    {
      name: "platform-waivers-expired",
      description: "Every waiver in policies/waivers.yaml is current and names a policy of the pack.",
      category: "waivers",
      severity: "medium",
      rules: ["no waiver is past its expires date", "every waiver names a policy of the pack"],
      remediationSteps:
        "Fix the waived resource and delete the waiver, or renew it with a new expires date, reason and owner's approval.",
    },
    (_resources, _ctx, report) => {
      const { waivers, now } = activeWaivers();
      const today = now();
      for (const w of waivers) {
        if (isExpired(w, today)) {
          report(
            `waiver of ${w.policy} on "${w.resource}" (owner ${w.owner}) expired on ${w.expires}. Fix the resource and delete the waiver from policies/waivers.yaml, or renew it with a new date and reason.`,
          );
        }
        if (!policyNames().includes(w.policy)) {
          report(
            `waiver on "${w.resource}" names ${w.policy}, which is not a policy of this pack; fix the name or delete it.`,
          );
        }
      }
    },
  );
