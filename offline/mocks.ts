/**
 * Pulumi's mocks (`pulumi.runtime.setMocks`) over the fake-cloud model (./cloud.ts): the recorder
 * hands every registration and invoke here. The only thing mocks do that the model does not is
 * serve `StackReference` reads, which on the real engine the engine itself answers from the
 * referenced stack's state.
 */
import * as pulumi from "@pulumi/pulumi";
import { cloudCall, cloudState } from "./cloud";

export { MOCK_ACCOUNT_ID, MOCK_AZS, MOCK_ECR_PASSWORD, MOCK_REGION } from "./cloud";

/** Outputs of other stacks, keyed by stack reference name, served to `StackReference` reads. */
export type StackOutputsByName = Readonly<Record<string, Record<string, unknown>>>;

/** The state a mocked resource reports: its inputs plus what AWS would compute (./cloud.ts). */
export function mockState(args: pulumi.runtime.MockResourceArgs, stackOutputs: StackOutputsByName) {
  if (args.type === "pulumi:pulumi:StackReference") {
    const refName = args.inputs.name ?? args.name;
    const outputs = stackOutputs[refName];
    if (!outputs) {
      throw new Error(
        `mock StackReference "${refName}": no outputs registered for it (known: ${Object.keys(stackOutputs).join(", ") || "none"})`,
      );
    }
    return { id: refName, state: { name: refName, outputs, secretOutputNames: [] } };
  }
  return cloudState({ type: args.type, name: args.name, inputs: args.inputs });
}

/** Results of the provider functions (invokes) our programs call (./cloud.ts). */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  return cloudCall(args.token, args.inputs);
}
