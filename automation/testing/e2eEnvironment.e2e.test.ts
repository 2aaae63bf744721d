/**
 * The e2e environment (automation/testing/e2eEnvironment.js) ignores an interrupted inline
 * program's late gRPC rejection, as the service does, and nothing else.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("a late gRPC UNAVAILABLE rejection left unhandled does not fail the running test", async () => {
  // Without the environment Jest pins this rejection on this test, and it fails.
  void Promise.reject(
    Object.assign(new Error("14 UNAVAILABLE: resource monitor shut down while sending resource outputs"), {
      code: 14,
      details: "resource monitor shut down while sending resource outputs",
      metadata: {},
    }),
  );
  await tick(200);
});

it("any other unhandled rejection still fails the test it happens in", () => {
  const config = {
    rootDir: REPO,
    preset: "ts-jest",
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
    testEnvironment: "<rootDir>/automation/testing/e2eEnvironment.js",
    testMatch: ["<rootDir>/automation/testing/fixtures/plainRejection.fixture.ts"],
  };
  const r = spawnSync(
    process.execPath,
    [require.resolve("jest/bin/jest"), "--config", JSON.stringify(config), "--ci"],
    { cwd: REPO, encoding: "utf8", timeout: 120_000 },
  );
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("a real bug, unhandled");
  expect(r.stderr).toMatch(/Tests:\s+1 failed, 1 total/);
}, 150_000);
