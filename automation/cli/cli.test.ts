/**
 * Unit tests of the CLI's input handling and output without the engine: argument validation
 * messages (every problem at once, naming the flag and what is allowed), settings resolution, and
 * the progress lines built from engine events.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { parseTenantSpec } from "../../tenants/spec";
import { problemLines, UsageError } from "../../common";
import { decommissionLines } from "./render";
import { specFromFlags, validateTarget } from "./flags";
import { EventCollector, progressPrinter } from "../events";
import {
  LOCAL_DEFAULT_PASSPHRASE,
  PULUMI_VERSION,
  REPO_ROOT,
  resolveSettings,
  SettingsError,
} from "../settings";

const flags = {
  env: "staging",
  tier: "standard",
  owner: "team@example.com",
  costCenter: "cc-1",
  dataClassification: "internal",
  imageTag: "1.2.3",
};

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return problemLines(error.problems);
    throw error;
  }
  throw new Error("expected a UsageError");
}

describe("tenant onboard flags", () => {
  test("valid flags give a validated spec, the environment and the secrets", () => {
    const { spec, environment, secrets } = specFromFlags("acme", {
      ...flags,
      secret: ["dbPassword=p=w", "apiKey=k"],
    });
    expect(spec).toEqual({
      id: "acme",
      displayName: "acme",
      tier: "standard",
      environments: ["staging"],
      owner: "team@example.com",
      costCenter: "cc-1",
      dataClassification: "internal",
      imageTag: "1.2.3",
    });
    expect(environment).toBe("staging");
    expect(secrets).toEqual({ dbPassword: "p=w", apiKey: "k" });
  });

  test("every problem is reported at once, naming the flag and the allowed values", () => {
    expect(
      problemsOf(() =>
        specFromFlags("Acme", {
          env: "qa",
          tier: "gold",
          dataClassification: "secret",
          secret: ["=x", "novalue"],
        }),
      ),
    ).toEqual([
      '--env: "qa" is not one of staging, production',
      '--secret: ""=... is not NAME=value with NAME a letter then letters, digits or _',
      '--secret: an argument has no "="; expected NAME=value, or NAME with the value in the environment variable NAME (the argument is not shown: it may be a value)',
      '<tenant> (id): tenant id "Acme" must be a lowercase DNS label: start with a letter, then letters, digits or hyphens, ending with a letter or digit (^[a-z][a-z0-9-]*[a-z0-9]$)',
      '--tier (tier): "gold" is not one of trial, standard, enterprise',
      "--owner (owner): is required (a string)",
      "--cost-center (costCenter): is required (a string)",
      '--data-classification (dataClassification): "secret" is not one of public, internal, confidential, restricted',
      expect.stringMatching(/^--image-tag \(imageTag\): is required \(a release tag/),
    ]);
    expect(problemsOf(() => specFromFlags("acme", { ...flags, env: undefined }))).toEqual([
      "--env: is required (one of staging, production)",
    ]);
    expect(problemsOf(() => specFromFlags("acme", { ...flags, imageTag: "latest" }))).toEqual([
      expect.stringMatching(/^--image-tag \(imageTag\): "latest" is not a release tag/),
    ]);
  });

  test("onboarding a second environment keeps the registry spec and adds the environment", () => {
    const { env: _env, ...fields } = flags;
    const existing = parseTenantSpec({
      ...fields,
      id: "acme",
      displayName: "ACME Corp",
      environments: ["staging"],
    });
    const { spec } = specFromFlags("acme", { env: "production" }, existing);
    expect(spec).toMatchObject({
      displayName: "ACME Corp",
      tier: "standard",
      environments: ["staging", "production"],
    });
    expect(specFromFlags("acme", { env: "staging", tier: "enterprise" }, existing).spec.tier).toBe(
      "enterprise",
    );
    // A flag that only repeats the registry's value changes nothing, and is fine.
    expect(specFromFlags("acme", { env: "production", tier: "standard" }, existing).spec.tier).toBe(
      "standard",
    );
  });

  test("onboarding a second environment refuses flags that would change the spec the first one runs", () => {
    const { env: _env, ...fields } = flags;
    const existing = parseTenantSpec({
      ...fields,
      id: "acme",
      displayName: "acme",
      environments: ["staging"],
    });
    expect(
      problemsOf(() =>
        specFromFlags("acme", { env: "production", tier: "enterprise", imageTag: "2.0.0" }, existing),
      ),
    ).toEqual([
      '--image-tag (imageTag): "2.0.0" would change imageTag for staging too (the registry has "1.2.3"): one spec ' +
        "serves all of the tenant's environments. Leave the flag out to onboard production with the registry's " +
        "value, or change the spec first (edit tenants/registry/acme.yaml, then tenant update acme --env staging)",
      '--tier (tier): "enterprise" would change tier for staging too (the registry has "standard"): one spec ' +
        "serves all of the tenant's environments. Leave the flag out to onboard production with the registry's " +
        "value, or change the spec first (edit tenants/registry/acme.yaml, then tenant update acme --env staging)",
    ]);
  });

  test("commands on an existing stack validate the tenant and the environment together", () => {
    expect(validateTarget("acme", "production")).toBe("production");
    expect(problemsOf(() => validateTarget("ab", undefined))).toEqual([
      '<tenant>: tenant id "ab" is 2 characters; allowed 3 to 20 (longer ids do not fit the 32-character target group name)',
      "--env: is required (one of staging, production)",
    ]);
  });
});

describe("settings", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
  fs.mkdirSync(path.join(root, "bin"));
  fs.writeFileSync(path.join(root, "bin", "pulumi"), "");

  test("defaults: the file backend in the checkout, a local-only passphrase, passphrase secrets", () => {
    const s = resolveSettings({}, { PULUMI_ROOT: root });
    expect(s).toMatchObject({
      backendUrl: `file://${path.join(REPO_ROOT, ".pulumi-state")}`,
      localDefaultBackend: true,
      secretsProvider: "passphrase",
      passphrase: LOCAL_DEFAULT_PASSPHRASE,
      pulumiRoot: root,
      workDir: path.join(REPO_ROOT, ".pulumi-state", "workspaces"),
    });
  });

  test("a shared backend needs a passphrase; every problem is reported at once", () => {
    const error = (() => {
      try {
        resolveSettings(
          { secretsProvider: "rot13://x" },
          { PULUMI_BACKEND_URL: "s3://state-bucket", PULUMI_ROOT: "/nowhere" },
        );
      } catch (e) {
        return e as SettingsError;
      }
      throw new Error("expected a SettingsError");
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect(problemLines(error.problems)).toEqual([
      'secrets provider "rot13://x" is not supported; use passphrase, default (Pulumi Cloud), awskms://..., azurekeyvault://..., gcpkms://... or hashivault://...',
      `no Pulumi CLI at /nowhere/bin/pulumi: run \`npm run setup:pulumi\` (scripts/setup-pulumi.sh) or set PULUMI_ROOT to a directory holding bin/pulumi v${PULUMI_VERSION}`,
    ]);
    expect(() => resolveSettings({}, { PULUMI_BACKEND_URL: "s3://state-bucket", PULUMI_ROOT: root })).toThrow(
      "PULUMI_CONFIG_PASSPHRASE is not set: the passphrase secrets provider needs it for backend s3://state-bucket",
    );
    expect(
      resolveSettings(
        { secretsProvider: "awskms://alias/platform" },
        { PULUMI_BACKEND_URL: "s3://b", PULUMI_ROOT: root },
      ).passphrase,
    ).toBeUndefined();
  });
});

describe("progress from engine events", () => {
  const step = (op: string, name: string, extra: Record<string, unknown> = {}) => ({
    op,
    urn: `urn:pulumi:acme-staging::tenant::aws:s3/bucket:Bucket::${name}`,
    type: "aws:s3/bucket:Bucket",
    provider: "",
    ...extra,
  });
  const events = [
    { resourcePreEvent: { metadata: step("create", "acme-logs") } },
    { resourcePreEvent: { metadata: step("same", "acme-data") } },
    { resOutputsEvent: { metadata: step("create", "acme-logs") } },
    { resourcePreEvent: { metadata: step("update", "acme-data", { diffs: ["tags"] }), planning: true } },
    { resOpFailedEvent: { metadata: step("update", "acme-db"), status: 1, steps: 1 } },
    {
      diagnosticEvent: {
        urn: step("update", "acme-db").urn,
        message: "AccessDenied\n",
        color: "never",
        severity: "error",
      },
    },
    { diagnosticEvent: { message: "ephemeral", color: "never", severity: "info", ephemeral: true } },
    {
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 7,
        resourceChanges: { create: 1, same: 3 },
        policyPacks: {},
      },
    },
  ] as unknown as EngineEvent[];

  test("one line per resource step, failures, errors and a summary; unchanged resources only when verbose", () => {
    const lines: string[] = [];
    const print = progressPrinter("acme-staging", (l) => lines.push(l));
    events.forEach(print);
    expect(lines).toEqual([
      "[acme-staging] + creating aws:s3/bucket:Bucket acme-logs",
      "[acme-staging] ✓ created aws:s3/bucket:Bucket acme-logs",
      "[acme-staging] ~ would update aws:s3/bucket:Bucket acme-data [tags]",
      "[acme-staging] ✗ failed aws:s3/bucket:Bucket acme-db",
      "[acme-staging] error acme-db: AccessDenied",
      "[acme-staging] done in 7s: 1 create, 3 same",
    ]);
    const verbose: string[] = [];
    events.forEach(progressPrinter("acme-staging", (l) => verbose.push(l), { verbose: true }));
    expect(verbose).toContain("[acme-staging]   checking aws:s3/bucket:Bucket acme-data");
  });

  test("the collector keeps changed resources and error diagnostics, and survives a throwing printer", () => {
    const collector = new EventCollector(() => {
      throw new Error("broken pipe");
    });
    events.forEach(collector.onEvent);
    expect(collector.resourceChanges.map((c) => [c.name, c.op, c.diffs])).toEqual([
      ["acme-logs", "create", []],
      ["acme-data", "update", ["tags"]],
    ]);
    expect(collector.errorDiagnostics).toEqual(["AccessDenied"]);
  });
});

describe("offboard output", () => {
  const outcome = {
    tenant: "acme",
    environment: "production" as const,
    stack: "acme-production",
    operation: "offboard" as const,
    changes: { delete: 54 },
    resourceChanges: [],
    durationMs: 1000,
  };

  test("names the final snapshots and what was retained, and says when the run resumed", () => {
    expect(
      decommissionLines({
        ...outcome,
        decommission: {
          at: "2026-11-22T01:30:00Z",
          updated: false,
          databaseFinalSnapshot: "plat-prd-acme-db-final-202611220130",
          cacheFinalSnapshot: "plat-prd-acme-cache-final-202611220130",
          retainedBucket: "plat-prd-acme-data-123456789012",
          retainedKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
        },
      }),
    ).toEqual([
      "  decommissioned at 2026-11-22T01:30:00Z (resumed: the decommissioning update had already run)",
      "  database final snapshot: plat-prd-acme-db-final-202611220130 (RDS)",
      "  cache final snapshot: plat-prd-acme-cache-final-202611220130 (ElastiCache)",
      "  retained bucket: plat-prd-acme-data-123456789012 (kept in AWS, in no stack)",
      "  retained key: arn:aws:kms:us-east-1:123456789012:key/k (encrypts the snapshots and the bucket)",
    ]);
    expect(decommissionLines(outcome)).toEqual([
      "  no decommissioning update: the stack held no tenant spec; destroyed as it was",
    ]);
  });
});
