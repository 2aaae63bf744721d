/**
 * A tenant's life in one environment, as an explicit state machine (docs/control-plane.md,
 * "Lifecycle"):
 *
 *   requested → provisioning → active;  active → updating → active | failed;
 *   active → drifted (drift found) → updating | active;  needs-repair (an interrupted run);
 *   offboarding → offboarded.
 *
 * {@link accept} decides whether an operation may be queued in the current state (the API answers
 * 409 with the current state when not), {@link onStart} and {@link onFinish} give the states an
 * operation moves the tenant through.
 */

/** The states. */
export const TENANT_STATES = [
  "requested",
  "provisioning",
  "active",
  "updating",
  "failed",
  "drifted",
  "needs-repair",
  "offboarding",
  "offboarded",
] as const;
/** One of {@link TENANT_STATES}. */
export type TenantState = (typeof TENANT_STATES)[number];

/** A tenant operation the control plane queues. */
export const TENANT_OPERATIONS = ["onboard", "update", "preview", "drift", "repair", "offboard"] as const;
/** One of {@link TENANT_OPERATIONS}. */
export type TenantOperationKind = (typeof TENANT_OPERATIONS)[number];

/** Every transition the machine allows; anything else is refused. */
export const TRANSITIONS: Readonly<Record<TenantState, readonly TenantState[]>> = Object.freeze({
  requested: ["provisioning", "failed"],
  provisioning: ["active", "failed", "needs-repair"],
  active: ["updating", "drifted", "offboarding", "needs-repair"],
  updating: ["active", "failed", "needs-repair"],
  failed: ["requested", "updating", "offboarding", "needs-repair", "active"],
  drifted: ["updating", "active", "offboarding", "needs-repair"],
  "needs-repair": ["active", "failed", "offboarding"],
  offboarding: ["offboarded", "failed", "needs-repair"],
  offboarded: ["requested"],
});

/** Whether the machine allows `from` → `to` (`undefined` is a tenant never seen in that environment). */
export function canTransition(from: TenantState | undefined, to: TenantState): boolean {
  if (from === undefined) {
    return to === "requested";
  }
  return TRANSITIONS[from].includes(to);
}

/** What accepting an operation does to the state. */
export type Acceptance =
  | { readonly ok: true; readonly next?: TenantState }
  | { readonly ok: false; readonly allowedFrom: readonly (TenantState | "none")[] };

/**
 * The states each operation may be queued from, and the state it moves the tenant to at once.
 * Previews and drift checks change nothing at acceptance, so they queue behind a running
 * operation; changes refuse while another change is in flight (the state says which).
 */
const ACCEPT: Readonly<
  Record<TenantOperationKind, { from: readonly (TenantState | "none")[]; next?: TenantState }>
> = Object.freeze({
  onboard: { from: ["none", "offboarded", "failed"], next: "requested" },
  update: { from: ["active", "drifted", "failed"], next: "updating" },
  offboard: { from: ["active", "drifted", "failed", "needs-repair"], next: "offboarding" },
  repair: { from: ["needs-repair", "failed", "active", "drifted"] },
  preview: { from: ["active", "drifted", "failed", "updating", "needs-repair"] },
  drift: { from: ["active", "drifted", "updating"] },
});

/** Whether `kind` may be queued when the tenant is in `state` (undefined: never onboarded there). */
export function accept(kind: TenantOperationKind, state: TenantState | undefined): Acceptance {
  const rule = ACCEPT[kind];
  if (!rule.from.includes(state ?? "none")) {
    return { ok: false, allowedFrom: rule.from };
  }
  return rule.next ? { ok: true, next: rule.next } : { ok: true };
}

/** The state when an operation starts running, if it changes. */
export function onStart(kind: TenantOperationKind, state: TenantState | undefined): TenantState | undefined {
  return kind === "onboard" && state === "requested" ? "provisioning" : undefined;
}

/** How an operation ended, as far as the state machine cares. */
export type Ending =
  | {
      readonly ok: true;
      readonly drifted?: boolean;
      /**
       * A repair that made the stack consistent but left an interrupted or cancelled update
       * unfinished: what is left to do. The tenant is `failed` (an update finishes it), not `active`.
       */
      readonly unfinished?: string;
    }
  | { readonly ok: false; readonly needsRepair?: boolean };

/**
 * The state after an operation ends, or undefined when it stays. A result that the machine does
 * not allow from the current state (a drift check finishing after an offboarding began) leaves it.
 */
export function onFinish(
  kind: TenantOperationKind,
  state: TenantState | undefined,
  ending: Ending,
): TenantState | undefined {
  let next: TenantState | undefined;
  if (!ending.ok) {
    next = ending.needsRepair
      ? "needs-repair"
      : kind === "preview" || kind === "drift"
        ? undefined
        : "failed";
  } else if (kind === "repair" && ending.unfinished) {
    next = "failed";
  } else if (kind === "onboard" || kind === "update" || kind === "repair") {
    next = "active";
  } else if (kind === "offboard") {
    next = "offboarded";
  } else if (kind === "drift") {
    next = ending.drifted ? "drifted" : state === "drifted" ? "active" : undefined;
  }
  if (next === undefined || next === state || !canTransition(state, next)) {
    return undefined;
  }
  return next;
}

/** Whether a state is one an operation is running in (used to show progress). */
export function isBusy(state: TenantState): boolean {
  return state === "requested" || state === "provisioning" || state === "updating" || state === "offboarding";
}
