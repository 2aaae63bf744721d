/**
 * Webhooks: every event goes to each configured receiver that wants it, as a JSON POST signed with
 * HMAC-SHA256 over `<timestamp>.<body>` (the scheme of the Standard Webhooks spec: headers
 * `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`), retried with exponential
 * backoff until it is accepted (2xx) or `maxAttempts` is reached. Each delivery row is the log of
 * what was sent, when, and what came back. Deliveries are claimed with a conditional update, so
 * several instances never send one twice at once.
 */
import * as crypto from "crypto";
import { backoffDelay } from "../scheduler";
import { Db, isoNow, newId, parseJson, Store } from "./store/store";

/** A webhook as listed. */
export interface WebhookInfo {
  readonly id: string;
  readonly url: string;
  readonly events?: readonly string[];
  readonly createdAt: string;
}

/** Creates a webhook; its signing secret is returned once. */
export async function createWebhook(
  db: Db,
  input: { url: string; events?: readonly string[] },
): Promise<WebhookInfo & { secret: string }> {
  const row = {
    id: newId("wh"),
    url: input.url,
    secret: `whsec_${crypto.randomBytes(24).toString("base64")}`,
    events: input.events ? JSON.stringify(input.events) : null,
    created_at: isoNow(),
    disabled_at: null,
  };
  await db.insertInto("webhooks").values(row).execute();
  return {
    id: row.id,
    url: row.url,
    ...(input.events ? { events: input.events } : {}),
    createdAt: row.created_at,
    secret: row.secret,
  };
}

/** Active webhooks. */
export async function listWebhooks(db: Db): Promise<WebhookInfo[]> {
  const rows = await db
    .selectFrom("webhooks")
    .selectAll()
    .where("disabled_at", "is", null)
    .orderBy("id")
    .execute();
  return rows.map((r) => {
    const events = parseJson<string[]>(r.events);
    return { id: r.id, url: r.url, ...(events ? { events } : {}), createdAt: r.created_at };
  });
}

/** Disables a webhook (its log stays); false when there is none. */
export async function disableWebhook(db: Db, id: string): Promise<boolean> {
  const r = await db
    .updateTable("webhooks")
    .set({ disabled_at: isoNow() })
    .where("id", "=", id)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  await db
    .updateTable("webhook_deliveries")
    .set({ status: "failed", last_error: "webhook removed" })
    .where("webhook_id", "=", id)
    .where("status", "=", "pending")
    .execute();
  return Number(r.numUpdatedRows) > 0;
}

/** The delivery log of a webhook, newest first. */
export async function listDeliveries(db: Db, webhookId: string, limit = 100) {
  const rows = await db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("webhook_id", "=", webhookId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    eventId: Number(r.event_id),
    status: r.status,
    attempts: Number(r.attempts),
    ...(r.status === "pending" ? { nextAttemptAt: r.next_attempt_at } : {}),
    ...(r.last_status !== null ? { lastStatus: Number(r.last_status) } : {}),
    ...(r.last_error ? { lastError: r.last_error } : {}),
    body: r.body,
    ...(r.signed_at ? { signedAt: r.signed_at } : {}),
    createdAt: r.created_at,
    ...(r.delivered_at ? { deliveredAt: r.delivered_at } : {}),
  }));
}

