/**
 * Presentation at the edge: the fleet table, change counts and next steps as the CLIs print them.
 */
import type { FleetReport } from "../fleet";
import { formatChanges, formatFleetTable, nextStepCommand, table } from "./render";

describe("render", () => {
  test("the summary table and change counts read well", () => {
    const report: FleetReport = {
      operation: "reconcile",
      environment: "staging",
      concurrency: 4,
      startedAt: "",
      finishedAt: "",
      durationMs: 12345,
      exitCode: 1,
      totals: { succeeded: 1, unchanged: 1, failed: 1, drifted: 0, "in-sync": 0, skipped: 0 },
      results: [
        {
          tenant: "acme",
          stack: "acme-staging",
          action: "onboard",
          status: "succeeded",
          reasons: ["new tenant"],
          attempts: 1,
          durationMs: 4200,
          changes: { create: 3, same: 1 },
        },
        {
          tenant: "beta",
          stack: "beta-staging",
          action: "none",
          status: "unchanged",
          reasons: [],
          attempts: 0,
          durationMs: 0,
        },
        {
          tenant: "cx",
          stack: "cx-staging",
          action: "update",
          status: "failed",
          reasons: ["x"],
          attempts: 2,
          durationMs: 900,
          error: { engineMessage: "\nerror: boom\nmore" },
        },
      ],
    };
    expect(formatFleetTable(report)).toBe(
      [
        "TENANT  STACK         ACTION   STATUS     TRIES  TIME  CHANGES   DETAIL",
        "acme    acme-staging  onboard  succeeded  1      4.2s  3 create  new tenant",
        "beta    beta-staging  none     unchanged  0      0.0s",
        "cx      cx-staging    update   failed     2      0.9s            error: boom",
        "",
        "reconcile staging: 1 succeeded, 1 unchanged, 1 failed in 12.3s (concurrency 4)",
      ].join("\n"),
    );
    expect(formatChanges({ same: 4 })).toBe("no changes");
    expect(formatChanges({ create: 1, update: 2, same: 1 })).toBe("1 create, 2 update");
  });

  test("a next step is the tenant command that runs it", () => {
    expect(
      nextStepCommand({ operation: "offboard", tenant: "acme", environment: "production", confirm: "acme" }),
    ).toBe("tenant offboard acme --env production --confirm acme");
    expect(nextStepCommand({ operation: "repair", tenant: "acme", environment: "staging", yes: true })).toBe(
      "tenant repair acme --env staging --yes",
    );
  });

  test("a table pads every column but the last", () => {
    expect(
      table(
        ["A", "BB"],
        [
          ["xyz", "1"],
          ["", "22"],
        ],
      ),
    ).toBe(["A    BB", "xyz  1", "     22"].join("\n"));
  });
});
