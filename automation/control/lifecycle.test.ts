/** The state machine: what each operation is accepted from, and where it leads. */
import { accept, canTransition, onFinish, onStart, TENANT_STATES, TRANSITIONS } from "./lifecycle";

it("walks requested → provisioning → active, active → updating → active | failed, offboarding → offboarded", () => {
  expect(accept("onboard", undefined)).toEqual({ ok: true, next: "requested" });
  expect(onStart("onboard", "requested")).toBe("provisioning");
  expect(onFinish("onboard", "provisioning", { ok: true })).toBe("active");
  expect(accept("update", "active")).toEqual({ ok: true, next: "updating" });
  expect(onFinish("update", "updating", { ok: true })).toBe("active");
  expect(onFinish("update", "updating", { ok: false })).toBe("failed");
  expect(onFinish("update", "updating", { ok: false, needsRepair: true })).toBe("needs-repair");
  expect(accept("offboard", "active")).toEqual({ ok: true, next: "offboarding" });
  expect(onFinish("offboard", "offboarding", { ok: true })).toBe("offboarded");
  expect(accept("onboard", "offboarded")).toEqual({ ok: true, next: "requested" });
});

it("marks drift and clears it", () => {
  expect(onFinish("drift", "active", { ok: true, drifted: true })).toBe("drifted");
  expect(onFinish("drift", "drifted", { ok: true, drifted: false })).toBe("active");
  expect(onFinish("drift", "active", { ok: true, drifted: false })).toBeUndefined();
  expect(onFinish("drift", "active", { ok: false })).toBeUndefined();
  expect(onFinish("preview", "active", { ok: false })).toBeUndefined();
});

it("a repair makes the tenant active only when the stack's last update finished", () => {
  expect(onFinish("repair", "needs-repair", { ok: true })).toBe("active");
  expect(onFinish("repair", "failed", { ok: true })).toBe("active");
  const unfinished = "the stack's last update failed: it is consistent again but not complete";
  expect(onFinish("repair", "needs-repair", { ok: true, unfinished })).toBe("failed");
  expect(onFinish("repair", "failed", { ok: true, unfinished })).toBeUndefined(); // stays failed
  expect(accept("update", "failed")).toEqual({ ok: true, next: "updating" });
});

it("refuses what the machine does not allow, saying from where it would be", () => {
  expect(accept("update", "offboarded")).toEqual({ ok: false, allowedFrom: ["active", "drifted", "failed"] });
  expect(accept("update", "updating")).toMatchObject({ ok: false });
  expect(accept("onboard", "active")).toMatchObject({ ok: false });
  expect(accept("offboard", undefined)).toMatchObject({
    ok: false,
    allowedFrom: expect.not.arrayContaining(["none"]),
  });
  expect(accept("drift", "requested")).toMatchObject({ ok: false });
  // A late result does not move a tenant the machine has moved on: drift after offboarding began.
  expect(onFinish("drift", "offboarding", { ok: true, drifted: true })).toBeUndefined();
});

it("has transitions between known states only, and every state reachable", () => {
  const reachable = new Set<string>(["requested"]);
  for (const [from, tos] of Object.entries(TRANSITIONS)) {
    expect(TENANT_STATES).toContain(from);
    for (const to of tos) {
      expect(TENANT_STATES).toContain(to);
      expect(canTransition(from as never, to)).toBe(true);
      reachable.add(to);
    }
  }
  expect([...reachable].sort()).toEqual([...TENANT_STATES].sort());
  expect(canTransition(undefined, "active")).toBe(false);
});
