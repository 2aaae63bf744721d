/**
 * Renders the generated parts of docs/policies.md from the pack itself: the policy table (levels,
 * severity, controls, rules) and the FSBP coverage table (./coverage.ts). `npm run docs:policies`
 * rewrites them in place; policies/controls/coverage.test.ts fails while the file is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_LEVELS } from "../lib/config";
import type { PlatformPolicy } from "../lib/policy";
import { CIS_SOURCE } from "./cis";
import { fsbpCoverage, UncheckedStatus } from "./coverage";
import { FSBP_SOURCE } from "./fsbp";

/** docs/policies.md. */
export const POLICIES_DOC = path.join(__dirname, "..", "..", "docs", "policies.md");

/** The generated sections, each between `<!-- BEGIN generated: <name> -->` and `<!-- END generated: <name> -->`. */
export const SECTIONS = ["policy table", "fsbp coverage"] as const;

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function fileOf(name: string): string {
  const [, service, rule] = /^platform-([a-z0-9]+)-([a-z0-9-]+)$/.exec(name) ?? [];
  return `${service}/${rule}.ts`;
}

function controlsCell(
  ids: readonly string[] | undefined,
  notes: Readonly<Record<string, string>> = {},
): string {
  return (ids ?? []).map((id) => (notes[id] ? `${id}*` : id)).join(", ") || "-";
}

/** The policy table: one row per policy. */
export function renderPolicyTable(policies: readonly PlatformPolicy[]): string {
  const rows = policies.map((p) => {
    const levels = DEFAULT_LEVELS[p.category];
    const c = p.controls;
    const requires = `${p.description} Rules: ${p.rules.join("; ")}.`;
    return `| \`${p.name}\` | ${p.category} | ${p.severity ?? "medium"} | ${levels.staging} | ${levels.production} | ${controlsCell(c?.fsbp, c?.notes)} | ${controlsCell(c?.cis, c?.notes)} | ${cell(requires)} | [${fileOf(p.name)}](../policies/${fileOf(p.name)}) |`;
  });
  const notes = policies.flatMap((p) =>
    Object.entries(p.controls?.notes ?? {}).map(([id, note]) => `- \`${p.name}\`, ${id}: ${note}.`),
  );
  const none = policies.filter((p) => p.controls?.none).map((p) => `- \`${p.name}\`: ${p.controls?.none}.`);
  return [
    "| policy | category | severity | staging | production | FSBP | CIS | what it requires | file |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "\\* partially; how far the policy goes:",
    "",
    ...notes,
    "",
    "Policies that implement no FSBP or CIS control, and why:",
    "",
    ...none,
  ].join("\n");
}

const STATUS_ORDER: readonly UncheckedStatus[] = ["enforced by construction", "not applicable", "not yet"];

/** The FSBP coverage table: every control of the services the stacks use. */
export function renderCoverage(policies: readonly PlatformPolicy[]): string {
  const rows = fsbpCoverage(policies);
  const checked = rows.filter((r) => r.policies.length > 0).length;
  const count = (s: UncheckedStatus) =>
    rows.filter((r) => r.policies.length === 0 && r.decision?.status === s).length;
  const undecided = rows.filter((r) => r.policies.length === 0 && !r.decision).length;
  const summary =
    `${rows.length} controls: ${checked} checked by a policy, ` +
    STATUS_ORDER.map((s) => `${count(s)} ${s}`).join(", ") +
    (undecided > 0 ? `, ${undecided} undecided` : "") +
    ".";
  const table = rows.map((r) => {
    const by =
      r.policies.length > 0
        ? r.policies.map((p) => `\`${p.name}\`${p.note ? ` (${cell(p.note)})` : ""}`).join(", ")
        : r.decision
          ? `${r.decision.status}: ${cell(r.decision.reason)}`
          : "**undecided**";
    return `| ${r.control.id} | ${r.control.severity} | ${cell(r.control.title)} | ${by} |`;
  });
  return [
    `Source: [${FSBP_SOURCE.name}](${FSBP_SOURCE.url}), retrieved ${FSBP_SOURCE.retrieved} (policies/controls/fsbp.ts says how).`,
    `CIS ids are [${CIS_SOURCE.name}](${CIS_SOURCE.url}) recommendations (policies/controls/cis.ts).`,
    "",
    `**${summary}**`,
    "",
    "| control | severity | title | checked by, or why not |",
    "|---|---|---|---|",
    ...table,
  ].join("\n");
}

/** `doc` with every generated section replaced by its current rendering. @throws when a marker is missing. */
export function updateDoc(doc: string, policies: readonly PlatformPolicy[]): string {
  const render: Record<(typeof SECTIONS)[number], () => string> = {
    "policy table": () => renderPolicyTable(policies),
    "fsbp coverage": () => renderCoverage(policies),
  };
  let out = doc;
  for (const name of SECTIONS) {
    const begin = `<!-- BEGIN generated: ${name} (npm run docs:policies) -->`;
    const end = `<!-- END generated: ${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) {
      throw new Error(
        `docs/policies.md has no "${begin}" ... "${end}" section; add the two markers where the table goes`,
      );
    }
    out = `${out.slice(0, i + begin.length)}\n\n${render[name]()}\n\n${out.slice(j)}`;
  }
  return out;
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ALL_POLICIES } = require("../registry") as { ALL_POLICIES: readonly PlatformPolicy[] };
  const before = fs.readFileSync(POLICIES_DOC, "utf8");
  const after = updateDoc(before, ALL_POLICIES);
  fs.writeFileSync(POLICIES_DOC, after);
  process.stdout.write(before === after ? "docs/policies.md is current.\n" : "Updated docs/policies.md.\n");
}
