/**
 * Rollout reports as text, for people (the library returns data; automation/rollout/report.ts).
 */
import type { DryRunReport, RolloutReport } from "../rollout/report";

/** A digest shortened for tables: `sha256:1a2b3c4d5e6f…`; tags as they are. */
export function shortImage(image: string): string {
  return image.startsWith("sha256:") && image.length > 19 ? `${image.slice(0, 19)}…` : image;
}

function table(header: string[], rows: string[][], maxLast = 100): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c.slice(0, maxLast) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** The report of a rollout: one row per tenant, one line per wave, the outcome and what to do next. */
export function formatRolloutReport(report: RolloutReport): string {
  const rows = report.tenants.map((t) => [
    String(t.wave),
    t.tenant,
    t.tier,
    shortImage(t.fromImage),
    shortImage(t.image),
    t.status,
    t.durationMs ? seconds(t.durationMs) : "",
    t.detail,
  ]);
  const waves = report.waves.map(
    (w) =>
      `wave ${w.number} (${w.text}): ${w.status}, ${w.succeeded} of ${w.tenants} on the image, ${w.failed} failed ` +
      `(budget ${w.budget}), concurrency ${w.concurrency}, soak ${w.soak}, ${seconds(w.durationMs)}`,
  );
  return [
    ...table(["WAVE", "TENANT", "TIER", "FROM", "NOW", "STATUS", "TIME", "DETAIL"], rows),
    "",
    ...waves,
    ...(report.notInPlan.length > 0
      ? [`not in any wave (keep their image): ${report.notInPlan.join(", ")}`]
      : []),
    `rollout ${report.id}: ${shortImage(report.image)} to ${report.environment}: ${report.status}` +
      (report.stop ? ` (${report.stop})` : ""),
    `registry: ${report.registry.length > 0 ? `${report.registry.length} file(s) changed: ${report.registry.join(", ")}` : "no change"}`,
    ...report.hints.map((h) => `next: ${h.command}  # ${h.why}`),
  ].join("\n");
}

/** The dry run: the waves, their tenants and each one's current image; nothing changed. */
export function formatDryRun(dry: DryRunReport): string {
  const lines = [`dry run: ${dry.image} to ${dry.environment} (nothing is changed)`];
  for (const w of dry.waves) {
    lines.push(
      "",
      `wave ${w.number} (${w.text}): ${w.tenants.length} tenant(s), concurrency ${w.concurrency}, soak ${w.soak}, budget ${w.budget}`,
    );
    if (w.tenants.length === 0) {
      lines.push("  (no tenant)");
      continue;
    }
    lines.push(
      ...table(
        ["  TENANT", "TIER", "IMAGE", "ACTION"],
        w.tenants.map((t) => [
          `  ${t.tenant}`,
          t.tier,
          shortImage(t.image),
          t.reason ? `${t.action} (${t.reason})` : t.action,
        ]),
      ),
    );
  }
  if (dry.notInPlan.length > 0) {
    lines.push(
      "",
      `not in any wave (keep their image): ${dry.notInPlan.map((t) => `${t.tenant}@${shortImage(t.image)}`).join(", ")}`,
    );
  }
  return lines.join("\n");
}
