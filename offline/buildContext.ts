/**
 * What the fake cloud answers for an image build (`docker-build:index:Image`): a digest derived
 * from the build itself, so a change to the context (a file of app/, the Dockerfile), the platforms
 * or the build arguments gives a new digest and an unchanged build gives the same one, as a
 * reproducible build would; a file the context's `.dockerignore` leaves out changes nothing. The mocks (./mocks.ts) use it; the cloud double plays the docker-build
 * provider with the same function. It reads the context directory; nothing is built or pushed.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Directories never part of a context here (also in app/.dockerignore). */
const IGNORED = new Set(["node_modules", ".git"]);

/** One `.dockerignore` line: a pattern anchored at the context root, or a `!` exception. */
export interface IgnoreRule {
  readonly exclude: boolean;
  readonly pattern: RegExp;
}

/**
 * The rules of `<context>/.dockerignore`, as Docker reads them: one pattern a line, `#` comments,
 * paths relative to the context root (a leading `/` means the same), `*` and `?` within one path
 * segment, `**` across segments, `!` re-includes, the last matching line wins; a pattern that
 * matches a directory matches everything in it.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 */
export function dockerIgnoreRules(context: string): IgnoreRule[] {
  const file = path.join(context, ".dockerignore");
  if (!fs.existsSync(file)) {
    return [];
  }
  return fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const exclude = !line.startsWith("!");
      const glob = path.posix
        .normalize((exclude ? line : line.slice(1)).trim().replace(/^\/+/, ""))
        .replace(/\/+$/, "");
      const source = glob
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) =>
          part.startsWith("**")
            ? "(?:.*/)?".concat(part === "**" ? ".*" : "")
            : part === "*"
              ? "[^/]*"
              : part === "?"
                ? "[^/]"
                : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
        )
        .join("");
      return { exclude, pattern: new RegExp(`^${source}(?:/.*)?$`) };
    });
}

/** True when `.dockerignore` leaves `relative` (a posix path inside the context) out. */
function ignored(rules: readonly IgnoreRule[], relative: string): boolean {
  let out = false;
  for (const rule of rules) {
    if (rule.pattern.test(relative)) {
      out = rule.exclude;
    }
  }
  return out;
}

/** The inputs of a build that decide its digest. */
export interface BuildInputs {
  /** The context directory. */
  readonly context: string;
  /** The Dockerfile's path. @default <context>/Dockerfile */
  readonly dockerfile?: string;
  readonly platforms?: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/**
 * Every file the build context sends (relative paths, sorted): without node_modules and .git, and
 * without what the context's `.dockerignore` leaves out.
 */
export function contextFiles(dir: string, prefix = "", rules = dockerIgnoreRules(dir)): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.posix.join(prefix, entry.name);
    if (IGNORED.has(entry.name) || (ignored(rules, relative) && !entry.isDirectory())) {
      continue;
    }
    if (entry.isDirectory()) {
      // A directory is walked even when ignored: a later `!` line may take a file of it back.
      out.push(...contextFiles(dir, relative, rules));
    } else if (entry.isFile()) {
      out.push(relative);
    }
  }
  return out.sort();
}

/** `sha256:<64 hex>` of the context's files, the Dockerfile, the platforms and the build arguments. */
export function buildDigest(build: BuildInputs): string {
  const hash = createHash("sha256");
  for (const file of contextFiles(build.context)) {
    hash
      .update(`file ${file}\0`)
      .update(fs.readFileSync(path.join(build.context, file)))
      .update("\0");
  }
  const dockerfile = build.dockerfile ?? path.join(build.context, "Dockerfile");
  hash.update("dockerfile\0").update(fs.readFileSync(dockerfile)).update("\0");
  hash.update(`platforms ${[...(build.platforms ?? [])].sort().join(",")}\0`);
  for (const [k, v] of Object.entries(build.buildArgs ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`arg ${k}=${v}\0`);
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The state of a `docker-build:index:Image` after a build: its inputs plus `digest` and `ref`. */
export function imageState(inputs: Record<string, any>): Record<string, unknown> {
  const digest = buildDigest({
    context: inputs.context?.location,
    dockerfile: inputs.dockerfile?.location,
    platforms: inputs.platforms,
    buildArgs: inputs.buildArgs,
  });
  const tag: string | undefined = inputs.tags?.[0];
  const pushed = inputs.push === true && tag !== undefined;
  return { ...inputs, digest, ref: pushed ? `${tag}@${digest}` : "", contextHash: digest.slice(7) };
}
