/**
 * The control plane's rollout state: automation/rollout's {@link RolloutStore} interface over the
 * store's `rollouts` table, beside the library's FileRolloutStore of local mode. The interface is
 * synchronous (the runner saves after every step of every tenant): this store answers from memory
 * and writes every save through to the table in order (write-behind, one statement per save), so
 * the table trails the runner by one write at most; {@link flush} waits for it. Every change a
 * save makes is also an event (`rollout.<status>`, `rollout.tenant`) in the events table, so the
 * events API, webhooks and SSE show it.
 *
 * Pause and abort requests go through the table too: an instance that does not run the rollout
 * writes the request, and the one that runs it reads it within a second ({@link refreshControls}).
 */
import type { Environment } from "../../../common";
import type { RolloutControl, RolloutState, RolloutStore } from "../../rollout/state";
import { appendEvent } from "./events";
import { Db, isoNow } from "./store";

/** Rollout states from memory, written through to the table. */
export class ControlRolloutStore implements RolloutStore {
  private readonly states = new Map<string, RolloutState>();
  private readonly controls = new Map<string, RolloutControl>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Db,
    private readonly instance: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Loads every rollout of the table. */
  static async open(db: Db, instance: string, log: (line: string) => void = () => undefined) {
    const store = new ControlRolloutStore(db, instance, log);
    for (const row of await db.selectFrom("rollouts").selectAll().execute()) {
      store.states.set(row.id, JSON.parse(row.state) as RolloutState);
      if (row.control) store.controls.set(row.id, JSON.parse(row.control) as RolloutControl);
    }
    return store;
  }

  save(state: RolloutState): void {
    state.updatedAt = isoNow();
    const before = this.states.get(state.id);
    const after = structuredClone(state);
    this.states.set(state.id, after);
    this.write(async () => {
      const json = JSON.stringify(after);
      await this.db
        .insertInto("rollouts")
        .values({
          id: after.id,
          environment: after.environment,
          status: after.status,
          state: json,
          control: null,
          created_at: after.createdAt,
          updated_at: after.updatedAt,
        })
        .onConflict((oc) =>
          oc.column("id").doUpdateSet({ status: after.status, state: json, updated_at: after.updatedAt }),
        )
        .execute();
      await this.events(before, after);
    });
  }

  load(id: string): RolloutState | undefined {
    const state = this.states.get(id);
    return state ? structuredClone(state) : undefined;
  }

  list(environment?: Environment): RolloutState[] {
    return [...this.states.values()]
      .filter((s) => environment === undefined || s.environment === environment)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .map((s) => structuredClone(s));
  }

  requestControl(id: string, control: RolloutControl): void {
    this.controls.set(id, control);
    this.write(() =>
      this.db
        .updateTable("rollouts")
        .set({ control: JSON.stringify(control) })
        .where("id", "=", id)
        .execute(),
    );
  }

  readControl(id: string): RolloutControl | undefined {
    return this.controls.get(id);
  }

  clearControl(id: string): void {
    this.controls.delete(id);
    this.write(() => this.db.updateTable("rollouts").set({ control: null }).where("id", "=", id).execute());
  }

  /** Picks up pause and abort requests other instances wrote for the rollouts this one runs. */
  async refreshControls(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.db
      .selectFrom("rollouts")
      .select(["id", "control"])
      .where("id", "in", [...ids])
      .execute();
    for (const row of rows) {
      if (row.control) this.controls.set(row.id, JSON.parse(row.control) as RolloutControl);
    }
  }

  /** Resolves once every save so far is in the table. */
  flush(): Promise<void> {
    return this.writing;
  }

  private write(body: () => Promise<unknown>): void {
    this.writing = this.writing
      .then(body)
      .then(() => undefined)
      .catch((error) => this.log(`rollouts: writing the state failed: ${(error as Error).message}`));
  }

  /** The events of one save: the rollout's status, and each tenant whose status moved. */
  private async events(before: RolloutState | undefined, after: RolloutState): Promise<void> {
    if (before?.status !== after.status) {
      await appendEvent(this.db, this.instance, {
        type: `rollout.${after.status}`,
        environment: after.environment,
        data: {
          rollout: after.id,
          image: after.image,
          from: before?.status ?? null,
          to: after.status,
          ...(after.stop ? { reason: after.stop.reason } : {}),
        },
      });
    }
    for (const t of Object.values(after.tenants)) {
      const was = before?.tenants[t.tenant]?.status;
      if (before && was !== t.status) {
        await appendEvent(this.db, this.instance, {
          type: "rollout.tenant",
          tenant: t.tenant,
          environment: after.environment,
          data: {
            rollout: after.id,
            wave: t.wave,
            from: was ?? null,
            to: t.status,
            ...(t.error ? { error: t.error } : {}),
          },
        });
      }
    }
  }
}

/** A rollout as the table has it (any instance's), or undefined. */
export async function readRollout(db: Db, id: string): Promise<RolloutState | undefined> {
  const row = await db.selectFrom("rollouts").select("state").where("id", "=", id).executeTakeFirst();
  return row ? (JSON.parse(row.state) as RolloutState) : undefined;
}

/** Rollouts, newest first, optionally of one environment. */
export async function listRollouts(db: Db, environment?: string, limit = 100): Promise<RolloutState[]> {
  let q = db.selectFrom("rollouts").select("state");
  if (environment) q = q.where("environment", "=", environment);
  const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
  return rows.map((r) => JSON.parse(r.state) as RolloutState);
}
