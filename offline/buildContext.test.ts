/**
 * The fake cloud's image digest: what the build context sends (its `.dockerignore` applied), the
 * Dockerfile, the platforms and the build arguments decide it, nothing else.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildDigest, contextFiles } from "./buildContext";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-context-"));
  const files: Record<string, string> = {
    Dockerfile: "FROM scratch\n",
    ".dockerignore": "# not sent\nnode_modules\n*.test.*\nREADME.md\ndocs/\n!docs/keep.md\n/build/**/*.map\n",
    "README.md": "readme",
    "main.js": "1",
    "main.test.js": "test",
    "src/README.md": "nested readme is sent",
    "src/a.test.js": "nested test is sent (Docker's patterns are anchored at the root)",
    "docs/x.md": "x",
    "docs/keep.md": "kept",
    "build/out/app.js.map": "map",
    "build/out/app.js": "js",
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it("sends what .dockerignore does not leave out", () => {
  expect(contextFiles(dir)).toEqual([
    ".dockerignore",
    "Dockerfile",
    "build/out/app.js",
    "docs/keep.md",
    "main.js",
    "src/README.md",
    "src/a.test.js",
  ]);
});

it("a change to an ignored file keeps the digest; a change to a sent file, the platforms or an argument does not", () => {
  const build = { context: dir, platforms: ["linux/amd64"], buildArgs: { APP_VERSION: "1.0.0" } };
  const digest = buildDigest(build);
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  fs.writeFileSync(path.join(dir, "README.md"), "changed");
  fs.writeFileSync(path.join(dir, "docs/x.md"), "changed");
  expect(buildDigest(build)).toBe(digest);
  fs.writeFileSync(path.join(dir, "docs/keep.md"), "changed");
  const changed = buildDigest(build);
  expect(changed).not.toBe(digest);
  expect(buildDigest({ ...build, platforms: ["linux/arm64"] })).not.toBe(changed);
  expect(buildDigest({ ...build, buildArgs: { APP_VERSION: "1.0.1" } })).not.toBe(changed);
});
