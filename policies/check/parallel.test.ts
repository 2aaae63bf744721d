/**
 * The parallel, cached check (offline/batch/ through ./parallel.ts) gives the verdicts of the
 * uncached sequential run, on a registry big enough for several workers, with failing tenants and
 * a waiver; and the check's cache key follows the waiver file and the clock.
 */
import { TEST_WAIVERS_FILE } from "../testing/waiversFile"; // first: sets PLATFORM_WAIVERS_FILE
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commonKey } from "../../offline/batch/run";
import { recordAllStacks, StackFilter } from "../../offline/stacks";
import { writeSyntheticRegistry } from "../../offline/synthetic";
import { BROKEN_TENANTS, breakStack } from "../testing/brokenAnalyzer";
import { checkBatch } from "./parallel";
import { CheckReport, runCheck, StackRecording, totals } from "./run";

const BROKEN_ANALYZER = path.join(__dirname, "..", "testing", "brokenAnalyzer.ts");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "check-parallel-"));
const registryDir = path.join(tmp, "registry");
const cache = path.join(tmp, "cache");
writeSyntheticRegistry(registryDir, 5);

async function* broken(filter: StackFilter): AsyncGenerator<StackRecording> {
  for await (const s of recordAllStacks({ ...filter, registryDir })) {
    yield breakStack(s);
  }
}

/** What a verdict is: the stacks with their violations and waived violations, and the error. */
const verdicts = (r: CheckReport) => ({ stacks: r.stacks, error: r.error });

describe("the parallel check", () => {
  it("gives the sequential run's verdicts, cold and from the cache", async () => {
    const sequential = await runCheck({ workers: 0, source: broken });
    const parallel = await runCheck({ registryDir, workers: 2, cache, analyzer: BROKEN_ANALYZER });
    const cached = await runCheck({ registryDir, workers: 2, cache, analyzer: BROKEN_ANALYZER });

    expect(sequential.error).toBeUndefined();
    expect(sequential.stacks).toHaveLength(2 + 5 * 2);
    // The registry has failing tenants and a waived one; the rest pass.
    const failing = sequential.stacks.filter((s) => s.violations.some((v) => v.level === "mandatory"));
    expect([...new Set(failing.map((s) => s.tenant))].sort()).toEqual(
      BROKEN_TENANTS.filter((t) => t !== "t0003"),
    );
    expect(sequential.stacks.filter((s) => s.waived.length > 0).map((s) => s.stack)).toEqual([
      "t0003-staging",
      "t0003-production",
    ]);
    expect(totals(sequential.stacks).mandatory).toBeGreaterThan(0);

    expect(verdicts(parallel)).toEqual(verdicts(sequential));
    expect(parallel.batch).toMatchObject({ stacks: 12, cacheHits: 0, recorded: 12, workers: { started: 2 } });
    expect(verdicts(cached)).toEqual(verdicts(sequential));
    expect(cached.batch).toMatchObject({ stacks: 12, cacheHits: 12, recorded: 0, workers: { started: 0 } });
  }, 900_000); // 24 recordings; minutes on a loaded 2-core machine

  it("reports a stack selection it cannot make as the sequential run does", async () => {
    const sequential = await runCheck({ registryDir, workers: 0, tenant: "t0099" });
    const parallel = await runCheck({ registryDir, workers: 2, cache, tenant: "t0099" });
    expect(parallel.error).toEqual(sequential.error);
    expect(parallel.error?.message).toMatch(/tenant "t0099" is not in the registry/);
  });

  it("keys on the waiver file and on which waivers have expired at the run's clock", () => {
    const config = { selection: {} };
    const key = (now: Date) => commonKey(checkBatch({ now }, config));
    const before = key(new Date("2099-12-31T12:00:00Z"));
    expect(key(new Date("2099-12-30T00:00:00Z"))).toBe(before); // same waivers active
    expect(key(new Date("2100-01-01T00:00:00Z"))).not.toBe(before); // the waiver expired
    expect(checkBatch({}, config).keySources).toEqual(["policies", TEST_WAIVERS_FILE]);
    const text = fs.readFileSync(TEST_WAIVERS_FILE, "utf8");
    try {
      fs.writeFileSync(TEST_WAIVERS_FILE, text.replace("The test waives", "The test still waives"));
      expect(key(new Date("2099-12-31T12:00:00Z"))).not.toBe(before);
    } finally {
      fs.writeFileSync(TEST_WAIVERS_FILE, text);
    }
    expect(
      commonKey(
        checkBatch(
          { now: new Date("2099-12-31T12:00:00Z") },
          { ...config, "platform-kms-rotation": "advisory" },
        ),
      ),
    ).not.toBe(before);
  });
});
