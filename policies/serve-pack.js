#!/usr/bin/env node
/**
 * Serves the compiled pack to the engine: `node serve-pack.js <engine address> dist/policies`
 * (policies/run-policy-pack runs it). What `@pulumi/pulumi/cmd/run-policy-pack` does, less the one
 * thing a compiled pack does not need: that entry registers ts-node (and loads TypeScript) on every
 * start, about 0.25 s of CPU per `preview` and `up`, to serve plain JavaScript. It also checks the
 * build in this process (`pack-build.js ensure`), not in a Node process of its own.
 *
 * The exit code keeps the SDK entry's rule: an uncaught error the pack did not log itself exits 1,
 * one it logged exits 32, so the engine never takes a broken pack for a passing one.
 * (docs/decisions/0008-engine-overhead.md)
 */
"use strict";
const path = require("path");

/** The SDK entry's code for "failed after logging an actionable message". */
const LOGGED_AND_FAILED = 32;

const uncaughtErrors = new Set();
const loggedErrors = new Set();
let programRunning = false;
const uncaughtHandler = (err) => {
  uncaughtErrors.add(err);
  if (!programRunning) {
    console.error((err && (err.stack || err.message)) || String(err));
  }
};
process.on("uncaughtException", uncaughtHandler);
process.on("unhandledRejection", uncaughtHandler);
process.on("exit", (code) => {
  if (code === 0 && uncaughtErrors.size > 0) {
    process.exitCode = [...uncaughtErrors].every((e) => loggedErrors.has(e)) ? LOGGED_AND_FAILED : 1;
  }
});

function main(args) {
  if (args.length < 2) {
    console.error("usage: serve-pack.js <engine-address> <compiled pack directory>");
    process.exit(2);
  }
  // Rebuilds a stale pack first (under its lock); prints what it did on stderr.
  require("./pack-build").ensure();
  const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  // The closure serializer's v8 hooks must be ready before the pack loads, as in the SDK entry.
  require(path.join(sdk, "runtime", "closure", "v8Hooks"))
    .isInitializedAsync()
    .then(() => {
      const running = require(path.join(sdk, "cmd", "run-policy-pack", "run")).run({
        argv: { _: args.slice(1) },
        programStarted: () => {
          programRunning = true;
        },
        reportLoggedError: (err) => loggedErrors.add(err),
        typeScript: false,
      });
      running.then(() => {
        programRunning = false;
      });
    });
}

main(process.argv.slice(2));
