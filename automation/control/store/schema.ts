/**
 * The control plane's tables, as Kysely sees them. One set of queries runs on SQLite and Postgres,
 * so column types stay in the subset both share: text (times are ISO-8601 UTC strings, which sort
 * as they compare; JSON is text), integers, and 0/1 for booleans.
 */
import type { Generated } from "kysely";

/** API tokens: only the SHA-256 of the secret is kept. */
export interface TokensTable {
  id: string;
  name: string;
  role: string;
  /** JSON list of tenant ids the token is limited to; null for every tenant. */
  tenants: string | null;
  hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Every mutation: who, what, which tenant and environment, the result, from where. */
export interface AuditTable {
  id: Generated<number>;
  at: string;
  token_id: string | null;
  actor: string;
  role: string | null;
  action: string;
  method: string;
  path: string;
  tenant: string | null;
  environment: string | null;
  operation_id: string | null;
  status: number;
  result: string;
  remote: string | null;
  instance: string;
}

/** A tenant and its desired spec (never secrets). */
export interface TenantsTable {
  id: string;
  spec: string;
  created_at: string;
  updated_at: string;
}

/** A tenant's lifecycle state in one environment. */
export interface TenantEnvsTable {
  tenant: string;
  environment: string;
  state: string;
  tier: string;
  last_operation_id: string | null;
  /** JSON of the last known outputs (secrets shown as `[secret]`). */
  outputs: string | null;
  reason: string | null;
  updated_at: string;
}

/** Durable operations: the queue. */
export interface OperationsTable {
  id: string;
  kind: string;
  tenant: string | null;
  environment: string;
  /** `<tenant>-<env>` for tenant operations (the unit of serialization); null for fleet runs. */
  stack: string | null;
  status: string;
  /** JSON: the spec the operation runs with (never secrets). */
  spec: string | null;
  /** JSON: the operation's other parameters (confirm, concurrency, ...). */
  params: string;
  /** 1 when app secrets came with the request; they live only in the accepting instance's memory. */
  has_secrets: number;
  /** The instance holding the secrets, and until when it vouches for them. */
  pinned_to: string | null;
  pinned_until: string | null;
  parent_id: string | null;
  /** The tenant state before the operation was accepted (restored when it is cancelled unstarted). */
  prev_state: string | null;
  requested_by: string;
  /** `<token id>:<Idempotency-Key>`; unique. */
  idempotency_key: string | null;
  request_hash: string | null;
  attempt: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  not_before: string;
  cancel_requested: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** JSON of the outcome. */
  result: string | null;
  /** JSON problem document of the failure. */
  error: string | null;
}

/** One row per stack being operated on: the mutex that keeps one operation per stack. */
export interface StackLeasesTable {
  stack: string;
  operation_id: string;
  owner: string;
  expires_at: string;
}

/** Engine progress of an operation (resource by resource), for SSE with Last-Event-ID. */
export interface OperationEventsTable {
  id: Generated<number>;
  operation_id: string;
  at: string;
  type: string;
  data: string;
}

/** Domain events: state transitions and operation results. */
export interface EventsTable {
  id: Generated<number>;
  at: string;
  type: string;
  tenant: string | null;
  environment: string | null;
  operation_id: string | null;
  instance: string;
  data: string;
}

/** Configured webhook receivers. */
export interface WebhooksTable {
  id: string;
  url: string;
  /** HMAC key; shown once at creation. */
  secret: string;
  /** JSON list of event types, null for all. */
  events: string | null;
  created_at: string;
  disabled_at: string | null;
}

/** One event to one webhook: attempts, backoff and what was sent. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  event_id: number;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  /** The body sent (the event document) and the timestamp it was signed with. */
  body: string;
  signed_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** The database. */
export interface Database {
  tokens: TokensTable;
  audit: AuditTable;
  tenants: TenantsTable;
  tenant_envs: TenantEnvsTable;
  operations: OperationsTable;
  stack_leases: StackLeasesTable;
  operation_events: OperationEventsTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  rollouts: RolloutsTable;
  placements: PlacementsTable;
}

/** Rollouts run by the control plane (automation/rollout's state, as JSON). */
export interface RolloutsTable {
  id: string;
  environment: string;
  status: string;
  /** The RolloutState. */
  state: string;
  /** A pending pause or abort request (RolloutControl), for the instance running it. */
  control: string | null;
  created_at: string;
  updated_at: string;
}

/** A tenant's ingress placement: unique per (shard, priority). */
export interface PlacementsTable {
  tenant: string;
  shard: number;
  priority: number;
}
