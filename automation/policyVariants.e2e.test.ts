/**
 * The engine enforces the policy pack on the real programs (issue 9): the broken variants of
 * policies/testing/variants.ts, applied to the real tenant program by a resource transform, on the
 * real engine with the cloud double and the pack. policies/variants.test.ts runs the same table
 * offline; both hold each variant to the same policy and level. One base (deployed with the pack,
 * which it passes) for the file. The service runs the pack by default (DESIGN.md, "Policies"): every
 * `up` and `preview` it starts goes through `policies/`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { PROGRAM_VARIANTS, ProgramVariant, variantApplies } from "../policies/testing/variants";
import { tenantProgram } from "../tenants/program";
import { policyPackArgument } from "./engine/localEngine";
import { OperationFailedError } from "./errors";
import { TenantService } from "./service";
import { DEFAULT_POLICY_PACK, resolveSettings } from "./settings";
import { createDoubleHarness, DoubleHarness, testSpec } from "./testing/harness";

// A refused `up` stops the engine while the inline program (in this process) still sends a
// component's outputs; @pulumi/pulumi re-raises that gRPC UNAVAILABLE on purpose as an unhandled
// rejection (runtime/resource.js, runAsyncResourceOp), which the language host would ignore but
// jest pins on whichever test is running. A test it lands on runs again: every test here is
// repeatable (previews and refused ups of one stack); a real failure fails all three attempts.
jest.retryTimes(2, { logErrorsBeforeRetry: true });

let h: DoubleHarness;
let variant: ProgramVariant | undefined;
let service: TenantService;

beforeAll(async () => {
  h = await createDoubleHarness("policy-variants", ["staging"], { policyPacks: [DEFAULT_POLICY_PACK] });
  // The real tenant program, with the current variant applied to what it declares.
  service = new TenantService({
    engine: h.engine,
    program: () => async () => {
      const v = variant;
      if (v) {
        pulumi.runtime.registerResourceTransform((args) =>
          variantApplies(v, args.type, args.name, args.props)
            ? { props: v.change(args.props), opts: args.opts }
            : undefined,
        );
      }
      return { ...(await tenantProgram()) };
    },
  });
}, 900000);

afterAll(() => h?.cleanup());

/** The policies the engine reported during an operation, with their level. */
function policiesOf(events: EngineEvent[]): string[] {
  return [
    ...new Set(
      events
        .filter((e) => e.policyEvent)
        .map(
          (e) =>
            `${e.policyEvent!.policyName} ${e.policyEvent!.enforcementLevel === "mandatory" ? "mandatory" : "advisory"}`,
        ),
    ),
  ];
}

/** The policy packs the engine reports in an operation's summary event (name -> version). */
function packsRun(events: EngineEvent[]): Record<string, string> {
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent as unknown as Record<string, unknown>;
  // The field is PascalCase on the wire (see @pulumi/pulumi/automation/events.d.ts).
  return (summary?.policyPacks ?? summary?.PolicyPacks ?? {}) as Record<string, string>;
}

test("the base and an unchanged tenant pass the pack on the engine (nothing mandatory), on onboard and on preview", async () => {
  expect(resolveSettings({ pulumiRoot: process.env.PULUMI_ROOT }).policyPacks).toEqual([DEFAULT_POLICY_PACK]);
  expect(h.baseUps.staging?.create).toBeGreaterThan(80);
  variant = undefined;
  const events: EngineEvent[] = [];
  const outcome = await service.onboard(testSpec("variants"), "staging", { onEvent: (e) => events.push(e) });
  expect(outcome.changes.create).toBeGreaterThan(20);
  // Keys are `<pack name>|local|<path>` for a local pack; the path is the pack's launcher.
  expect(Object.keys(packsRun(events))).toEqual([
    `platform|local|${policyPackArgument(DEFAULT_POLICY_PACK)}`,
  ]);
  expect(policiesOf(events).filter((p) => p.endsWith("mandatory"))).toEqual([]);

  const previewEvents: EngineEvent[] = [];
  await service.preview(testSpec("variants"), "staging", { onEvent: (e) => previewEvents.push(e) });
  expect(Object.keys(packsRun(previewEvents))).toEqual([
    `platform|local|${policyPackArgument(DEFAULT_POLICY_PACK)}`,
  ]);
  expect(policiesOf(previewEvents).filter((p) => p.endsWith("mandatory"))).toEqual([]);
}, 600000);

test("PLATFORM_POLICY_PACKS chooses the packs, `none` turns them off, and a bad path is refused", () => {
  const root = process.env.PULUMI_ROOT;
  expect(resolveSettings({}, { PULUMI_ROOT: root, PLATFORM_POLICY_PACKS: "none" }).policyPacks).toEqual([]);
  expect(() => resolveSettings({}, { PULUMI_ROOT: root, PLATFORM_POLICY_PACKS: "/nope" })).toThrow(
    'policy pack "/nope" (PLATFORM_POLICY_PACKS) has no PulumiPolicy.yaml; give directories of policy packs ' +
      'separated by commas, or "none" to run without one',
  );
});

test.each(PROGRAM_VARIANTS.map((v) => [v.name, v] as const))(
  "%s: the engine reports its policy at the table's level, and refuses preview and up when mandatory",
  async (_name, v) => {
    variant = v;
    const events: EngineEvent[] = [];
    const preview = await service
      .preview(testSpec("variants"), "staging", { onEvent: (e) => events.push(e) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(policiesOf(events)).toContain(`${v.policy} ${v.stagingLevel}`);
    if (v.stagingLevel === "mandatory") {
      expect(preview).toBeInstanceOf(OperationFailedError);
      expect((preview as OperationFailedError).engineMessage).toContain(`policy ${v.policy}`);
      const up = await service.update(testSpec("variants"), "staging").catch((e: unknown) => e);
      expect(up).toBeInstanceOf(OperationFailedError);
      expect((up as OperationFailedError).engineMessage).toContain(`policy ${v.policy}`);
    } else {
      expect(preview).toBeUndefined();
    }
  },
  600000,
);
