/**
 * Report formats of the offline check: a text table for terminals, JSON for tools, SARIF 2.1.0 for
 * GitHub code scanning, Markdown for the job summary of a pull request, and JUnit XML and GitHub
 * workflow commands for CI systems (./ci-formats.ts).
 */
import { createHash } from "crypto";
import { PACK_NAME } from "../registry";
import type { PlatformPolicy } from "../lib/policy";
import { describeSelection } from "../lib/selection";
import { formatGithub, formatJunit } from "./ci-formats";
import { CheckError, CheckReport, passed, PLACEHOLDER_NOTE, StackResult, totals } from "./run";

/** The formats `--format` accepts. */
export const FORMATS = ["text", "json", "sarif", "markdown", "junit", "github"] as const;

/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];

function stackLabel(s: StackResult): string {
  return s.kind === "base" ? `base ${s.stack}` : `tenant ${s.stack}`;
}

function resourceName(urn?: string): string {
  return urn ? (urn.split("::").pop() ?? urn) : "(stack)";
}

function counts(s: StackResult) {
  return totals([s]);
}

/** Rows of the summary table. */
function summaryRows(report: CheckReport): string[][] {
  const rows = report.stacks.map((s) => {
    const c = counts(s);
    return [stackLabel(s), String(s.resources), String(c.mandatory), String(c.advisory), String(c.waived)];
  });
  const t = totals(report.stacks);
  rows.push([
    `total (${report.stacks.length} stacks)`,
    String(t.resources),
    String(t.mandatory),
    String(t.advisory),
    String(t.waived),
  ]);
  return rows;
}

const HEADER = ["stack", "resources", "mandatory", "advisory", "waived"];

/** One line per problem of an error, `file: message` where the message does not already say it. */
export function errorLines(error: CheckError): string[] {
  return error.problems.map((p) =>
    p.file && !p.message.includes(p.file.split("/").pop() as string) ? `${p.file}: ${p.message}` : p.message,
  );
}

const ERROR_HEADLINE: Record<CheckError["kind"], string> = {
  registry: "ERROR: the tenant registry cannot be loaded; nothing was checked",
  program: "ERROR: a program failed to run; its stack and the stacks after it were not checked",
  policy: "ERROR: a policy failed; the check did not finish",
  usage: "ERROR: invalid command line; nothing was checked",
};

function verdict(report: CheckReport): string {
  const t = totals(report.stacks);
  if (report.error) {
    return `${ERROR_HEADLINE[report.error.kind]}.`;
  }
  if (report.stacks.length === 0) {
    return "No stack matched the filters; nothing was checked.";
  }
  return t.mandatory > 0
    ? `FAILED: ${t.mandatory} mandatory violation(s) must be fixed (or waived in policies/waivers.yaml).`
    : `PASSED: no mandatory violation${t.advisory > 0 ? ` (${t.advisory} advisory)` : ""}.`;
}

