/**
 * Runs a TypeScript entry point with the cached loader of offline/batch/tsload.js instead of
 * ts-node (`npm run check`, `npm run plan`): the same transpile-only output, transpiled once per
 * file content and kept in the offline cache, so a run whose results are all cached starts in about
 * a second instead of several.
 *
 *     node scripts/run-ts.js policies/check/cli.ts --format json
 */
"use strict";
const path = require("path");
const Module = require("module");

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  process.stderr.write("usage: node scripts/run-ts.js <file.ts> [arguments]\n");
  process.exit(2);
}
require("../offline/batch/tsload.js").install();
// As `node <file>` would: the entry is require.main, its arguments follow it.
process.argv = [process.argv[0], path.resolve(entry), ...rest];
Module.runMain();
