/**
 * serve-pack.js's stand-ins (docs/decisions/0004-compiled-policy-pack.md): in a Node process of its
 * own, as the pack runs, TypeScript is not loaded with the SDK and is there on first use, and
 * `@pulumi/aws` gives the very service modules and names its real index gives.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const SERVE = path.join(__dirname, "serve-pack.js");

function inNode(script: string): Record<string, unknown> {
  const run = spawnSync(
    process.execPath,
    ["-e", `const serve = require(${JSON.stringify(SERVE)});\n${script}`],
    {
      cwd: __dirname,
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

test("TypeScript loads on first use, not with the SDK", () => {
  const got = inNode(`
    const path = require("path");
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const loaded = () => Object.keys(require.cache).some((f) => f.endsWith(path.join("typescript", "lib", "typescript.js")));
    serve.deferTypeScript(sdk);
    require("@pulumi/pulumi");
    const before = loaded();
    const ts = require(path.join(sdk, "typescript-shim.js"));
    const kind = typeof ts.createSourceFile;
    console.log(JSON.stringify({ before, kind, after: loaded(), hasVersion: "version" in ts }));
  `);
  expect(got).toEqual({ before: false, kind: "function", after: true, hasVersion: true });
});

test("@pulumi/aws answers with its own service modules, and with the real index for the rest", () => {
  const got = inNode(`
    serve.deferAwsIndex();
    const aws = require("@pulumi/aws");
    const s3 = aws.s3;
    const sameS3 = s3 === require("@pulumi/aws/s3") && aws.s3.Bucket === require("@pulumi/aws/s3").Bucket;
    const indexLoadedEarly = Object.keys(require.cache).some((f) => f.endsWith("/@pulumi/aws/xray/index.js"));
    const esModule = aws.__esModule;
    const getRegion = typeof aws.getRegion;
    const real = require.cache[require.resolve("@pulumi/aws")].exports;
    console.log(JSON.stringify({
      sameS3, indexLoadedEarly, esModule, getRegion,
      afterReal: aws.s3 === real.s3 && aws.rds === real.rds,
      type: aws.s3.Bucket.__pulumiType,
    }));
  `);
  expect(got).toEqual({
    sameS3: true,
    indexLoadedEarly: false,
    esModule: true,
    getRegion: "function",
    afterReal: true,
    type: "aws:s3/bucket:Bucket",
  });
});
