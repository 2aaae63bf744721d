/**
 * The offline check's CLI: formats, filters, files and exit codes, called as a function over
 * hand-built stacks (policies/stacks.test.ts runs the pack over the real programs).
 */
import { ALL_POLICIES } from "../registry";
import { baseFixture, patch, setDefaultTags, tenantFixture } from "../testing/fixtures";
import { CliIO, main } from "./cli";
import { render } from "./formats";
import { CheckReport, StackRecording, StackSource } from "./run";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validateXML } from "xmllint-wasm";
import { recordAllStacks, StackFilter, StackRecordError } from "../../offline/stacks";
import { evaluate } from "../engine/harness";

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const files: Record<string, string> = {};
  const sink: CliIO = {
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    writeFile: (f, t) => void (files[f] = t),
  };
  return { sink, out: () => out.join(""), err: () => err.join(""), files };
}

function compliant(): StackRecording[] {
  return [
    {
      kind: "base",
      environment: "staging",
      recording: baseFixture("staging").recording(),
      source: "infra/index.ts",
    },
    {
      kind: "tenant",
      environment: "production",
      tenant: "acme",
      recording: tenantFixture("enterprise", "production", "acme").recording(),
    },
  ];
}

/** acme-production with an open port (mandatory) and the base stack with a missing tag in staging (advisory). */
function broken(): StackRecording[] {
  const base = baseFixture("staging");
  setDefaultTags(base, ({ Owner: _o, ...t }) => t);
  const acme = tenantFixture("enterprise", "production", "acme");
  patch(acme, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", undefined, {
    referencedSecurityGroupId: undefined,
    cidrIpv4: "0.0.0.0/0",
    fromPort: 5432,
    toPort: 5432,
  });
  return [
    { kind: "base", environment: "staging", recording: base.recording() },
    { kind: "tenant", environment: "production", tenant: "acme", recording: acme.recording() },
  ];
}

const from =
  (stacks: StackRecording[], seen?: StackFilter[]): StackSource =>
  (filter) => {
    seen?.push(filter);
    return stacks;
  };

/** A registry with one tenant whose tier is not a tier. */
function badRegistry(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-registry-"));
  const good = fs.readFileSync(path.join(__dirname, "..", "..", "tenants", "registry", "acme.yaml"), "utf8");
  fs.writeFileSync(path.join(dir, "acme.yaml"), good.replace("tier: enterprise", "tier: platinum"));
  return dir;
}
const fromRegistry =
  (dir: string): StackSource =>
  (filter) =>
    recordAllStacks({ ...filter, registryDir: dir });

