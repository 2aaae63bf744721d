"use strict";
/**
 * A `require` hook for the cloud double's TypeScript (`node -r offline/double/fastload.js main.ts`):
 * what ts-node's transpile-only mode does, with the output kept in a cache so that a plugin start
 * loads no compiler. The engine starts the double once per package per operation (two Node
 * processes); ts-node spent about 0.6 s of CPU in each loading TypeScript and transpiling the same
 * files again (docs/decisions/0008-engine-overhead.md).
 *
 * A cache entry is named by the SHA-256 of everything its output depends on: the source text, the
 * repository's tsconfig.json, the TypeScript version and this file; a changed source therefore
 * misses and is transpiled afresh (never a stale output). Entries are written atomically
 * (temporary file, then rename), so concurrent plugin starts never read half a file. On a miss,
 * TypeScript is loaded and the file transpiled with the tsconfig's options, as ts-node does.
 *
 * It also turns on Node's compile cache (`module.enableCompileCache`, Node 22) in `<cache>/v8`: V8's
 * bytecode of every module the plugin loads (@pulumi/pulumi, gRPC, the transpiled double), kept
 * between starts. V8 checks each entry against the module's source and recompiles on a mismatch, so
 * it only saves time (about 0.07 s of CPU per plugin start). Node writes the cache at exit, which a
 * killed plugin never reaches, so it is written as soon as the plugin's modules are loaded. On Node
 * 20 it is simply not there.
 *
 * Plain JavaScript on purpose: it is what runs before anything is compiled.
 *
 *   PLATFORM_TS_CACHE   the cache directory (the double's PULUMI_HOME holds it)
 */
const { createHash } = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const CACHE = process.env.PLATFORM_TS_CACHE || path.join(REPO_ROOT, "node_modules", ".cache", "platform-ts");
const TSCONFIG = path.join(REPO_ROOT, "tsconfig.json");

if (typeof Module.enableCompileCache === "function" && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  // Never throws: a cache that cannot be used leaves loading as it was.
  Module.enableCompileCache(path.join(CACHE, "v8"));
  // Node writes the cache at exit, and the engine kills its plugins: write it once the plugin's
  // modules are loaded (the entry runs synchronously before this fires).
  setImmediate(() => Module.flushCompileCache?.());
}

let keyPrefix;
/** What every entry's key starts with: this loader, the tsconfig, the TypeScript version. */
function prefix() {
  if (keyPrefix === undefined) {
    const typescriptVersion = JSON.parse(
      fs.readFileSync(require.resolve("typescript/package.json", { paths: [REPO_ROOT] }), "utf8"),
    ).version;
    keyPrefix = createHash("sha256")
      .update(fs.readFileSync(__filename))
      .update("\0")
      .update(fs.readFileSync(TSCONFIG))
      .update("\0")
      .update(typescriptVersion)
      .digest("hex");
  }
  return keyPrefix;
}

let compilerOptions;
/** TypeScript's transpiler with the tsconfig's options (loaded on a cache miss only). */
function transpile(source, filename) {
  const ts = require(require.resolve("typescript", { paths: [REPO_ROOT] }));
  if (compilerOptions === undefined) {
    const read = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
    if (read.error) {
      throw new Error(
        `fastload: ${TSCONFIG}: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`,
      );
    }
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT);
    compilerOptions = { ...parsed.options, sourceMap: false, inlineSourceMap: false, declaration: false };
  }
  return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
}

/** The JavaScript of a `.ts` file, from the cache or transpiled now and cached. */
function compiled(filename) {
  const source = fs.readFileSync(filename, "utf8");
  const key = createHash("sha256")
    .update(prefix())
    .update("\0")
    .update(filename)
    .update("\0")
    .update(source)
    .digest("hex");
  const entry = path.join(CACHE, key.slice(0, 2), `${key}.js`);
  try {
    return fs.readFileSync(entry, "utf8");
  } catch {
    // Not cached yet.
  }
  const output = transpile(source, filename);
  try {
    fs.mkdirSync(path.dirname(entry), { recursive: true });
    const tmp = `${entry}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, output);
    fs.renameSync(tmp, entry);
  } catch {
    // A cache that cannot be written only costs the next start a transpile.
  }
  return output;
}

Module._extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(compiled(filename), filename);
};

module.exports = { compiled };
