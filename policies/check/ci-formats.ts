/**
 * Formats CI systems read natively:
 *
 * - JUnit XML (`--format junit`): one `<testsuite>` per stack, one `<testcase>` per policy of the
 *   run; a mandatory violation is a `<failure>` carrying every violation of that policy on that
 *   stack, advisory and waived ones are listed in `<system-out>`; a run that stopped early (registry,
 *   program or policy error) adds a suite with an `<error>` case naming the file and field. Valid
 *   against the Jenkins xunit JUnit schema, `junit-10.xsd` next to this file (check.test.ts).
 * - GitHub workflow commands (`--format github`): `::error file=…,line=…,title=…::message` per
 *   mandatory violation and `::warning` per advisory one, at the stack's source (the registry file
 *   or infra/index.ts) as the SARIF report locates them, then a `::notice` with the verdict.
 *   https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import type { Violation } from "../engine/harness";
import { PACK_NAME } from "../registry";
import { CheckError, CheckReport, PLACEHOLDER_NOTE, StackResult, totals } from "./run";

/** Text XML 1.0 may carry: no control characters but tab, newline, carriage return. */
function xmlText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "?")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
  );
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join("");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function resourceOf(v: Violation): string {
  return v.urn ? (v.urn.split("::").pop() ?? v.urn) : "(stack)";
}

function describe(v: Violation): string {
  return `[${v.level}] ${resourceOf(v)}: ${v.message}`;
}

function stackSuite(s: StackResult, policies: CheckReport["policies"]): { xml: string; failures: number } {
  let failures = 0;
  const cases = policies.map((p) => {
    const mine = s.violations.filter((v) => v.policy === p.name);
    const mandatory = mine.filter((v) => v.level === "mandatory");
    const other = mine.filter((v) => v.level !== "mandatory");
    const waived = s.waived.filter((w) => w.policy === p.name);
    const body: string[] = [];
    if (mandatory.length > 0) {
      failures++;
      body.push(
        `      <failure${attrs({ type: "mandatory", message: `${mandatory.length} mandatory violation(s) of ${p.name} on ${s.stack}` })}>${xmlText(mandatory.map(describe).join("\n\n"))}</failure>`,
      );
    }
    const out = [
      ...other.map(describe),
      ...waived.map((w) => `[waived until ${w.waiver.expires}] ${w.urn ?? "(stack)"}: ${w.message}`),
    ];
    if (out.length > 0) {
      body.push(`      <system-out>${xmlText(out.join("\n\n"))}</system-out>`);
    }
    const open = `    <testcase${attrs({ classname: `${PACK_NAME}.${s.stack}`, name: p.name, time: "0" })}`;
    return body.length > 0 ? `${open}>\n${body.join("\n")}\n    </testcase>` : `${open}/>`;
  });
  const suite = [
    `  <testsuite${attrs({
      name: `${s.kind === "base" ? "base" : "tenant"} ${s.stack}`,
      tests: policies.length,
      failures,
      errors: 0,
      skipped: 0,
      time: "0",
      file: s.source,
    })}>`,
    `    <properties>`,
    `      <property${attrs({ name: "environment", value: s.environment })}/>`,
    ...(s.tenant ? [`      <property${attrs({ name: "tenant", value: s.tenant })}/>`] : []),
    `      <property${attrs({ name: "resources", value: s.resources })}/>`,
    `    </properties>`,
    ...cases,
    `  </testsuite>`,
  ];
  return { xml: suite.join("\n"), failures };
}

function errorSuite(error: CheckError): string {
  const file = error.problems.find((p) => p.file)?.file;
  const detail = error.problems
    .map((p) => [p.file, p.field, p.message].filter(Boolean).join(": "))
    .join("\n");
  return [
    `  <testsuite${attrs({ name: "policy check", tests: 1, failures: 0, errors: 1, skipped: 0, time: "0", file })}>`,
    `    <testcase${attrs({ classname: `${PACK_NAME}.check`, name: `${error.kind} error`, time: "0" })}>`,
    `      <error${attrs({ type: error.kind, message: error.message.split("\n")[0] })}>${xmlText(detail)}</error>`,
    `    </testcase>`,
    `  </testsuite>`,
  ].join("\n");
}

/** JUnit XML: a suite per stack, a case per policy; failures carry the mandatory violations. */
export function formatJunit(report: CheckReport): string {
  const suites = report.stacks.map((s) => stackSuite(s, report.policies));
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const errors = report.error ? 1 : 0;
  const tests = report.stacks.length * report.policies.length + errors;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!-- ${xmlText(PLACEHOLDER_NOTE).replace(/--/g, "- -")} -->`,
    `<testsuites${attrs({ name: `${PACK_NAME} policy check`, tests, failures, errors, time: seconds(report.durationMs) })}>`,
    ...suites.map((s) => s.xml),
    ...(report.error ? [errorSuite(report.error)] : []),
    `</testsuites>`,
    "",
  ].join("\n");
}

/** A workflow command's message: `%`, CR and LF escaped (GitHub's toCommandValue). */
function commandMessage(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A workflow command's property value: also `:` and `,` escaped (GitHub's toCommandProperties). */
function commandProperty(text: string): string {
  return commandMessage(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function command(
  kind: "error" | "warning" | "notice",
  props: Record<string, string | undefined>,
  message: string,
) {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${commandProperty(v as string)}`)
    .join(",");
  return `::${kind}${p ? ` ${p}` : ""}::${commandMessage(message)}`;
}

/** GitHub workflow commands: an annotation per violation at the stack's source, then the verdict. */
export function formatGithub(report: CheckReport): string {
  const lines: string[] = [];
  for (const s of report.stacks) {
    for (const v of s.violations) {
      lines.push(
        command(
          v.level === "mandatory" ? "error" : "warning",
          { file: s.source, line: "1", title: `${v.policy} (${s.stack})` },
          `${resourceOf(v)}: ${v.message}`,
        ),
      );
    }
  }
  if (report.error) {
    for (const p of report.error.problems) {
      lines.push(
        command(
          "error",
          {
            file: p.file,
            line: p.file ? "1" : undefined,
            title: `policy check: ${report.error.kind} error${p.field ? ` (${p.field})` : ""}`,
          },
          p.message,
        ),
      );
    }
  }
  const t = totals(report.stacks);
  const verdict = report.error
    ? `The policy check stopped: ${report.error.message.split("\n")[0]}`
    : `${report.stacks.length} stacks, ${report.policies.length} policies: ${t.mandatory} mandatory, ${t.advisory} advisory, ${t.waived} waived violation(s). ${PLACEHOLDER_NOTE}`;
  lines.push(
    command(report.error || t.mandatory > 0 ? "error" : "notice", { title: "policy check" }, verdict),
  );
  return lines.join("\n") + "\n";
}