/** The signature header value of a body sent at `timestamp` (seconds) under `secret`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = crypto.createHmac("sha256", secret).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/**
 * Checks a received webhook: the signature (constant-time) and the timestamp's age. A receiver's
 * reference implementation, used by the tests.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  opts: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const id = String(headers["webhook-id"] ?? "");
  const timestamp = Number(headers["webhook-timestamp"]);
  const given = String(headers["webhook-signature"] ?? "");
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > (opts.toleranceSeconds ?? 300)) {
    return false;
  }
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body));
  return given.split(" ").some((sig) => {
    const candidate = Buffer.from(sig);
    return candidate.length === expected.length && crypto.timingSafeEqual(candidate, expected);
  });
}

/** Knobs of the {@link WebhookDispatcher}. */
export interface DispatcherOptions {
  /** @default 8 */
  readonly maxAttempts?: number;
  /** First retry delay, doubling. @default 2000 ms */
  readonly baseDelayMs?: number;
  /** @default 10 minutes */
  readonly maxDelayMs?: number;
  /** @default 10000 ms */
  readonly timeoutMs?: number;
  /** @default 1000 ms */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** Sends due deliveries. */
export class WebhookDispatcher {
  private timer?: NodeJS.Timeout;
  private busy = false;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: Store,
    private readonly options: DispatcherOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends every delivery that is due now (one pass). */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const due = await this.store.db
        .selectFrom("webhook_deliveries")
        .innerJoin("webhooks", "webhooks.id", "webhook_deliveries.webhook_id")
        .select([
          "webhook_deliveries.id as id",
          "webhook_deliveries.attempts as attempts",
          "webhook_deliveries.next_attempt_at as next",
          "webhook_deliveries.body as body",
          "webhooks.url as url",
          "webhooks.secret as secret",
        ])
        .where("webhook_deliveries.status", "=", "pending")
        .where("webhook_deliveries.next_attempt_at", "<=", isoNow())
        .orderBy("webhook_deliveries.id")
        .limit(20)
        .execute();
      await Promise.all(due.map((d) => this.deliver(d)));
    } catch (error) {
      this.options.log?.(`webhooks: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  private async deliver(d: {
    id: number;
    attempts: number;
    next: string;
    body: string;
    url: string;
    secret: string;
  }) {
    const db = this.store.db;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    // Claim: push the next attempt past this one's timeout; only one instance wins the update.
    const claimed = await db
      .updateTable("webhook_deliveries")
      .set({ next_attempt_at: isoNow(timeoutMs + 5000), attempts: Number(d.attempts) + 1 })
      .where("id", "=", d.id)
      .where("status", "=", "pending")
      .where("next_attempt_at", "=", d.next)
      .returning("id")
      .executeTakeFirst();
    if (!claimed) return;
    const attempt = Number(d.attempts) + 1;
    const timestamp = Math.floor(Date.now() / 1000);
    const deliveryId = `dlv_${d.id}`;
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await fetch(d.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "platform-control-plane",
          "webhook-id": deliveryId,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signWebhook(d.secret, deliveryId, timestamp, d.body),
        },
        body: d.body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "manual",
      });
      status = response.status;
      await response.body?.cancel();
      if (status < 200 || status >= 300) error = `receiver answered ${status}`;
    } catch (e) {
      error = `not delivered: ${(e as Error).message}`;
    }
    const signedAt = new Date(timestamp * 1000).toISOString();
    if (!error) {
      await db
        .updateTable("webhook_deliveries")
        .set({
          status: "delivered",
          delivered_at: isoNow(),
          last_status: status ?? null,
          last_error: null,
          signed_at: signedAt,
        })
        .where("id", "=", d.id)
        .execute();
      return;
    }
    const last = attempt >= this.maxAttempts;
    const delay = backoffDelay(attempt, {
      maxAttempts: this.maxAttempts,
      baseDelayMs: this.options.baseDelayMs ?? 2000,
      maxDelayMs: this.options.maxDelayMs ?? 600_000,
    });
    await db
      .updateTable("webhook_deliveries")
      .set({
        status: last ? "failed" : "pending",
        next_attempt_at: isoNow(last ? 0 : delay),
        last_status: status ?? null,
        last_error: error,
        signed_at: signedAt,
      })
      .where("id", "=", d.id)
      .execute();
    this.options.log?.(
      `webhooks: delivery ${d.id} attempt ${attempt} to ${d.url}: ${error}${last ? " (giving up)" : ""}`,
    );
  }
}
