import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isTestCode, layerViolations } from "./check-layers";

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "layers-"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe("check-layers", () => {
  it("passes on the repository", () => {
    expect(layerViolations()).toEqual([]);
  });

  it("names the file, the line and the folders of an upward import", () => {
    const root = tree({
      "common/a.ts": 'import { x } from "../tenants/b";\n',
      "tenants/b.ts": 'import { y } from "../common/a";\nexport const x = 1;\n',
      "policies/p.ts": '\nconst t = require("../tenants/b");\n',
    });
    expect(layerViolations(root)).toEqual([
      {
        file: "common/a.ts",
        line: 1,
        imported: "../tenants/b",
        message:
          "common/ may not import tenants/ (allowed: nothing); move what both need down a layer (common/ or offline/)",
      },
      {
        file: "policies/p.ts",
        line: 2,
        imported: "../tenants/b",
        message:
          "policies/ may not import tenants/ (allowed: common, offline); move what both need down a layer (common/ or offline/)",
      },
    ]);
  });

  it("lets test code import anything", () => {
    const root = tree({
      "tenants/program.test.ts": 'import { record } from "../offline/recorder";\n',
      "tenants/testing/fixture.ts": 'import { MOCK } from "../../offline/mocks";\n',
    });
    expect(layerViolations(root)).toEqual([]);
    expect(isTestCode(path.join("automation", "testing", "harness.ts"))).toBe(true);
    expect(isTestCode(path.join("automation", "service.e2e.test.ts"))).toBe(true);
    expect(isTestCode(path.join("automation", "service.ts"))).toBe(false);
  });
});
