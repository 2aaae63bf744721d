/**
 * The control mapping: every policy declares the FSBP/CIS controls it implements (or why none),
 * every FSBP control of the services the stacks use is checked or decided, and docs/policies.md's
 * generated tables are current.
 */
import * as fs from "fs";
import { ALL_POLICIES } from "../registry";
import type { PlatformPolicy } from "../lib/policy";
import { CIS_CONTROLS } from "./cis";
import { controlProblems, DECISIONS, fsbpCoverage } from "./coverage";
import { FSBP_CONTROLS } from "./fsbp";
import { POLICIES_DOC, renderCoverage, updateDoc } from "./render";

const SERVICES = [
  "S3",
  "RDS",
  "ElastiCache",
  "ECS",
  "ELB",
  "EC2",
  "KMS",
  "SNS",
  "SecretsManager",
  "ECR",
  "CloudWatch",
  "IAM",
  "WAF",
  "Backup",
  "EFS",
];

describe("control mapping", () => {
  it("has no problem: every policy maps controls (or says why not), every FSBP control is checked or decided", () => {
    expect(controlProblems(ALL_POLICIES)).toEqual([]);
  });

  it("names a policy added without controls, and says how to fix it", () => {
    const bare = { ...ALL_POLICIES[0], name: "platform-test-new", controls: undefined } as PlatformPolicy;
    expect(controlProblems([...ALL_POLICIES, bare])).toEqual([
      expect.stringMatching(
        /^platform-test-new declares no controls: add `controls: \{ fsbp: \["S3\.9"\], cis: \["2\.1\.2"\] \}` to its meta .* then run `npm run docs:policies`\.$/,
      ),
    ]);
  });

  it("names unknown ids, stale decisions and undecided controls", () => {
    const wrong = {
      ...ALL_POLICIES[0],
      name: "platform-test-wrong",
      controls: { fsbp: ["S3.99", "EC2.2"], cis: ["9.9"] },
    };
    const problems = controlProblems([...ALL_POLICIES, wrong as PlatformPolicy]);
    expect(problems).toEqual(
      expect.arrayContaining([
        'platform-test-wrong: controls.fsbp "S3.99" is not in policies/controls/fsbp.ts (add it there, with its source).',
        'platform-test-wrong: controls.cis "9.9" is not in policies/controls/cis.ts (add it there, with its source).',
        expect.stringMatching(/^FSBP EC2\.2 is checked by platform-test-wrong but DECISIONS still says/),
      ]),
    );
    const withoutS3Logging = ALL_POLICIES.filter((p) => !p.controls?.fsbp?.includes("S3.9"));
    expect(controlProblems(withoutS3Logging)).toEqual([
      expect.stringMatching(/^FSBP S3\.9 \(.*\) is neither checked by a policy nor decided/),
    ]);
  });

  it("keeps the control data well formed: unique ids, in-scope services, a reason for every decision", () => {
    const ids = FSBP_CONTROLS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(FSBP_CONTROLS.filter((c) => !SERVICES.includes(c.service)).map((c) => c.id)).toEqual([]);
    expect(new Set(CIS_CONTROLS.map((c) => c.id)).size).toBe(CIS_CONTROLS.length);
    expect(Object.entries(DECISIONS).filter(([, d]) => d.reason.length < 20)).toEqual([]);
    // S3.9, the gap a peer pack found, is checked by a policy.
    expect(
      fsbpCoverage(ALL_POLICIES)
        .find((r) => r.control.id === "S3.9")
        ?.policies.map((p) => p.name),
    ).toEqual(["platform-s3-access-logging"]);
  });
});

describe("docs/policies.md", () => {
  it("carries the current generated policy and coverage tables (run `npm run docs:policies`)", () => {
    const doc = fs.readFileSync(POLICIES_DOC, "utf8");
    expect(updateDoc(doc, ALL_POLICIES)).toBe(doc);
  });

  it("lists every FSBP control in the coverage table with who checks it or why not", () => {
    const table = renderCoverage(ALL_POLICIES);
    for (const c of FSBP_CONTROLS) {
      expect(table).toMatch(
        new RegExp(`^\\| ${c.id.replace(".", "\\.")} \\| ${c.severity} \\| .+ \\| .+ \\|$`, "m"),
      );
    }
    expect(table).not.toContain("undecided");
  });
});