/** Plain text: the summary table, then each violation. */
export function formatText(report: CheckReport): string {
  const rows = [HEADER, ...summaryRows(report)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const out = [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  for (const s of report.stacks) {
    for (const v of s.violations) {
      out.push("", `[${v.level}] ${stackLabel(s)} ${resourceName(v.urn)}: ${v.policy}`);
      out.push(`    ${v.message.replace(/\n/g, "\n    ")}`);
    }
  }
  const selected = describeSelection(report.selection ?? {});
  out.push(
    "",
    `Policy pack "${PACK_NAME}": ${report.policies.length} policies${selected ? ` (${selected})` : ""}, ${(report.durationMs / 1000).toFixed(1)} s.`,
  );
  if (report.batch) {
    const b = report.batch;
    out.push(
      `${b.recorded} stack(s) recorded in ${b.workers.started} worker process(es), ${b.cacheHits} from the result cache (docs/policies.md, "The result cache").`,
    );
  }
  out.push(PLACEHOLDER_NOTE, verdict(report));
  if (report.error) {
    out.push(...errorLines(report.error).map((l) => `  - ${l.replace(/\n/g, "\n    ")}`));
  }
  out.push("");
  return out.join("\n");
}

/** JSON: every stack with its violations and waived violations, and the totals. */
export function formatJson(report: CheckReport): string {
  return (
    JSON.stringify(
      {
        pack: PACK_NAME,
        note: PLACEHOLDER_NOTE,
        durationMs: report.durationMs,
        totals: { stacks: report.stacks.length, ...totals(report.stacks) },
        passed: passed(report),
        error: report.error ?? null,
        selection: report.selection ?? {},
        policies: report.policies.map((p) => ({
          name: p.name,
          category: p.category,
          severity: p.severity ?? "medium",
          controls: controlsOf(p),
        })),
        stacks: report.stacks.map((s) => ({
          kind: s.kind,
          stack: s.stack,
          project: s.project,
          environment: s.environment,
          tenant: s.tenant,
          source: s.source,
          resources: s.resources,
          violations: s.violations,
          waived: s.waived.map((w) => ({
            policy: w.policy,
            urn: w.urn,
            message: w.message,
            waiver: w.waiver,
          })),
        })),
      },
      null,
      2,
    ) + "\n"
  );
}

const SARIF_LEVEL: Record<string, "error" | "warning" | "note"> = {
  mandatory: "error",
  advisory: "warning",
  disabled: "note",
  remediate: "error",
};

/** SARIF 2.1.0 for GitHub code scanning: one rule per policy, results located at the stack's program. */
export function formatSarif(report: CheckReport): string {
  const rules = report.policies.map((p) => ({
    id: p.name,
    name: p.name,
    shortDescription: { text: p.description },
    fullDescription: { text: `${p.description} Rules: ${p.rules.join("; ")}.` },
    help: {
      text: p.remediationSteps ?? p.description,
      markdown: `${p.remediationSteps ?? ""}\n\nSee docs/policies.md.`,
    },
    defaultConfiguration: {
      level: p.category === "tagging" || p.category === "limits" ? "warning" : "error",
    },
    properties: {
      category: p.category,
      tags: [
        p.category,
        "pulumi",
        "crossguard",
        ...(p.controls?.fsbp ?? []).map((id) => `fsbp:${id}`),
        ...(p.controls?.cis ?? []).map((id) => `cis:${id}`),
      ],
      controls: controlsOf(p),
      "security-severity": severityScore(p.severity),
    },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.stacks.flatMap((s) =>
    s.violations.map((v) => ({
      ruleId: v.policy,
      ...(index.has(v.policy) ? { ruleIndex: index.get(v.policy) } : {}),
      level: SARIF_LEVEL[v.level] ?? "warning",
      message: { text: `${stackLabel(s)}: ${v.message}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: s.source, uriBaseId: "%SRCROOT%" },
            region: { startLine: 1 },
          },
          logicalLocations: [
            { fullyQualifiedName: v.urn ?? s.stack, name: resourceName(v.urn), kind: "resource" },
          ],
        },
      ],
      partialFingerprints: {
        "platformPolicyViolation/v1": createHash("sha256")
          .update(`${v.policy}|${v.urn ?? s.stack}|${v.message}`)
          .digest("hex"),
      },
      properties: { stack: s.stack, environment: s.environment, tenant: s.tenant, enforcementLevel: v.level },
    })),
  );
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "platform-policy-check",
            semanticVersion: "0.1.0",
            informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
            rules,
          },
        },
        originalUriBaseIds: { "%SRCROOT%": { description: { text: "The repository root." } } },
        results,
        invocations: [
          {
            executionSuccessful: !report.error,
            toolExecutionNotifications: [
              { level: "note", message: { text: PLACEHOLDER_NOTE } },
              ...(report.error ? errorNotifications(report.error) : []),
            ],
          },
        ],
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + "\n";
}

/** SARIF notifications for an error: one per problem, located at its file when known. */
function errorNotifications(error: CheckError) {
  return error.problems.map((p, i) => ({
    level: "error",
    message: { text: `${ERROR_HEADLINE[error.kind]}: ${errorLines(error)[i]}` },
    descriptor: { id: `platform-check-${error.kind}-error` },
    ...(p.file
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: {
                  uri: p.file,
                  ...(p.file.startsWith("/") ? {} : { uriBaseId: "%SRCROOT%" }),
                },
                region: { startLine: 1 },
              },
              ...(p.field ? { logicalLocations: [{ fullyQualifiedName: p.field, kind: "member" }] } : {}),
            },
          ],
        }
      : {}),
  }));
}

/** A policy's control mapping for machine formats: frameworks to ids, notes, or why none. */
function controlsOf(p: PlatformPolicy) {
  const c = p.controls ?? {};
  return {
    fsbp: [...(c.fsbp ?? [])],
    cis: [...(c.cis ?? [])],
    ...(c.notes ? { notes: { ...c.notes } } : {}),
    ...(c.none ? { none: c.none } : {}),
  };
}

function severityScore(severity: string | undefined): string {
  return { critical: "9.0", high: "7.5", medium: "5.0", low: "2.0" }[severity ?? "medium"] ?? "5.0";
}

function md(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Markdown for `$GITHUB_STEP_SUMMARY`: verdict, summary table, violations per stack. */
export function formatMarkdown(report: CheckReport): string {
  const rows = summaryRows(report);
  const out = [
    "## Policy check",
    "",
    `**${verdict(report)}**`,
    "",
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(md).join(" | ")} |`),
    "",
  ];
  if (report.error) {
    out.push(...errorLines(report.error).map((l) => `- ${md(l)}`), "");
  }
  for (const s of report.stacks.filter((x) => x.violations.length > 0)) {
    out.push(
      `### ${stackLabel(s)} (\`${s.source}\`)`,
      "",
      "| level | policy | resource | message |",
      "| --- | --- | --- | --- |",
    );
    for (const v of s.violations) {
      out.push(`| ${v.level} | \`${v.policy}\` | \`${md(resourceName(v.urn))}\` | ${md(v.message)} |`);
    }
    out.push("");
  }
  out.push(`> ${PLACEHOLDER_NOTE}`, "");
  return out.join("\n");
}

/** The report in `format`. */
export function render(report: CheckReport, format: Format): string {
  switch (format) {
    case "json":
      return formatJson(report);
    case "sarif":
      return formatSarif(report);
    case "markdown":
      return formatMarkdown(report);
    case "junit":
      return formatJunit(report);
    case "github":
      return formatGithub(report);
    default:
      return formatText(report);
  }
}
