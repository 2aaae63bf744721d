/**
 * The offline check's CLI: formats, filters, files and exit codes, called as a function over
 * hand-built stacks (policies/stacks.test.ts runs the pack over the real programs).
 */
import { ALL_POLICIES } from "../registry";
import { baseFixture, patch, setDefaultTags, tenantFixture } from "../testing/fixtures";
import { CliIO, main } from "./cli";
import { StackRecording, StackSource } from "./run";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { recordAllStacks, StackFilter, StackRecordError } from "../../offline/stacks";

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
      /option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json, sarif, markdown/,
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
    /** A registry with one tenant whose tier is not a tier. */
    function badRegistry(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-registry-"));
      const good = fs.readFileSync(
        path.join(__dirname, "..", "..", "tenants", "registry", "acme.yaml"),
        "utf8",
      );
      fs.writeFileSync(path.join(dir, "acme.yaml"), good.replace("tier: enterprise", "tier: platinum"));
      return dir;
    }
    const fromRegistry =
      (dir: string): StackSource =>
      (filter) =>
        recordAllStacks({ ...filter, registryDir: dir });

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
});
