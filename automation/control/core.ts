/**
 * The control plane's rules over the store, shared by the HTTP layer and the worker: accepting an
 * operation (idempotency, the lifecycle, the spec, the queue, the events, in one transaction),
 * cancelling one, and moving a tenant's state as its operations start and end. Results are values
 * or {@link ControlError}s; the HTTP layer renders them.
 */
import {
  IngressPlacement,
  ingressPlacement,
  Placeable,
  placementFields,
  placeTenant,
} from "../../common/ingress";
import { canonicalJson } from "../../tenants/contract";
import {
  accept,
  onFinish,
  onStart,
  Ending,
  TenantOperationKind,
  TenantState,
  TENANT_OPERATIONS,
} from "./lifecycle";
import { appendEvent } from "./store/events";
import {
  cancelQueued,
  getOperation,
  insertOperation,
  operationByIdempotencyKey,
  OperationRow,
  requestCancel,
} from "./store/operations";
import { Db, isoNow, isUniqueViolation, newId, Store } from "./store/store";
import {
  allTenantSpecs,
  casState,
  deleteTenantEnv,
  getTenant,
  getTenantEnv,
  placementHolder,
  putPlacement,
  putTenant,
  setEnvFields,
} from "./store/tenants";

/** Every kind of operation: the tenant operations and the fleet runs. */
export const OPERATION_KINDS = [
  ...TENANT_OPERATIONS,
  "fleet-reconcile",
  "fleet-preview",
  "fleet-drift",
] as const;
/** One of {@link OPERATION_KINDS}. */
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** A refusal the API renders as a problem document. */
export class ControlError extends Error {
  constructor(
    readonly kind: "conflict" | "not-found" | "idempotency-mismatch" | "invalid",
    message: string,
    /** Extra members of the problem document (the current state, what is allowed). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ControlError";
  }
}

/** A concurrent onboarding committed the placement this one chose: the request runs again. */
class PlacementRace extends Error {}

/** A placement the request's spec cannot have, as the API's field problem. */
function placementProblem(field: string, value: unknown, message: string): ControlError {
  return new ControlError("invalid", `the tenant spec is invalid: ${field}: ${message}`, {
    errors: [{ path: `body.spec.${field}`, ...(value !== undefined ? { value } : {}), message }],
  });
}

/** A request to run an operation. */
export interface OperationRequest {
  readonly kind: OperationKind;
  readonly tenant?: string;
  readonly environment: string;
  /** The validated spec the operation runs with (tenant operations that run the program). */
  readonly spec?: { readonly id: string; readonly tier: string };
  /** Whether the spec becomes the tenant's desired spec (onboard, update). */
  readonly storeSpec?: boolean;
  readonly params?: Record<string, unknown>;
  /** App secrets: kept in this instance's memory only, never in the store. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly requestedBy: string;
  /**
   * Onboarding: the ingress shards of the environment's base stack. A new tenant is then placed
   * (common/ingress.ts `placeTenant`) among the stored tenants, its shard and priority recorded in
   * its spec and in the placements table; an existing tenant keeps its placement.
   */
  readonly ingressShards?: number;
  /** `<token id>:<Idempotency-Key>`. */
  readonly idempotencyKey?: string;
  /** A hash of the request, to tell a retry from a different request under the same key. */
  readonly requestHash?: string;
  readonly parentId?: string;
}

/** The outcome of a request: the operation, and whether it already existed (a retry). */
export interface Accepted {
  readonly operation: OperationRow;
  readonly existing: boolean;
}

/** The control plane of one instance. */
export class ControlPlane {
  /** App secrets of operations this instance accepted, by operation id; memory only. */
  private readonly secrets = new Map<string, Readonly<Record<string, string>>>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly store: Store,
    /** This instance's id (leases, events, audit). */
    readonly instance: string,
    /**
     * How long a queued operation's secrets stay pinned here without a renewal (the worker renews
     * them with its heartbeat); after it, another instance may take the operation and fail it.
     * @default 30000 ms
     */
    private readonly pinMs = 30_000,
  ) {}

  /** Calls `listener` whenever an operation is queued here (the worker wakes up). */
  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Accepts an operation: durable once this returns. */
  async request(req: OperationRequest): Promise<Accepted> {
    try {
      const accepted = await this.withPlacementRetries(() =>
        this.store.transaction((trx) => this.requestIn(trx, req)),
      );
      if (!accepted.existing) {
        if (req.secrets && Object.keys(req.secrets).length > 0) {
          this.secrets.set(accepted.operation.id, req.secrets);
        }
        this.listeners.forEach((l) => l());
      }
      return accepted;
    } catch (error) {
      // Two retries of one request racing: the loser finds the winner's operation.
      if (req.idempotencyKey && isUniqueViolation(error)) {
        const op = await operationByIdempotencyKey(this.store.db, req.idempotencyKey);
        if (op) {
          return this.sameRequest(op, req);
        }
      }
      throw error;
    }
  }

  /** Runs `body` again (up to 5 times) when a concurrent onboarding took the placement it chose. */
  private async withPlacementRetries<T>(body: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await body();
      } catch (error) {
        if (!(error instanceof PlacementRace) || attempt >= 5) {
          throw error instanceof PlacementRace
            ? new ControlError("conflict", "onboardings raced for the same ingress placement; retry")
            : error;
        }
      }
    }
  }

  /**
   * `spec` placed on an ingress shard at a listener priority no other stored tenant has: an existing
   * tenant keeps what it has (a move is explicit: docs/runbooks/move-tenant-shard.md), a new one
   * gets the least loaded shard with room and its derived priority or the next free one. Runs in
   * the request's transaction; the placements table's unique slot refuses a concurrent duplicate.
   */
  private async place<S extends Placeable>(db: Db, spec: S, shardCount: number): Promise<S> {
    const explicit = spec.ingressShard !== undefined || spec.listenerRulePriority !== undefined;
    const stored = await getTenant(db, spec.id);
    let placement: IngressPlacement;
    if (stored && !explicit) {
      placement = ingressPlacement({ ...(stored.spec as object), id: spec.id });
    } else {
      const others = (await allTenantSpecs(db))
        .filter((t) => t.id !== spec.id)
        .map((t) => ({ ...(t.spec as object), id: t.id }) as Placeable);
      const placed = placeTenant(spec, others, shardCount);
      if (placed.problem !== undefined) {
        throw placementProblem("ingressShard", spec.ingressShard, placed.problem);
      }
      placement = placed.placement;
    }
    const holder = await placementHolder(db, { shard: placement.shard, priority: placement.priority });
    if (holder !== undefined && holder !== spec.id) {
      if (stored && !explicit) {
        throw placementProblem(
          "listenerRulePriority",
          placement.priority,
          `the stored spec's priority ${placement.priority} on ingress shard ${placement.shard} is also tenant ` +
            `${holder}'s (both were stored before placements were recorded); give ${spec.id} a free listenerRulePriority`,
        );
      }
      if (spec.listenerRulePriority !== undefined) {
        throw placementProblem(
          "listenerRulePriority",
          spec.listenerRulePriority,
          `priority ${placement.priority} on ingress shard ${placement.shard} is taken by tenant ${holder}; ` +
            `omit listenerRulePriority to be given a free one`,
        );
      }
      throw new PlacementRace();
    }
    try {
      await putPlacement(db, spec.id, placement);
    } catch (error) {
      if (isUniqueViolation(error)) throw new PlacementRace();
      throw error;
    }
    const { ingressShard: _s, listenerRulePriority: _p, ...rest } = spec;
    return { ...rest, ...placementFields(spec.id, placement) } as S;
  }

  private sameRequest(op: OperationRow, req: OperationRequest): Accepted {
    if (op.request_hash !== (req.requestHash ?? null)) {
      throw new ControlError(
        "idempotency-mismatch",
        `Idempotency-Key was already used for a different request (operation ${op.id}); use a new key`,
        { operationId: op.id },
      );
    }
    return { operation: op, existing: true };
  }

  private async requestIn(db: Db, asked: OperationRequest): Promise<Accepted> {
    if (asked.idempotencyKey) {
      const earlier = await operationByIdempotencyKey(db, asked.idempotencyKey);
      if (earlier) {
        return this.sameRequest(earlier, asked);
      }
    }
    const req =
      asked.kind === "onboard" && asked.storeSpec && asked.spec && asked.ingressShards !== undefined
        ? {
            ...asked,
            spec: await this.place(db, asked.spec as Placeable & { tier: string }, asked.ingressShards),
          }
        : asked;
    const id = newId("op");
    let prevState: TenantState | undefined;
    if (req.tenant !== undefined && isTenantKind(req.kind)) {
      const key = { tenant: req.tenant, environment: req.environment };
      const env = await getTenantEnv(db, req.tenant, req.environment);
      prevState = env?.state;
      if (req.kind === "onboard" && req.spec) {
        const existing = await getTenant(db, req.tenant);
        const same = existing && canonicalJson(existing.spec) === canonicalJson(req.spec);
        const live = prevState !== undefined && prevState !== "offboarded";
        if (existing && !same && live) {
          throw new ControlError(
            "conflict",
            `tenant ${req.tenant} exists in ${req.environment} with another spec; change it with PATCH /v1/tenants/${req.tenant}`,
            { tenant: req.tenant, environment: req.environment, state: prevState },
          );
        }
        if (same && live && prevState !== "failed" && env?.lastOperationId) {
          const last = await getOperation(db, env.lastOperationId);
          if (last) {
            return { operation: last, existing: true };
          }
        }
      }
      const verdict = accept(req.kind, prevState);
      if (!verdict.ok) {
        throw new ControlError(
          "conflict",
          `${req.kind} is not allowed while ${req.tenant} is ${prevState ?? "not onboarded"} in ${req.environment} ` +
            `(allowed from: ${verdict.allowedFrom.join(", ")})`,
          {
            tenant: req.tenant,
            environment: req.environment,
            state: prevState ?? "none",
            allowedFrom: verdict.allowedFrom,
          },
        );
      }
      if (verdict.next) {
        const moved = await casState(db, key, prevState, verdict.next, {
          tier: req.spec?.tier,
          lastOperationId: id,
          reason: null,
        });
        if (!moved) {
          const now = await getTenantEnv(db, req.tenant, req.environment);
          throw new ControlError(
            "conflict",
            `${req.tenant} changed state in ${req.environment} while this request ran; retry`,
            { tenant: req.tenant, environment: req.environment, state: now?.state ?? "none" },
          );
        }
        await appendEvent(db, this.instance, {
          type: "tenant.state_changed",
          tenant: req.tenant,
          environment: req.environment,
          operationId: id,
          data: { from: prevState ?? null, to: verdict.next, operation: req.kind },
        });
      } else {
        await setEnvFields(db, key, { lastOperationId: id });
      }
      if (req.storeSpec && req.spec) {
        await putTenant(db, req.tenant, req.spec);
      }
    }
    const now = isoNow();
    const hasSecrets = req.secrets !== undefined && Object.keys(req.secrets).length > 0;
    const operation = await insertOperation(db, {
      id,
      kind: req.kind,
      tenant: req.tenant ?? null,
      environment: req.environment,
      stack: req.tenant !== undefined && isTenantKind(req.kind) ? `${req.tenant}-${req.environment}` : null,
      spec: req.spec ? JSON.stringify(req.spec) : null,
      params: JSON.stringify(req.params ?? {}),
      has_secrets: hasSecrets ? 1 : 0,
      pinned_to: hasSecrets ? this.instance : null,
      pinned_until: hasSecrets ? isoNow(this.pinMs) : null,
      parent_id: req.parentId ?? null,
      prev_state: prevState ?? null,
      requested_by: req.requestedBy,
      idempotency_key: req.idempotencyKey ?? null,
      request_hash: req.requestHash ?? null,
      created_at: now,
    });
    await appendEvent(db, this.instance, {
      type: "operation.queued",
      tenant: req.tenant,
      environment: req.environment,
      operationId: id,
      data: {
        kind: req.kind,
        requestedBy: req.requestedBy,
        ...(req.parentId ? { parentId: req.parentId } : {}),
      },
    });
    return { operation, existing: false };
  }

  /** The secrets this instance holds for an operation (undefined when none or lost). */
  secretsOf(operationId: string): Readonly<Record<string, string>> | undefined {
    return this.secrets.get(operationId);
  }

  /** Forgets an operation's secrets (it ended). */
  dropSecrets(operationId: string): void {
    this.secrets.delete(operationId);
  }

  /**
   * Cancels an operation: a queued one at once (its tenant goes back to the state before it), a
   * running one at its instance's next heartbeat. Conflict when it already ended.
   */
  async cancel(id: string): Promise<OperationRow> {
    const op = await getOperation(this.store.db, id);
    if (!op) {
      throw new ControlError("not-found", `operation ${id} does not exist`);
    }
    if (await cancelQueued(this.store.db, id)) {
      await this.store.transaction(async (trx) => {
        if (op.tenant && isTenantKind(op.kind)) {
          const env = await getTenantEnv(trx, op.tenant, op.environment);
          const accepted = accept(op.kind, (op.prev_state ?? undefined) as TenantState | undefined);
          if (env && accepted.ok && accepted.next === env.state) {
            const back = (op.prev_state ?? undefined) as TenantState | undefined;
            if (back === undefined) {
              await deleteTenantEnv(trx, op.tenant, op.environment);
            } else {
              await casState(trx, { tenant: op.tenant, environment: op.environment }, env.state, back);
            }
            await this.stateEvent(trx, op, env.state, back ?? null);
          }
        }
        await appendEvent(trx, this.instance, {
          type: "operation.cancelled",
          tenant: op.tenant,
          environment: op.environment,
          operationId: op.id,
          data: { kind: op.kind, before: "start" },
        });
      });
      this.dropSecrets(id);
    } else if (!(await requestCancel(this.store.db, id))) {
      const now = await getOperation(this.store.db, id);
      throw new ControlError(
        "conflict",
        `operation ${id} is ${now?.status}; only queued or running ones cancel`,
        {
          status: now?.status,
        },
      );
    }
    return (await getOperation(this.store.db, id))!;
  }

  /** Moves the tenant's state when its operation starts (requested → provisioning). */
  async started(db: Db, op: OperationRow): Promise<void> {
    await appendEvent(db, this.instance, {
      type: "operation.started",
      tenant: op.tenant,
      environment: op.environment,
      operationId: op.id,
      data: { kind: op.kind, attempt: op.attempt },
    });
    if (!op.tenant || !isTenantKind(op.kind)) {
      return;
    }
    const env = await getTenantEnv(db, op.tenant, op.environment);
    const next = onStart(op.kind, env?.state);
    if (
      env &&
      next &&
      (await casState(db, { tenant: op.tenant, environment: op.environment }, env.state, next))
    ) {
      await this.stateEvent(db, op, env.state, next);
    }
  }

  /** Moves the tenant's state when its operation ends, and records the outcome. */
  async finished(
    db: Db,
    op: OperationRow,
    ending: Ending & { reason?: string; outputs?: Record<string, unknown> },
  ): Promise<void> {
    if (op.tenant && isTenantKind(op.kind)) {
      const key = { tenant: op.tenant, environment: op.environment };
      const env = await getTenantEnv(db, op.tenant, op.environment);
      const next = onFinish(op.kind, env?.state, ending);
      const fields = {
        reason: ending.ok ? (ending.unfinished ?? null) : (ending.reason ?? "failed"),
        ...(ending.outputs ? { outputs: ending.outputs } : {}),
      };
      if (env && next && (await casState(db, key, env.state, next, fields))) {
        await this.stateEvent(db, op, env.state, next, ending.ok ? ending.unfinished : ending.reason);
      } else if (env) {
        await setEnvFields(db, key, fields);
      }
    }
  }

  private async stateEvent(
    db: Db,
    op: OperationRow,
    from: string | null,
    to: string | null,
    reason?: string,
  ) {
    await appendEvent(db, this.instance, {
      type: "tenant.state_changed",
      tenant: op.tenant,
      environment: op.environment,
      operationId: op.id,
      data: { from, to, operation: op.kind, ...(reason ? { reason } : {}) },
    });
  }
}

/** Whether a kind is a tenant operation (runs on one stack). */
export function isTenantKind(kind: string): kind is TenantOperationKind {
  return (TENANT_OPERATIONS as readonly string[]).includes(kind);
}
