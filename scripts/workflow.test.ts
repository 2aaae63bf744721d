/**
 * The pull-request workflow's access to the cloud (issue 11, item 11): the preview job assumes the
 * read-only preview role, never the deploy role; runs only for pull requests from this repository;
 * and restores each tenant stack's whole config (secret config included) before it sets the pull
 * request's spec, so a preview never plans to delete the app secret.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { pullRequestSubject } from "../infra/ciAccess";

const FILE = path.join(__dirname, "..", ".github", "workflows", "pull-request.yml");
const workflow = parse(fs.readFileSync(FILE, "utf8"));
const preview = workflow.jobs.preview;
const steps: any[] = preview.steps;

describe("pull-request workflow: the preview job", () => {
  it("assumes the preview role through OIDC, and nothing else anywhere in the workflow", () => {
    const credentials = steps.filter((s) =>
      String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials"),
    );
    expect(credentials.map((s) => s.with["role-to-assume"])).toEqual(["${{ vars.AWS_PREVIEW_ROLE_ARN }}"]);
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(fs.readFileSync(FILE, "utf8")).not.toMatch(/vars\.AWS_DEPLOY_ROLE_ARN/);
    // The checks job needs no cloud at all.
    expect(workflow.jobs.checks.permissions["id-token"]).toBeUndefined();
  });

  it("runs only for pull requests of this repository (the role trusts the pull_request subject only)", () => {
    expect(preview.if).toContain("vars.AWS_PREVIEW_ROLE_ARN != ''");
    expect(preview.if).toContain("github.event_name == 'pull_request'");
    expect(preview.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(pullRequestSubject("example-org/saas-platform")).toBe(
      "repo:example-org/saas-platform:pull_request",
    );
  });

  it("restores each tenant stack's config from its last deployment before setting the spec", () => {
    const script: string = steps.find(
      (s) => s.name === "Preview the tenant stacks whose registry files changed",
    ).run;
    const refresh = script.indexOf('pulumi -C tenants config refresh --stack "$stack" --force');
    const setSpec = script.indexOf('pulumi -C tenants config set --stack "$stack" tenant:spec "$spec"');
    const previewAt = script.indexOf('pulumi -C tenants preview --stack "$stack"');
    expect([refresh >= 0, setSpec > refresh, previewAt > setSpec]).toEqual([true, true, true]);
    // Nothing else is set by hand: every other key (tenant:secrets included) comes from the refresh.
    expect(script.match(/config set/g)).toHaveLength(1);
  });
});

describe("pull-request workflow: the offline result cache", () => {
  const checks: any[] = workflow.jobs.checks.steps;
  const at = (pattern: RegExp) =>
    checks.findIndex((s) => pattern.test(String(s.uses ?? "")) || pattern.test(String(s.name ?? "")));

  it("restores the cache before the check and saves it after, under the lockfile and the commit", () => {
    const restore = at(/^actions\/cache\/restore@/);
    const check = checks.findIndex((s) => s.id === "check");
    const save = at(/^actions\/cache\/save@/);
    expect(restore).toBeGreaterThan(checks.findIndex((s) => /npm ci/.test(String(s.run ?? ""))));
    expect(restore).toBeLessThan(check);
    expect(save).toBeGreaterThan(check);
    for (const step of [checks[restore], checks[save]]) {
      expect(step.with.path).toBe(".cache/offline");
      expect(step.with.key).toBe(
        "offline-${{ runner.os }}-${{ hashFiles('package-lock.json') }}-${{ github.sha }}",
      );
    }
    expect(checks[restore].with["restore-keys"].trim()).toBe(
      "offline-${{ runner.os }}-${{ hashFiles('package-lock.json') }}-",
    );
    // Saved even when the check found violations (exit 1 fails the job only after the reports).
    expect(checks[save].if).toContain("always()");
  });
});
