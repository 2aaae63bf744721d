/**
 * The broken variants of the real tenant program (policies/testing/variants.ts), offline: the program
 * recorded under mocks on the recorded base, each variant applied to the recorded inputs, the pack
 * evaluated. automation/policy.e2e.test.ts runs the same table on the real engine.
 */
import { recordBase } from "../offline/base";
import { Recording } from "../offline/recorder";
import { recordTenant } from "../offline/tenant";
import { testSpec } from "../automation/testing/harness";
import { evaluate } from "./engine/harness";
import { ALL_POLICIES } from "./registry";
import { PROGRAM_VARIANTS, ProgramVariant, variantApplies } from "./testing/variants";

let compliant: Recording;

beforeAll(async () => {
  const base = await recordBase("staging");
  compliant = await recordTenant(testSpec("variant"), "staging", base.outputs);
}, 120000);

/** The recording with `variant` applied to the inputs (and state) of the resources it names. */
export function applyVariant(recording: Recording, variant: ProgramVariant): Recording {
  let applied = 0;
  const resources = recording.resources.map((r) => {
    if (!variantApplies(variant, r.type, r.name, r.inputs)) {
      return r;
    }
    applied++;
    const inputs = variant.change(r.inputs);
    return { ...r, inputs, state: { ...variant.change(r.state), id: r.state.id } };
  });
  if (applied === 0) {
    throw new Error(`variant "${variant.name}" matched no ${variant.type} in the recording`);
  }
  return { ...recording, resources };
}

test("the real trial tenant, unchanged, passes the pack", async () => {
  const { violations } = await evaluate(compliant, ALL_POLICIES, { environment: "staging" });
  expect(violations.filter((v) => v.level === "mandatory")).toEqual([]);
});

test.each(PROGRAM_VARIANTS.map((v) => [v.name, v] as const))(
  "%s is refused by its policy",
  async (_n, variant) => {
    const { violations } = await evaluate(applyVariant(compliant, variant), ALL_POLICIES, {
      environment: "staging",
    });
    const levels = new Set(violations.filter((v) => v.policy === variant.policy).map((v) => v.level));
    expect([...levels]).toEqual([variant.stagingLevel]);
  },
);
