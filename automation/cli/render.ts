/**
 * Presentation of the library's results for people (STYLE.md 17b): tables, change counts, operation
 * summaries and the command line of a typed {@link NextStep}. The library returns data; only the
 * CLIs call these.
 */
import type { OpMap } from "@pulumi/pulumi/automation";
import { NextStep, TenantOperationError } from "../errors";
import type { FleetReport } from "../fleet";
import type { OperationOutcome } from "../service";

/** A plain-text table; `maxWidths[i]` cuts column i (the last column is never cut). */
export function table(header: string[], rows: string[][], maxWidths: readonly number[] = []): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => Math.min((r[i] ?? "").length, maxWidths[i] ?? Infinity))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? (c ?? "") : (c ?? "").slice(0, widths[i]).padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Resource counts without `same`: `2 create, 1 update`. */
export function formatChanges(changes: OpMap): string {
  const parts = Object.entries(changes)
    .filter(([op, n]) => op !== "same" && (n ?? 0) > 0)
    .map(([op, n]) => `${n} ${op}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}

/** The `tenant` command line of a next step: `tenant repair acme --env staging --yes`. */
export function nextStepCommand(next: NextStep): string {
  return [
    `tenant ${next.operation} ${next.tenant} --env ${next.environment}`,
    ...(next.confirm !== undefined ? [`--confirm ${next.confirm}`] : []),
    ...(next.yes ? ["--yes"] : []),
  ].join(" ");
}

/** `run: <command> (<runbook>)`, how reports and errors show a next step. */
export function nextStepLine(next: NextStep, opts: { runbook?: boolean } = {}): string {
  return `run: ${nextStepCommand(next)}${opts.runbook !== false && next.runbook ? ` (${next.runbook})` : ""}`;
}

/** An operation error for people: its message, then the command to run next. */
export function errorText(error: TenantOperationError): string {
  return error.next ? `${error.message}\n${nextStepLine(error.next)}` : error.message;
}

/** The fleet report as a fixed-width table, for people. */
export function formatFleetTable(report: FleetReport): string {
  const header = ["TENANT", "STACK", "ACTION", "STATUS", "TRIES", "TIME", "CHANGES", "DETAIL"];
  const rows = report.results.map((r) => [
    r.tenant,
    r.stack,
    r.action,
    r.status,
    String(r.attempts),
    `${(r.durationMs / 1000).toFixed(1)}s`,
    r.changes ? formatChanges(r.changes) : "",
    r.status === "failed"
      ? [
          firstLine(String(r.error?.engineMessage || r.error?.message || "")),
          ...(r.next ? [nextStepLine(r.next, { runbook: false })] : []),
        ].join(" — ")
      : r.reasons.join("; "),
  ]);
  const totals = Object.entries(report.totals)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  return [
    table(header, rows, [40, 40, 40, 40, 40, 40, 40]),
    "",
    `${report.operation} ${report.environment}: ${totals || "nothing to do"} in ${(report.durationMs / 1000).toFixed(1)}s ` +
      `(concurrency ${report.concurrency})`,
  ].join("\n");
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? ""
  );
}

/** One operation's summary for people: changes, time, outputs. */
export function outcomeSummary(o: OperationOutcome): string {
  const lines = [
    `${o.operation} ${o.stack}: ${formatChanges(o.changes)} in ${(o.durationMs / 1000).toFixed(1)}s`,
  ];
  if (o.alreadyOnboarded) {
    lines.push("  already onboarded with this spec: nothing to do (use `tenant update` to change it)");
  } else if (o.resumed) {
    lines.push("  resumed an onboarding that had not completed");
  }
  if (o.outputs) {
    lines.push(
      ...Object.entries(o.outputs).map(
        ([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`,
      ),
    );
  }
  if (o.operation === "offboard") {
    lines.push(...decommissionLines(o));
  }
  return lines.join("\n");
}

/** Where an offboarded tenant's data went (docs/automation.md, "Offboarding and data"). */
export function decommissionLines(o: OperationOutcome): string[] {
  const d = o.decommission;
  if (!d) {
    return ["  no decommissioning update: the stack held no tenant spec; destroyed as it was"];
  }
  return [
    `  decommissioned at ${d.at}${d.updated ? "" : " (resumed: the decommissioning update had already run)"}`,
    ...(d.databaseFinalSnapshot ? [`  database final snapshot: ${d.databaseFinalSnapshot} (RDS)`] : []),
    ...(d.cacheFinalSnapshot ? [`  cache final snapshot: ${d.cacheFinalSnapshot} (ElastiCache)`] : []),
    ...(d.retainedBucket ? [`  retained bucket: ${d.retainedBucket} (kept in AWS, in no stack)`] : []),
    ...(d.retainedKeyArn
      ? [`  retained key: ${d.retainedKeyArn} (encrypts the snapshots and the bucket)`]
      : []),
  ];
}
