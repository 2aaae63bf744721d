#!/usr/bin/env node
/**
 * Serves the compiled pack to the engine: `node serve-pack.js <engine address> dist/policies`
 * (policies/run-policy-pack runs it). What `@pulumi/pulumi/cmd/run-policy-pack` does, less the one
 * thing a compiled pack does not need: that entry registers ts-node (and loads TypeScript) on every
 * start, about 0.25 s of CPU per `preview` and `up`, to serve plain JavaScript. It also checks the
 * build in this process (`pack-build.js ensure`), not in a Node process of its own.
 *
 * Two more savings, neither of which can serve anything stale (docs/decisions/0004-compiled-policy-pack.md):
 * - Node's compile cache (`module.enableCompileCache`, Node 22) in `dist/.node-compile-cache`: V8's
 *   bytecode of the SDK, gRPC and the pack, kept between starts. V8 checks each entry against the
 *   module's source and recompiles on a mismatch.
 * - The SDK loads TypeScript as it loads (about 0.2 s of CPU): its closure serializer requires the
 *   SDK's `typescript-shim` at the top of a file, though a policy pack never serializes a function.
 *   The shim is put in the require cache as a stand-in that loads the real one on first use.
 * - `@pulumi/aws`'s index requires each of its ~250 service modules as it loads (about 0.16 s),
 *   and the policies read a handful (`aws.s3.Bucket`, ...) for the types they match. Its stand-in
 *   requires a service module when the pack first reads it, and the real index for anything else.
 *
 * The exit code keeps the SDK entry's rule: an uncaught error the pack did not log itself exits 1,
 * one it logged exits 32, so the engine never takes a broken pack for a passing one.
 * (docs/decisions/0008-engine-overhead.md)
 */
"use strict";
const fs = require("fs");
const Module = require("module");
const path = require("path");

if (typeof Module.enableCompileCache === "function" && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  // Never throws: a cache that cannot be used leaves loading as it was.
  Module.enableCompileCache(path.join(__dirname, "dist", ".node-compile-cache"));
}

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

/**
 * Puts a stand-in for `<sdk>/typescript-shim.js` in the require cache: an object that loads the real
 * shim (and TypeScript) the first time anything of it is read, and then answers as it.
 */
function deferTypeScript(sdk) {
  const shim = path.join(sdk, "typescript-shim.js");
  if (require.cache[shim] !== undefined) {
    return;
  }
  let real;
  cacheStandIn(
    shim,
    proxyOf(() => {
      if (real === undefined) {
        delete require.cache[shim];
        real = require(shim);
      }
      return real;
    }),
  );
}

/** Puts `standIn` in the require cache under `file`, as a loaded module. */
function cacheStandIn(file, exports) {
  const standIn = new Module(file, module);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = exports;
  require.cache[file] = standIn;
}

/** A proxy that answers as `load()`'s result, except where `get` answers first. */
function proxyOf(load, get = () => undefined) {
  return new Proxy(
    {},
    {
      get: (_, key) => {
        const early = get(key);
        return early !== undefined ? early : Reflect.get(load(), key);
      },
      has: (_, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

/**
 * A stand-in for `@pulumi/aws`'s index: `aws.<service>` is `require("@pulumi/aws/<service>")`, the
 * very module object the index exports under that name; any other name (and enumerating it) loads
 * the real index. `__esModule` is answered at once, so that TypeScript's `__importStar` keeps the
 * stand-in instead of copying every name.
 */
function deferAwsIndex() {
  let index;
  try {
    index = require.resolve("@pulumi/aws");
  } catch {
    return;
  }
  if (require.cache[index] !== undefined) {
    return;
  }
  const dir = path.dirname(index);
  let real;
  const loadReal = () => {
    if (real === undefined) {
      delete require.cache[index];
      real = require(index);
    }
    return real;
  };
  const services = new Map();
  const service = (key) => {
    if (key === "__esModule") {
      return true;
    }
    if (real !== undefined || typeof key !== "string" || !/^[a-z0-9]+$/.test(key)) {
      return undefined;
    }
    if (!services.has(key)) {
      const file = path.join(dir, key, "index.js");
      services.set(key, fs.existsSync(file) ? require(file) : undefined);
    }
    return services.get(key);
  };
  cacheStandIn(index, proxyOf(loadReal, service));
}

function main(args) {
  if (args.length < 2) {
    console.error("usage: serve-pack.js <engine-address> <compiled pack directory>");
    process.exit(2);
  }
  // Rebuilds a stale pack first (under its lock); prints what it did on stderr.
  require("./pack-build").ensure();
  const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  deferTypeScript(sdk);
  deferAwsIndex();
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
      // Node writes the compile cache at exit, and the engine kills its analyzers: write it now that
      // the pack is loaded.
      setImmediate(() => Module.flushCompileCache?.());
    });
}

if (require.main === module) {
  main(process.argv.slice(2));
} else {
  module.exports = { deferAwsIndex, deferTypeScript };
}
