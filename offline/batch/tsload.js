/**
 * Loads TypeScript sources (`require` of a .ts file) with a content-addressed transpile cache: a
 * module is transpiled once per content with TypeScript's own `transpileModule` and the compiler
 * options of tsconfig.json (what `ts-node --transpile-only` does), and the output is kept in
 * `<cache>/ts/` for later processes and runs. Used by the batch workers (./boot.js) and by
 * `npm run check` / `npm run plan` (scripts/run-ts.js).
 *
 * Why not ts-node: every process would transpile the same ~200 modules again (seconds of CPU per
 * process: most of a cached check's time), and ts-node's source-map-support formats every
 * `new Error().stack`, which Pulumi's runtime builds for every promise and resource it creates
 * (more than half of a recording's time under ts-node, measured with `node --cpu-prof`). Without
 * source maps, a stack trace names lines of the transpiled output, not of the .ts file.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..", "..");

/**
 * The offline cache's root: `PLATFORM_OFFLINE_CACHE`, else `.cache/offline/` at the repository
 * root (the one definition; offline/batch/cache.ts reads it from here).
 */
function cacheRoot(env = process.env) {
  return env.PLATFORM_OFFLINE_CACHE
    ? path.resolve(env.PLATFORM_OFFLINE_CACHE)
    : path.join(ROOT, ".cache", "offline");
}

let compiler;
/** TypeScript and the compile options, loaded on the first miss only. */
function typescript() {
  if (!compiler) {
    const ts = require("typescript");
    const file = path.join(ROOT, "tsconfig.json");
    const parsed = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, "utf8"));
    const { options } = ts.convertCompilerOptionsFromJson(parsed.config.compilerOptions, ROOT);
    compiler = { ts, options: { ...options, sourceMap: false, inlineSourceMap: false, declaration: false } };
  }
  return compiler;
}

let salt;
/** What a transpiled module depends on besides its text: the compiler's version and the options. */
function saltOf() {
  if (salt === undefined) {
    const version = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
    salt = `${version}\0${fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")}\0`;
  }
  return salt;
}

function transpile(source, filename, dir) {
  const key = crypto.createHash("sha256").update(saltOf()).update(source).digest("hex");
  const cached = path.join(dir, key.slice(0, 2), `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // a miss: transpile below
  }
  const { ts, options } = typescript();
  const output = ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
  try {
    // Atomic: a temporary file renamed into place, so a concurrent reader sees all or nothing.
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const temp = `${cached}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(temp, output);
    fs.renameSync(temp, cached);
  } catch {
    // A read-only checkout still runs, uncached.
  }
  return output;
}

/** Installs the .ts loader; transpiled modules go to `dir` (@default `<cacheRoot()>/ts`). */
function install(dir = path.join(cacheRoot(), "ts")) {
  require.extensions[".ts"] = function (module, filename) {
    module._compile(transpile(fs.readFileSync(filename, "utf8"), filename, dir), filename);
  };
}

module.exports = { cacheRoot, install };
