/**
 * `fleet rollout` in-process (`main(argv, io)`): a bad wave plan, image or action exits 2 with
 * field-level messages before anything runs; status, pause and abort act on a saved state. The runs
 * themselves: automation/rollout/rollout.test.ts (library) and rollout.e2e.test.ts (real engine).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT_CODES } from "../errors";
import { FileRolloutStore, RolloutState } from "../rollout";
import { main as fleetMain } from "./fleet";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-cli-"));
const stateDir = path.join(tmp, "rollouts");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await fleetMain(["rollout", ...argv, "--state-dir", stateDir], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return { code, stdout, stderr };
}

describe("fleet rollout: bad input", () => {
  it("a bad wave plan exits 2 naming the wave, the field, the value and what is allowed", async () => {
    const r = await run([
      "--env",
      "staging",
      "--image",
      "2.0.0",
      "--waves",
      "canary=acme concurrency=0; tier=gold; percent=150; color=blue",
    ]);
    expect(r.code).toBe(EXIT_CODES.invalidInput);
    expect(r.stderr).toBe(
      [
        "error: invalid input:",
        '  - --waves wave 1.concurrency: "0" is not a whole number from 1 to 64',
        '  - --waves wave 2.tier: "gold" is not one of trial, standard, enterprise',
        '  - --waves wave 3.percent: "150" is not a whole number from 1 to 100 (e.g. percent=25)',
        '  - --waves wave 4.color: "color=blue" is not a field of a wave; allowed: canary, tenants, tier, percent, rest, concurrency, soak, budget',
        "",
      ].join("\n"),
    );
    expect(fs.existsSync(stateDir)).toBe(false);
  });

  it("refuses a missing plan and env, a moving tag and an unknown action, all at once; --json carries them", async () => {
    const r = await run(["--image", "latest", "--json"]);
    expect(r.code).toBe(EXIT_CODES.invalidInput);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.problems).toEqual([
      "--env: is required (one of staging, production)",
      '--image: "latest" is not a release tag (1.5.0, v2.0.0-rc.1) or a digest (sha256:<64 hex>); moving tags such as latest are refused',
      '--waves waves: is required: waves separated by ";", e.g. "canary=acme; tier=trial; rest" (docs/rollouts.md)',
    ]);
    const bad = await run(["restart", "--env", "staging"]);
    expect(bad.code).toBe(EXIT_CODES.invalidInput);
    expect(bad.stderr).toContain('action: "restart" is not one of start, status, pause, resume, abort');
  });

  it("fleet drift --due-within refuses what is not a duration", async () => {
    let stderr = "";
    const code = await fleetMain(["drift", "--env", "staging", "--due-within", "soon"], {
      stdout: () => undefined,
      stderr: (t) => void (stderr += t),
    });
    expect(code).toBe(EXIT_CODES.invalidInput);
    expect(stderr).toContain('--due-within: "soon" is not a duration such as 1h or 30m');
  });

  it("documents the plan syntax in its help", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.stdout).toContain("canary=<id>[,<id>...]");
    expect(r.stdout).toContain("budget=<n|n%>");
  });
});

describe("fleet rollout status, pause, abort", () => {
  const state: RolloutState = {
    version: 1,
    id: "staging-20261201T090000Z",
    environment: "staging",
    image: "2.0.0",
    plan: "canary=acme; rest",
    createdAt: "2026-12-01T09:00:00.000Z",
    updatedAt: "2026-12-01T09:00:00.000Z",
    status: "running",
    waves: [
      {
        number: 1,
        text: "canary=acme",
        concurrency: 1,
        soakMs: 0,
        budget: { kind: "count", count: 0 },
        tenants: ["acme"],
        status: "succeeded",
      },
      {
        number: 2,
        text: "rest",
        concurrency: 4,
        soakMs: 0,
        budget: { kind: "count", count: 0 },
        tenants: ["globex"],
        status: "running",
      },
    ],
    tenants: {
      acme: {
        tenant: "acme",
        tier: "enterprise",
        wave: 1,
        fromImage: "1.4.2",
        status: "succeeded",
        attempts: 1,
        durationMs: 3000,
      },
      globex: {
        tenant: "globex",
        tier: "standard",
        wave: 2,
        fromImage: "1.4.2",
        status: "updating",
        attempts: 1,
      },
    },
    notInPlan: [],
    registry: [],
    runner: { pid: 999999, host: os.hostname(), startedAt: "2026-12-01T09:00:00.000Z" },
  };

  it("status prints the latest rollout of the environment; pause writes a request; abort too", async () => {
    new FileRolloutStore(stateDir).save({ ...state });
    const status = await run(["status", "--env", "staging"]);
    expect(status.stdout).toMatch(/1 +acme +enterprise +1\.4\.2 +2\.0\.0 +succeeded +3\.0s/);
    expect(status.stdout).toContain("rollout staging-20261201T090000Z: 2.0.0 to staging: running");
    expect(status.code).toBe(EXIT_CODES.rolloutIncomplete);

    const pause = await run(["pause", "--env", "staging"]);
    expect(pause.code).toBe(EXIT_CODES.ok);
    expect(pause.stdout).toContain("pause requested: the runner stops before its next tenant");
    expect(new FileRolloutStore(stateDir).readControl(state.id)).toMatchObject({ action: "pause" });

    const none = await run(["status", "--env", "production"]);
    expect(none.code).toBe(EXIT_CODES.invalidInput);
    expect(none.stderr).toContain(`--id: no rollout of production in ${stateDir}`);
  });

  it("abort of a paused rollout ends it; a finished one cannot be paused", async () => {
    new FileRolloutStore(stateDir).save({ ...state, status: "paused", runner: undefined });
    const abort = await run(["abort", "--env", "staging", "--id", state.id]);
    expect(abort.code).toBe(EXIT_CODES.ok);
    expect(abort.stdout).toContain("aborted.");
    const again = await run(["pause", "--env", "staging", "--id", state.id]);
    expect(again.code).toBe(EXIT_CODES.invalidInput);
    expect(again.stderr).toContain(`id: rollout ${state.id} is aborted; it cannot be paused`);
  });
});
