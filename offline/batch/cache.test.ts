/**
 * The offline result cache's keys (offline/batch/run.ts) change with every input a result depends
 * on and with nothing else; the store writes atomically, treats a damaged entry as a miss, and
 * stays bounded.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ResultCache } from "./cache";
import { commonKey, stackKey } from "./run";
import type { StackToRecord } from "../stacks";

/** A repository copy with one file per kind of input. */
function fakeRepo(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cache-key-"));
  const files: Record<string, string> = {
    "common/tags.ts": "export const a = 1;",
    "infra/program.ts": "export const b = 1;",
    "tenants/program.ts": "export const c = 1;",
    "tenants/program.test.ts": "test",
    "tenants/registry/acme.yaml": "id: acme",
    "offline/recorder.ts": "export const d = 1;",
    "package-lock.json": "{}",
    "Pulumi.staging.yaml": "config: {}",
    "policies/ec2/public-ingress.ts": "export const e = 1;",
    "policies/analyze.ts": "export const f = 1;",
    "waivers.yaml": "waivers: []",
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe("cache keys", () => {
  const root = fakeRepo();
  const options = () => ({
    analyzer: path.join(root, "policies/analyze.ts"),
    payload: { config: {} },
    keySources: ["policies", path.join(root, "waivers.yaml")],
  });
  const key = () => commonKey(options(), root);

  it.each([
    ["a program source", "infra/program.ts"],
    ["a tenant program source", "tenants/program.ts"],
    ["a shared module", "common/tags.ts"],
    ["the recorder", "offline/recorder.ts"],
    ["the lockfile", "package-lock.json"],
    ["a stack config file", "Pulumi.staging.yaml"],
    ["a policy source", "policies/ec2/public-ingress.ts"],
    ["the analyzer", "policies/analyze.ts"],
    ["the waiver file", "waivers.yaml"],
  ])("change with %s (%s)", (_what, file) => {
    const before = key();
    const abs = path.join(root, file);
    const text = fs.readFileSync(abs, "utf8");
    fs.writeFileSync(abs, `${text}\n// changed`);
    try {
      expect(key()).not.toBe(before);
    } finally {
      fs.writeFileSync(abs, text);
    }
    expect(key()).toBe(before);
  });

  it("do not change with a registry file or a test (each spec is in its own stack's key)", () => {
    const before = key();
    fs.writeFileSync(path.join(root, "tenants/registry/acme.yaml"), "id: acme\ntier: trial");
    fs.writeFileSync(path.join(root, "tenants/program.test.ts"), "other test");
    expect(key()).toBe(before);
  });

  it("change with the key payload (the check's config and selection)", () => {
    expect(commonKey({ ...options(), key: { config: { selection: { severity: "high" } } } }, root)).not.toBe(
      key(),
    );
  });

  const spec = { id: "acme", tier: "trial", environments: ["staging", "production"] };
  const tenant = (s: object, environment = "staging"): StackToRecord =>
    ({
      kind: "tenant",
      environment,
      tenant: "acme",
      spec: s,
      source: "tenants/registry/acme.yaml",
    }) as StackToRecord;

  it("of a stack change with the spec, the environment and the base outputs, not with key order", () => {
    const common = key();
    const base = { vpcId: "vpc-1", listenerArn: "arn:1" };
    const k = stackKey(common, tenant(spec), base);
    expect(stackKey(common, tenant({ ...spec, tier: "standard" }), base)).not.toBe(k);
    expect(stackKey(common, tenant(spec, "production"), base)).not.toBe(k);
    expect(stackKey(common, tenant(spec), { ...base, vpcId: "vpc-2" })).not.toBe(k);
    expect(
      stackKey(commonKey({ ...options(), payload: { config: { x: 1 } } }, root), tenant(spec), base),
    ).not.toBe(k);
    expect(
      stackKey(common, tenant({ environments: spec.environments, tier: "trial", id: "acme" }), base),
    ).toBe(k);
  });
});

describe("ResultCache", () => {
  const key = (n: number) => n.toString(16).padStart(64, "0");

  it("stores and reads values; a damaged or foreign entry is a miss", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cache-store-"));
    const cache = new ResultCache(dir);
    expect(cache.get(key(1))).toBeUndefined();
    cache.put(key(1), { verdict: "pass" });
    expect(cache.get(key(1))).toEqual({ verdict: "pass" });
    const file = path.join(dir, "results", "00", `${key(1)}.json`);
    expect(fs.readdirSync(path.dirname(file))).toEqual([`${key(1)}.json`]); // no temporary file left
    fs.writeFileSync(file, '{"key": "0000", "val');
    expect(cache.get(key(1))).toBeUndefined();
    fs.writeFileSync(file, JSON.stringify({ key: key(2), value: 1 }));
    expect(cache.get(key(1))).toBeUndefined();
    expect(() => cache.get("../../etc/passwd")).toThrow(/is not a SHA-256 hex digest/);
  });

  it("prunes the least recently used entries beyond its bound", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cache-prune-"));
    const cache = new ResultCache(dir, 3);
    for (let i = 1; i <= 5; i++) {
      cache.put(key(i), i);
      const t = new Date(Date.UTC(2026, 0, i));
      fs.utimesSync(path.join(dir, "results", "00", `${key(i)}.json`), t, t);
    }
    expect(cache.get(key(1))).toBe(1); // a hit makes entry 1 the most recent
    expect(cache.prune()).toBe(2);
    expect([1, 2, 3, 4, 5].map((i) => cache.get(key(i)))).toEqual([1, undefined, undefined, 4, 5]);
  });
});
