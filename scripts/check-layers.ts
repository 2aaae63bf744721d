/**
 * The folder layering of docs/architecture (DESIGN.md "Layout"), checked on every `npm run lint`:
 * each top-level folder imports only the folders below it, so no two folders form a loop and the
 * policy pack never depends on the programs it checks.
 *
 *   common → infra, tenants → release → offline → automation, policies, scripts
 *
 * Test code (`*.test.ts` and `*.e2e.test.ts` next to the code they test, and the `testing/` folder of
 * test support in each top-level folder: the one placement convention) may
 * import anything: a tenant test records the program with offline/, a policy test runs the real
 * programs. Everything else is checked, relative imports and `require`s alike.
 */
import * as fs from "fs";
import * as path from "path";

/** What each top-level folder may import, besides itself. */
export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  common: [],
  infra: ["common"],
  tenants: ["common"],
  release: ["common", "tenants"],
  offline: ["common", "infra", "tenants", "release"],
  automation: ["common", "infra", "tenants", "release", "offline"],
  policies: ["common", "offline"],
  scripts: ["common", "infra", "tenants", "release", "offline", "automation", "policies"],
});

const ROOT = path.resolve(__dirname, "..");
const IMPORT = /(?:from\s+|require\(\s*|import\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** Whether a file is test code, exempt from the layering. */
export function isTestCode(relative: string): boolean {
  return /\.test\.ts$/.test(relative) || relative.split(path.sep).some((p) => p === "testing");
}

/** One import that crosses the layering the wrong way. */
export interface LayerViolation {
  readonly file: string;
  readonly line: number;
  readonly imported: string;
  readonly message: string;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) {
      continue;
    }
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      tsFiles(full, out);
    } else if (entry.name.endsWith(".ts")) {
      out.push(full);
    }
  }
  return out;
}

/** Every import of a non-test file that its folder may not make. */
export function layerViolations(root: string = ROOT): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const folder of Object.keys(ALLOWED_IMPORTS)) {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) {
      continue;
    }
    for (const file of tsFiles(dir)) {
      const relative = path.relative(root, file);
      if (isTestCode(relative)) {
        continue;
      }
      const lines = fs.readFileSync(file, "utf8").split("\n");
      lines.forEach((text, index) => {
        for (const match of text.matchAll(IMPORT)) {
          const target = path.relative(root, path.resolve(path.dirname(file), match[1])).split(path.sep)[0];
          if (target === folder || !(target in ALLOWED_IMPORTS)) {
            continue;
          }
          if (!ALLOWED_IMPORTS[folder].includes(target)) {
            violations.push({
              file: relative,
              line: index + 1,
              imported: match[1],
              message:
                `${folder}/ may not import ${target}/ (allowed: ${ALLOWED_IMPORTS[folder].join(", ") || "nothing"}); ` +
                `move what both need down a layer (common/ or offline/)`,
            });
          }
        }
      });
    }
  }
  return violations;
}

if (require.main === module) {
  const violations = layerViolations();
  for (const v of violations) {
    process.stderr.write(`${v.file}:${v.line}: imports "${v.imported}": ${v.message}\n`);
  }
  if (violations.length > 0) {
    process.stderr.write(`check-layers: ${violations.length} import(s) break the folder layering\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      "check-layers: folders import one way (common → infra, tenants → release → offline → automation, policies, scripts)\n",
    );
  }
}
