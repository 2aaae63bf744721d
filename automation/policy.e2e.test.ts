/**
 * The policy pack runs inside the automation service (DESIGN.md, "Policies"): every `up` and
 * `preview` the service starts goes through `policies/` on the real engine, by default.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { policyPackArgument } from "./engine/localEngine";
import { DEFAULT_POLICY_PACK, resolveSettings } from "./settings";
import { createHarness, Harness, testSpec } from "./testing/harness";

let h: Harness;

beforeAll(async () => {
  h = await createHarness("policy", {}, ["staging"], { policyPacks: [DEFAULT_POLICY_PACK] });
});

afterAll(() => h?.cleanup());

/** The policy packs the engine reports in an operation's summary event (name -> version). */
function packsRun(events: EngineEvent[]): Record<string, string> {
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent as unknown as Record<string, unknown>;
  // The field is PascalCase on the wire (see @pulumi/pulumi/automation/events.d.ts).
  return (summary?.policyPacks ?? summary?.PolicyPacks ?? {}) as Record<string, string>;
}

test("the service runs the platform policy pack by default, on onboard and on preview", async () => {
  expect(resolveSettings({ pulumiRoot: process.env.PULUMI_ROOT }).policyPacks).toEqual([DEFAULT_POLICY_PACK]);

  const onboardEvents: EngineEvent[] = [];
  const spec = testSpec("policed");
  await h.service.onboard(spec, "staging", { onEvent: (e) => onboardEvents.push(e) });
  // Keys are `<pack name>|local|<path>` for a local pack; the path is the pack's launcher.
  expect(Object.keys(packsRun(onboardEvents))).toEqual([
    `platform|local|${policyPackArgument(DEFAULT_POLICY_PACK)}`,
  ]);
  expect(onboardEvents.filter((e) => e.policyEvent)).toEqual([]);

  const previewEvents: EngineEvent[] = [];
  await h.service.preview(spec, "staging", { onEvent: (e) => previewEvents.push(e) });
  expect(Object.keys(packsRun(previewEvents))).toEqual([
    `platform|local|${policyPackArgument(DEFAULT_POLICY_PACK)}`,
  ]);
});

test("PLATFORM_POLICY_PACKS chooses the packs, `none` turns them off, and a bad path is refused", () => {
  const root = process.env.PULUMI_ROOT;
  expect(resolveSettings({}, { PULUMI_ROOT: root, PLATFORM_POLICY_PACKS: "none" }).policyPacks).toEqual([]);
  expect(() => resolveSettings({}, { PULUMI_ROOT: root, PLATFORM_POLICY_PACKS: "/nope" })).toThrow(
    'policy pack "/nope" (PLATFORM_POLICY_PACKS) has no PulumiPolicy.yaml; give directories of policy packs ' +
      'separated by commas, or "none" to run without one',
  );
});