describe("npm run check", () => {
  it("prints the summary table and passes (exit 0) when nothing mandatory is violated", async () => {
    const t = io();
    expect(await main([], t.sink, from(compliant()))).toBe(0);
    expect(t.out()).toMatch(/^stack +resources +mandatory +advisory +waived\n/);
    expect(t.out()).toMatch(/base staging +\d+ +0 +0 +0\n/);
    expect(t.out()).toMatch(/tenant acme-production +\d+ +0 +0 +0\n/);
    expect(t.out()).toMatch(/total \(2 stacks\)/);
    expect(t.out()).toContain(
      "values known only after creation (ids, ARNs, endpoints, passwords) are placeholders",
    );
    expect(t.out()).toContain("PASSED: no mandatory violation.");
  });

  it("fails (exit 1) on a mandatory violation and lists each violation with its level", async () => {
    const t = io();
    expect(await main([], t.sink, from(broken()))).toBe(1);
    expect(t.out()).toMatch(/tenant acme-production +\d+ +2 +0 +0\n/);
    expect(t.out()).toMatch(/base staging +\d+ +0 +\d+ +0\n/);
    expect(t.out()).toContain(
      "[mandatory] tenant acme-production service-from-alb: platform-ec2-public-ingress",
    );
    expect(t.out()).toContain("[advisory] base staging alb: platform-tagging-required-tags");
    expect(t.out()).toContain("FAILED: 2 mandatory violation(s)");
  });

  it("passes with advisory violations only", async () => {
    const t = io();
    expect(await main(["--env", "staging"], t.sink, from(broken()))).toBe(0);
    expect(t.out()).toMatch(/PASSED: no mandatory violation \(\d+ advisory\)/);
  });

  it("writes JSON with totals and every violation", async () => {
    const t = io();
    await main(["--format", "json"], t.sink, from(broken()));
    const json = JSON.parse(t.out());
    expect(json.passed).toBe(false);
    expect(json.totals).toMatchObject({ stacks: 2, mandatory: 2 });
    expect(json.note).toMatch(/placeholders/);
    expect(json.stacks[1]).toMatchObject({
      kind: "tenant",
      tenant: "acme",
      stack: "acme-production",
      source: "tenants/registry/acme.yaml",
    });
    expect(json.stacks[1].violations.map((v: { policy: string }) => v.policy).sort()).toEqual([
      "platform-ec2-public-ingress",
      "platform-ec2-public-web-ingress-lb-only",
    ]);
  });

  it("writes SARIF 2.1.0: a rule per policy, results located at the stack's program source", async () => {
    const t = io();
    await main(["--format", "sarif", "--output", "reports/policies.sarif"], t.sink, from(broken()));
    const sarif = JSON.parse(t.files["reports/policies.sarif"]);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2.1.0/);
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(ALL_POLICIES.map((p) => p.name));
    for (const r of run.tool.driver.rules) {
      expect(r).toMatchObject({
        shortDescription: { text: expect.any(String) },
        defaultConfiguration: { level: expect.stringMatching(/error|warning/) },
      });
    }
    const byRule = (id: string) => run.results.filter((r: { ruleId: string }) => r.ruleId === id);
    const open = byRule("platform-ec2-public-ingress")[0];
    expect(open.level).toBe("error");
    expect(run.tool.driver.rules[open.ruleIndex].id).toBe("platform-ec2-public-ingress");
    expect(open.message.text).toMatch(/admits tcp 5432 from 0.0.0.0\/0/);
    expect(open.locations[0].physicalLocation.artifactLocation).toEqual({
      uri: "tenants/registry/acme.yaml",
      uriBaseId: "%SRCROOT%",
    });
    expect(open.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(
      /^urn:pulumi:acme-production::tenant::/,
    );
    expect(open.partialFingerprints["platformPolicyViolation/v1"]).toMatch(/^[0-9a-f]{64}$/);
    const tag = byRule("platform-tagging-required-tags")[0];
    expect(tag.level).toBe("warning");
    expect(tag.locations[0].physicalLocation.artifactLocation.uri).toBe("infra/index.ts");
    // With --output, stdout still gets the summary.
    expect(t.out()).toContain("Wrote the sarif report to reports/policies.sarif.");
    expect(t.out()).toMatch(/^stack +resources/);
  });

  it("writes Markdown for the job summary, with escaped table cells", async () => {
    const t = io();
    await main(["--format", "markdown"], t.sink, from(broken()));
    const md = t.out();
    expect(md).toContain("## Policy check");
    expect(md).toContain(
      "**FAILED: 2 mandatory violation(s) must be fixed (or waived in policies/waivers.yaml).**",
    );
    expect(md).toContain("| stack | resources | mandatory | advisory | waived |");
    expect(md).toMatch(/\| tenant acme-production \| \d+ \| 2 \| 0 \| 0 \|/);
    expect(md).toContain("### tenant acme-production (`tenants/registry/acme.yaml`)");
    expect(md).toMatch(/\| mandatory \| `platform-ec2-public-ingress` \| `service-from-alb` \| .*0.0.0.0\/0/);
    expect(md).toMatch(/^> Programs ran under Pulumi's mocks/m);
  });

  it("writes SARIF and Markdown side files from one run", async () => {
    const t = io();
    expect(
      await main(["--sarif-output", "a.sarif", "--markdown-output", "summary.md"], t.sink, from(compliant())),
    ).toBe(0);
    expect(JSON.parse(t.files["a.sarif"]).runs[0].results).toEqual([]);
    expect(t.files["summary.md"]).toContain("PASSED");
  });

  it("passes --env and --tenant to the recorder so only those stacks are recorded", async () => {
    const seen: StackFilter[] = [];
    const t = io();
    await main(["--env", "production", "--tenant", "acme"], t.sink, from(compliant(), seen));
    expect(seen).toEqual([{ environments: ["production"], tenants: ["acme"], includeBase: false }]);
    expect(t.out()).not.toContain("base staging");
    expect(t.out()).toContain("tenant acme-production");
  });

  it("reads a policy pack config file", async () => {
    const t = io();
    const fs = await import("fs");
    const os = await import("os");
    const path = await import("path");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "check-")), "config.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ "platform-tagging-required-tags": { levels: { staging: "mandatory" } } }),
    );
    expect(await main(["--env", "staging", "--config", file], t.sink, from(broken()))).toBe(1);
  });

  it.each([
    [
      ["--format", "xml"],
      /option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json, sarif, markdown, junit, github/,
    ],
    [
      ["--env", "dev"],
      /option '--env <environment>' argument 'dev' is invalid. Allowed choices are staging, production/,
    ],
    [["--tenant", "Bad_Id"], /--tenant "Bad_Id": /],
    [["--tenant", "zzz-co"], /--tenant "zzz-co" is not in tenants\/registry\/; registered: .*acme/],
    [
      ["--config", "/nonexistent/config.json"],
      /--config "\/nonexistent\/config.json": cannot read a JSON policy pack config/,
    ],
    [["--bogus"], /unknown option '--bogus'/],
    [["extra"], /too many arguments/],
  ])("exits 2 with a clear message on usage error %j", async (argv, message) => {
    const t = io();
    expect(await main(argv, t.sink, from(compliant()))).toBe(2);
    expect(t.err()).toMatch(message);
    expect(t.err()).toContain("check: ");
  });

  it("exits 1 and says which program failed when a stack cannot be recorded", async () => {
    const t = io();
    const failing: StackSource = () => ({
      // eslint-disable-next-line require-yield
      async *[Symbol.asyncIterator]() {
        throw new Error('tenant "acme": sizing.cpu: 99999 is outside the enterprise tier\'s limits');
      },
    });
    expect(await main([], t.sink, failing)).toBe(1);
    expect(t.err()).toMatch(/a program failed to run[\s\S]*sizing.cpu: 99999/);
  });

  it("prints help and exits 0", async () => {
    const t = io();
    expect(await main(["--help"], t.sink, from(compliant()))).toBe(0);
    expect(t.out()).toMatch(/Usage: check \[options\][\s\S]*--format <format>[\s\S]*--tenant <id>/);
  });

  describe("machine formats always produce a document, carrying the error", () => {
    it("json: a registry error is a document naming the file and the field, and exit 2", async () => {
      const t = io();
      expect(await main(["--format", "json"], t.sink, fromRegistry(badRegistry()))).toBe(2);
      const json = JSON.parse(t.out());
      expect(json).toMatchObject({ passed: false, stacks: [], error: { kind: "registry" } });
      expect(json.error.message).not.toMatch(/a program failed to run/);
      expect(json.error.problems).toEqual([
        expect.objectContaining({ file: expect.stringMatching(/acme\.yaml$/), field: "tier" }),
      ]);
      expect(t.err()).toMatch(/acme\.yaml: tier: /);
    });

    it("sarif: a registry error is an unsuccessful invocation with a notification at the file", async () => {
      const t = io();
      expect(await main(["--format", "sarif"], t.sink, fromRegistry(badRegistry()))).toBe(2);
      const run = JSON.parse(t.out()).runs[0];
      expect(run.results).toEqual([]);
      expect(run.invocations[0].executionSuccessful).toBe(false);
      const notification = run.invocations[0].toolExecutionNotifications.find(
        (n: { level: string }) => n.level === "error",
      );
      expect(notification.message.text).toMatch(/tier: /);
      expect(notification.locations[0].physicalLocation.artifactLocation.uri).toMatch(/acme\.yaml$/);
    });

    it("json: a program that fails is a document naming the stack and its source, and exit 1", async () => {
      const t = io();
      const failing: StackSource = () => ({
        async *[Symbol.asyncIterator]() {
          yield compliant()[0];
          throw new StackRecordError(
            {
              kind: "tenant",
              environment: "production",
              tenant: "acme",
              source: "tenants/registry/acme.yaml",
            },
            new Error("sizing.cpu: 99999 is outside the enterprise tier's limits"),
          );
        },
      });
      expect(await main(["--format", "json"], t.sink, failing)).toBe(1);
      const json = JSON.parse(t.out());
      expect(json.passed).toBe(false);
      expect(json.stacks.map((s: { stack: string }) => s.stack)).toEqual(["staging"]);
      expect(json.error).toMatchObject({
        kind: "program",
        stack: "acme-production",
        problems: [
          { file: "tenants/registry/acme.yaml", message: expect.stringMatching(/sizing.cpu: 99999/) },
        ],
      });
    });
  });

  describe("CI formats", () => {
    /** Validates JUnit XML against the Jenkins xunit schema (junit-10.xsd) with libxml2 (xmllint-wasm). */
    async function junitProblems(xml: string): Promise<string[]> {
      const schema = fs.readFileSync(path.join(__dirname, "junit-10.xsd"), "utf8");
      const result = await validateXML({
        xml: [{ fileName: "report.xml", contents: xml }],
        schema: [schema],
      });
      return result.valid ? [] : result.errors.map((e) => e.message);
    }

    it("junit: a suite per stack, a case per policy, failures carrying the mandatory violations; valid against the schema", async () => {
      const t = io();
      expect(await main(["--format", "junit"], t.sink, from(broken()))).toBe(1);
      const xml = t.out();
      expect(await junitProblems(xml)).toEqual([]);
      const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map((m) =>
        m.slice(1),
      );
      expect(suites).toEqual([
        ["base staging", String(ALL_POLICIES.length), "0"],
        ["tenant acme-production", String(ALL_POLICIES.length), "2"],
      ]);
      expect(xml.match(/<testcase /g)).toHaveLength(2 * ALL_POLICIES.length);
      expect(xml).toMatch(
        /<testcase classname="platform\.acme-production" name="platform-ec2-public-ingress" time="0">\s*<failure type="mandatory" message="1 mandatory violation\(s\) of platform-ec2-public-ingress on acme-production">\[mandatory\] service-from-alb: .*admits tcp 5432 from 0\.0\.0\.0\/0/,
      );
      // Advisory violations do not fail a case; they are listed in its output.
      expect(xml).toMatch(/name="platform-tagging-required-tags" time="0">\s*<system-out>\[advisory\] /);
      expect(xml).toMatch(/<testsuites name="platform policy check" tests="\d+" failures="2" errors="0"/);
    });

    it("junit: an error run is a valid document with an <error> case naming the file and field", async () => {
      const t = io();
      expect(await main(["--format", "junit"], t.sink, fromRegistry(badRegistry()))).toBe(2);
      const xml = t.out();
      expect(await junitProblems(xml)).toEqual([]);
      expect(xml).toMatch(
        /<testcase classname="platform\.check" name="registry error" time="0">\s*<error type="registry"/,
      );
      expect(xml).toMatch(/acme\.yaml: tier: .*acme\.yaml: tier: /s);
    });

    it("junit: the schema check can fail (a case without a name is refused)", async () => {
      expect(
        await junitProblems(
          '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>',
        ),
      ).toEqual([
        expect.stringContaining("Element 'testcase': The attribute 'name' is required but missing."),
      ]);
    });

    it("junit: escapes what XML cannot carry in messages", async () => {
      const acme = tenantFixture("enterprise", "production", "acme");
      patch(acme, "aws:kms/key:Key", undefined, { enableKeyRotation: false });
      const rec = acme.recording();
      const evil = rec.resources.find((r) => r.type === "aws:kms/key:Key")!;
      (evil as { name: string }).name = 'k<&>"\u0001';
      const t = io();
      await main(
        ["--format", "junit"],
        t.sink,
        from([{ kind: "tenant", environment: "production", tenant: "acme", recording: rec }]),
      );
      expect(await junitProblems(t.out())).toEqual([]);
    });

    it("github: an ::error per mandatory violation and a ::warning per advisory one, at the stack's source", async () => {
      const t = io();
      expect(await main(["--format", "github"], t.sink, from(broken()))).toBe(1);
      const lines = t.out().trimEnd().split("\n");
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^::error file=tenants\/registry\/acme\.yaml,line=1,title=platform-ec2-public-ingress \(acme-production\)::service-from-alb: .*admits tcp 5432 from 0\.0\.0\.0\/0/,
          ),
          expect.stringMatching(
            /^::warning file=infra\/index\.ts,line=1,title=platform-tagging-required-tags \(staging\)::alb: /,
          ),
        ]),
      );
      // Multi-line messages stay on one line; % and newlines are escaped as GitHub requires.
      expect(lines.every((l) => l.startsWith("::"))).toBe(true);
      expect(lines.filter((l) => l.startsWith("::error")).length).toBe(3);
      expect(lines[lines.length - 1]).toMatch(
        /^::error title=policy check::2 stacks, \d+ policies: 2 mandatory, \d+ advisory/,
      );
    });

    it("github: escapes %, CR and LF in messages and : and , in properties, as GitHub requires", () => {
      const report: CheckReport = {
        stacks: [
          {
            kind: "tenant",
            stack: "acme-production",
            project: "tenant",
            environment: "production",
            tenant: "acme",
            source: "tenants/registry/acme.yaml",
            resources: 1,
            violations: [
              {
                policy: "platform-x-y",
                level: "mandatory",
                urn: "urn:pulumi:s::p::t::r",
                message: "100% bad\r\nline two",
              },
            ],
            waived: [],
          },
        ],
        policies: [],
        durationMs: 0,
      };
      expect(render(report, "github").split("\n")[0]).toBe(
        "::error file=tenants/registry/acme.yaml,line=1,title=platform-x-y (acme-production)::r: 100%25 bad%0D%0Aline two",
      );
    });

    it("github: a registry error is an ::error at the file naming the field", async () => {
      const t = io();
      expect(await main(["--format", "github"], t.sink, fromRegistry(badRegistry()))).toBe(2);
      expect(t.out()).toMatch(
        /^::error file=.*acme\.yaml,line=1,title=policy check%3A registry error \(tier\)::acme\.yaml: tier: /m,
      );
    });

    it("github: a clean run ends with a ::notice", async () => {
      const t = io();
      expect(await main(["--format", "github"], t.sink, from(compliant()))).toBe(0);
      expect(t.out()).toMatch(/^::notice title=policy check::2 stacks, \d+ policies: 0 mandatory/m);
    });

    it("writes a JUnit side file from the same run", async () => {
      const t = io();
      await main(["--junit-output", "reports/policies.xml"], t.sink, from(broken()));
      expect(await junitProblems(t.files["reports/policies.xml"])).toEqual([]);
    });
  });

  describe("control mapping in the reports", () => {
    it("sarif: each rule carries its FSBP and CIS controls as properties and tags", async () => {
      const t = io();
      await main(["--format", "sarif"], t.sink, from(compliant()));
      const rules = JSON.parse(t.out()).runs[0].tool.driver.rules;
      const tls = rules.find((r: { id: string }) => r.id === "platform-s3-tls-only");
      expect(tls.properties.controls).toEqual({ fsbp: ["S3.5"], cis: ["2.1.2"] });
      expect(tls.properties.tags).toEqual(expect.arrayContaining(["fsbp:S3.5", "cis:2.1.2"]));
      const tags = rules.find((r: { id: string }) => r.id === "platform-tagging-required-tags");
      expect(tags.properties.controls).toMatchObject({
        fsbp: [],
        cis: [],
        none: expect.stringMatching(/tagging/),
      });
    });

    it("json: lists the policies that ran with their controls, and the selection", async () => {
      const t = io();
      await main(["--format", "json"], t.sink, from(compliant()));
      const json = JSON.parse(t.out());
      expect(json.selection).toEqual({});
      expect(json.policies).toHaveLength(ALL_POLICIES.length);
      expect(json.policies.find((p: { name: string }) => p.name === "platform-s3-access-logging")).toEqual({
        name: "platform-s3-access-logging",
        category: "encryption",
        severity: "medium",
        controls: { fsbp: ["S3.9"], cis: [] },
      });
    });
  });

  describe("selection (--controls, --severity, the config's selection)", () => {
    const ran = async (argv: string[], stacks = broken()) => {
      const t = io();
      const code = await main([...argv, "--format", "json"], t.sink, from(stacks));
      const json = JSON.parse(t.out());
      return { code, json, names: json.policies.map((p: { name: string }) => p.name) as string[] };
    };

    it("--controls fsbp runs only policies implementing FSBP controls", async () => {
      const { names, json } = await ran(["--controls", "fsbp"]);
      expect(names).toEqual(
        ALL_POLICIES.filter((p) => (p.controls?.fsbp ?? []).length > 0).map((p) => p.name),
      );
      expect(names).not.toContain("platform-tagging-required-tags");
      expect(json.selection).toEqual({ controls: ["fsbp"] });
      // Only selected policies report: the advisory tagging violations are gone.
      const reported = json.stacks.flatMap((s: { violations: { policy: string }[] }) =>
        s.violations.map((v) => v.policy),
      );
      expect(reported.every((p: string) => names.includes(p))).toBe(true);
      expect(reported).toContain("platform-ec2-public-ingress");
    });

    it("--controls cis and --severity high combine", async () => {
      const { names } = await ran(["--controls", "cis", "--severity", "high"]);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const p = ALL_POLICIES.find((x) => x.name === name)!;
        expect((p.controls?.cis ?? []).length).toBeGreaterThan(0);
        expect(["high", "critical"]).toContain(p.severity);
      }
      expect(names).toContain("platform-ec2-public-ingress");
      expect(names).not.toContain("platform-kms-rotation"); // CIS 3.8, but severity below high
    });

    it("--severity critical leaves out lower severities, and the exit code follows what ran", async () => {
      const { names, code } = await ran(["--severity", "critical"]);
      expect(names).toEqual(ALL_POLICIES.filter((p) => p.severity === "critical").map((p) => p.name));
      expect(code).toBe(1); // the open port is critical
      const strictStacks = broken();
      const { code: clean } = await ran(
        ["--controls", "cis", "--severity", "critical", "--env", "staging"],
        strictStacks,
      );
      expect(clean).toBe(0);
    });

    it("reads the same selection from the pack config (--config), the flags winning key by key", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-sel-"));
      const file = path.join(dir, "config.json");
      fs.writeFileSync(file, JSON.stringify({ selection: { controls: "cis", severity: "high" } }));
      expect((await ran(["--config", file])).json.selection).toEqual({ controls: ["cis"], severity: "high" });
      expect((await ran(["--config", file, "--severity", "low"])).json.selection).toEqual({
        controls: ["cis"],
        severity: "low",
      });
    });

    it.each([
      [["--controls", "pci"], /--controls: \["pci"\] is not allowed; use fsbp or cis/],
      [
        ["--severity", "urgent"],
        /option '--severity <severity>' argument 'urgent' is invalid. Allowed choices are low, medium, high, critical/,
      ],
    ])("refuses %j with exit 2, naming the flag and what is allowed", async (argv, message) => {
      const t = io();
      expect(await main(argv, t.sink, from(compliant()))).toBe(2);
      expect(t.err()).toMatch(message);
    });

    it("refuses a bad selection in the config file, naming the file and the field", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-sel-"));
      const file = path.join(dir, "config.json");
      fs.writeFileSync(file, JSON.stringify({ selection: { severity: "urgent", frameworks: ["x"] } }));
      const t = io();
      expect(await main(["--config", file, "--format", "json"], t.sink, from(compliant()))).toBe(2);
      expect(t.err()).toContain(
        `--config "${file}": selection.severity: "urgent" is not allowed; use one of low, medium, high, critical`,
      );
      expect(t.err()).toMatch(
        /selection: Unrecognized key.*"frameworks".*allowed keys are controls, severity/,
      );
      expect(JSON.parse(t.out()).error).toMatchObject({ kind: "usage" });
    });

    it("in the engine, an unselected policy is not applicable, and a bad selection fails the evaluation", async () => {
      const rec = broken()[1].recording;
      const selected = await evaluate(rec, ALL_POLICIES, { config: { selection: { controls: ["cis"] } } });
      expect(selected.notApplicable["platform-ec2-public-web-ingress-lb-only"]).toBeGreaterThan(0);
      expect(selected.violations.map((v) => v.policy)).toEqual(["platform-ec2-public-ingress"]);
      await expect(
        evaluate(rec, ALL_POLICIES, { config: { selection: { controls: "nist" } } }),
      ).rejects.toThrow(
        /policy pack config is invalid:\n {2}- selection\.controls: "nist" is not allowed; use fsbp or cis/,
      );
    });
  });
});
