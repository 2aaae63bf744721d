/**
 * Prometheus metrics of one instance (`GET /metrics`): operations by kind and result, their
 * durations, the queue depth (read from the store at scrape time, so it is the shared queue's),
 * and HTTP requests. One registry per instance, so several can live in one process (tests).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { countByStatus } from "./store/operations";
import type { Store } from "./store/store";

/** The instance's metrics. */
export interface Metrics {
  readonly registry: Registry;
  readonly operations: Counter<"kind" | "result">;
  readonly operationSeconds: Histogram<"kind">;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpSeconds: Histogram<"method" | "route">;
}

/** Creates the metrics; the queue depth gauge reads `store`. */
export function createMetrics(store: Store): Metrics {
  const registry = new Registry();
  const operations = new Counter({
    name: "platform_operations_total",
    help: "Operations that ended, by kind and result",
    labelNames: ["kind", "result"] as const,
    registers: [registry],
  });
  const operationSeconds = new Histogram({
    name: "platform_operation_duration_seconds",
    help: "Duration of operations that ended, by kind",
    labelNames: ["kind"] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  new Gauge({
    name: "platform_queue_depth",
    help: "Operations in the shared queue, by status (queued, running)",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const counts = await countByStatus(store.db);
      this.set({ status: "queued" }, counts.queued ?? 0);
      this.set({ status: "running" }, counts.running ?? 0);
    },
  });
  const httpRequests = new Counter({
    name: "platform_http_requests_total",
    help: "HTTP requests, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpSeconds = new Histogram({
    name: "platform_http_request_duration_seconds",
    help: "HTTP request duration, by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, operations, operationSeconds, httpRequests, httpSeconds };
}
