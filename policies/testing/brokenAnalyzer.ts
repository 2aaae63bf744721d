/**
 * A test stand-in for the check's analyzer (policies/check/analyze.ts): before checking, it opens
 * PostgreSQL to the internet on the first ingress rule of the tenants {@link BROKEN_TENANTS} names,
 * so a run over real programs has failing tenants (platform-ec2-public-ingress, mandatory). The
 * sequential run gets the same change through {@link breakStack}, so both check the same stacks.
 */
import type { RecordedStack } from "../../offline/stacks";
import { analyze as realAnalyze, CheckPayload } from "../check/analyze";
import type { StackResult } from "../check/run";

/** Tenants whose stacks get the open port. */
export const BROKEN_TENANTS: readonly string[] = ["t0002", "t0003", "t0005"];

const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** The stack with the open port, when its tenant is one of {@link BROKEN_TENANTS}; else as it is. */
export function breakStack<S extends Pick<RecordedStack, "tenant" | "recording">>(stack: S): S {
  if (!stack.tenant || !BROKEN_TENANTS.includes(stack.tenant)) {
    return stack;
  }
  const i = stack.recording.resources.findIndex((r) => r.type === RULE);
  if (i < 0) {
    throw new Error(`breakStack: ${stack.recording.stack} has no ${RULE}`);
  }
  const resources = [...stack.recording.resources];
  const { referencedSecurityGroupId: _ref, ...inputs } = resources[i].inputs;
  resources[i] = {
    ...resources[i],
    inputs: { ...inputs, cidrIpv4: "0.0.0.0/0", fromPort: 5432, toPort: 5432 },
  };
  return { ...stack, recording: { ...stack.recording, resources } };
}

/** The analyzer: {@link breakStack}, then the real check. */
export function analyze(stack: RecordedStack, payload: CheckPayload): Promise<StackResult> {
  return realAnalyze(breakStack(stack), payload);
}
