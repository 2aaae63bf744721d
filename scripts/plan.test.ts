/**
 * `npm run plan` across workers with the result cache prints the plans of the sequential,
 * uncached run (same stacks, same resources, same order), cold and from the cache.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeSyntheticRegistry } from "../offline/synthetic";
import { formatStack, planStacks } from "./plan";

describe("npm run plan in workers", () => {
  it("gives the sequential run's plans, cold and from the cache", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-parallel-"));
    const registryDir = path.join(tmp, "registry");
    writeSyntheticRegistry(registryDir, 3);
    const cache = path.join(tmp, "cache");
    const sequential = await planStacks({ filter: { registryDir }, workers: 0 });
    const parallel = await planStacks({ filter: { registryDir }, workers: 2, cache });
    const cached = await planStacks({ filter: { registryDir }, workers: 2, cache });
    expect(sequential.map((s) => s.recording.stack)).toEqual([
      "staging",
      "t0001-staging",
      "t0002-staging",
      "t0003-staging",
      "production",
      "t0001-production",
      "t0002-production",
      "t0003-production",
    ]);
    expect(parallel).toEqual(sequential);
    expect(cached).toEqual(sequential);
    expect(parallel.map(formatStack)).toEqual(sequential.map(formatStack));
    expect(fs.readdirSync(path.join(cache, "results")).length).toBeGreaterThan(0);
  }, 900_000);
});
