#!/usr/bin/env node
/**
 * The compiled policy pack: `tsc -p policies/tsconfig.build.json` into `policies/dist/`, stamped
 * with the digest of everything it was compiled from (each source file tsc read from the
 * repository, the two tsconfigs, package-lock.json). `run-policy-pack` serves the compiled pack
 * and never a stale one: before it starts, `ensure` compares the stamp with the files as they are
 * now and rebuilds when anything differs (docs/policies.md, "The compiled pack").
 *
 *   node policies/pack-build.js build    # always rebuild (npm run build:policies)
 *   node policies/pack-build.js ensure   # rebuild only when stale; prints what it did on stderr
 *   node policies/pack-build.js check    # exit 1 when stale or missing, 0 when fresh
 *
 * Plain JavaScript on purpose: it runs before every engine operation, and loading ts-node or the
 * compiler to check a stamp would cost what the compiled pack saves.
 */
"use strict";
const { createHash } = require("crypto");
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const PACK_DIR = __dirname;
const REPO_ROOT = path.resolve(PACK_DIR, "..");
const DIST = path.join(PACK_DIR, "dist");
const STAMP = path.join(DIST, "BUILD.json");
/** The compiled entry point, what `run-policy-pack` hands to @pulumi/pulumi's runner. */
const ENTRY = path.join(DIST, "policies", "index.js");
const ALWAYS = [
  "package-lock.json",
  "tsconfig.json",
  "policies/tsconfig.build.json",
  "policies/package.json",
];

function digestOf(relative) {
  try {
    return createHash("sha256")
      .update(fs.readFileSync(path.join(REPO_ROOT, relative)))
      .digest("hex");
  } catch {
    return "missing";
  }
}

/** The files a build depends on, with their digests. */
function inputsOf(sources) {
  const files = [...new Set([...ALWAYS, ...sources])].sort();
  return Object.fromEntries(files.map((f) => [f, digestOf(f)]));
}

/** Why the compiled pack cannot be used as it is, or undefined when it is fresh. */
function staleness() {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, "utf8"));
  } catch {
    return "no compiled pack (policies/dist/BUILD.json is missing)";
  }
  if (!fs.existsSync(ENTRY)) {
    return `the compiled entry ${path.relative(REPO_ROOT, ENTRY)} is missing`;
  }
  const now = inputsOf(Object.keys(stamp.inputs ?? {}));
  const changed = Object.keys(now).filter((f) => now[f] !== stamp.inputs?.[f]);
  return changed.length > 0
    ? `changed since the last build: ${changed.slice(0, 5).join(", ")}${changed.length > 5 ? ", ..." : ""}`
    : undefined;
}

/** Compiles the pack and writes the stamp. */
function build() {
  const tsc = require.resolve("typescript/bin/tsc", { paths: [REPO_ROOT] });
  const listed = execFileSync(
    process.execPath,
    [tsc, "-p", path.join(PACK_DIR, "tsconfig.build.json"), "--listFiles"],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const sources = listed
    .split("\n")
    .map((f) => f.trim())
    .filter((f) => f !== "" && !f.includes(`${path.sep}node_modules${path.sep}`))
    .map((f) => path.relative(REPO_ROOT, f))
    .filter((f) => !f.startsWith(".."));
  fs.writeFileSync(
    STAMP,
    `${JSON.stringify({ builtAt: new Date().toISOString(), inputs: inputsOf(sources) }, null, 2)}\n`,
  );
  return sources.length;
}

/** Rebuilds when stale, under a lock so concurrent operations build once. */
function ensure() {
  const why = staleness();
  if (why === undefined) {
    return;
  }
  fs.mkdirSync(DIST, { recursive: true });
  const lock = path.join(DIST, ".build.lock");
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`policy pack: ${lock} has been held for 3 minutes; remove it if no build is running`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (staleness() !== undefined) {
      process.stderr.write(`policy pack: compiling policies/ (${why})\n`);
      build();
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

module.exports = { build, ensure, staleness, ENTRY, STAMP };

if (require.main === module) {
  const command = process.argv[2];
  try {
    if (command === "build") {
      fs.mkdirSync(DIST, { recursive: true });
      const n = build();
      process.stdout.write(`policy pack: compiled ${n} files into ${path.relative(REPO_ROOT, DIST)}/\n`);
    } else if (command === "ensure") {
      ensure();
    } else if (command === "check") {
      const why = staleness();
      if (why !== undefined) {
        process.stderr.write(`policy pack: stale: ${why}; run npm run build:policies\n`);
        process.exitCode = 1;
      }
    } else {
      process.stderr.write("usage: node policies/pack-build.js build|ensure|check\n");
      process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`policy pack: ${error.message}\n`);
    process.exitCode = 1;
  }
}
