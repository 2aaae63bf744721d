/**
 * The release program under Pulumi's mocks (offline/release.ts): exact build inputs (context,
 * Dockerfile, platform, tag, registry and the credentials from aws.ecr.getAuthorizationToken), and
 * the exported digest, derived from the build context by the fake cloud (offline/buildContext.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildDigest } from "../offline/buildContext";
import { MOCK_ECR_PASSWORD } from "../offline/mocks";
import { one } from "../offline/recorder";
import { recordRelease } from "../offline/release";
import { fixtureBaseOutputs } from "../tenants/testing/baseOutputs";
import { APP_DIR, RELEASE_PLATFORM } from "./program";

const base = fixtureBaseOutputs("staging");
const repo = base.ecrRepositoryUrl;
const host = repo.split("/")[0];

/** Unwraps the recorder's secret values. */
function plain(value: any): any {
  if (value && typeof value === "object" && "4dabf18193072939515e22adb298388d" in value) {
    return plain(value.value);
  }
  return value;
}

describe("release program", () => {
  it("builds app/ for linux/amd64 and pushes it to the base stack's repository with ECR's credentials", async () => {
    const rec = await recordRelease("staging", base);
    const image = one(rec, "docker-build:index:Image", "app");
    const version = JSON.parse(fs.readFileSync(path.join(APP_DIR, "package.json"), "utf8")).version;
    expect(image.inputs.context).toEqual({ location: APP_DIR });
    expect(image.inputs.dockerfile).toEqual({ location: path.join(APP_DIR, "Dockerfile") });
    expect(image.inputs.platforms).toEqual(["linux/amd64"]);
    expect(RELEASE_PLATFORM).toBe("linux/amd64");
    expect(image.inputs.push).toBe(true);
    expect(image.inputs.tags).toEqual([`${repo}:${version}`]);
    expect(image.inputs.buildArgs).toEqual({ APP_VERSION: version });
    // The password comes from getAuthorizationToken; the registry list carrying it is a secret.
    expect(JSON.stringify(image.inputs.registries)).toMatch(/^\{"4dabf18193072939515e22adb298388d"/);
    expect(plain(image.inputs.registries)).toEqual([
      { address: host, username: "AWS", password: MOCK_ECR_PASSWORD },
    ]);
    // The token is read in the base stack's region.
    expect(one(rec, "pulumi:providers:aws", "aws").inputs.region).toBe(base.region);

    const digest = buildDigest({
      context: APP_DIR,
      platforms: ["linux/amd64"],
      buildArgs: { APP_VERSION: version },
    });
    expect(rec.outputs.digest).toBe(digest);
    expect(rec.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(rec.outputs.ref).toBe(`${repo}:${version}@${digest}`);
    expect(rec.outputs).toMatchObject({ repositoryUrl: repo, version, platform: "linux/amd64" });
  });

  it("takes the version and the context from config; a new context gives a new digest", async () => {
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "release-ctx-"));
    try {
      fs.cpSync(APP_DIR, context, { recursive: true });
      const config = { "release:version": "2.0.0-rc.1", "release:context": context };
      const first = await recordRelease("staging", base, config);
      const again = await recordRelease("staging", base, config);
      expect(again.outputs.digest).toBe(first.outputs.digest);
      expect(one(first, "docker-build:index:Image").inputs.tags).toEqual([`${repo}:2.0.0-rc.1`]);
      fs.appendFileSync(path.join(context, "src", "server.js"), "\n// changed\n");
      const changed = await recordRelease("staging", base, config);
      expect(changed.outputs.digest).not.toBe(first.outputs.digest);
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
  });

  it("refuses a moving or malformed version and a stack that is not an environment, before any resource", async () => {
    await expect(recordRelease("staging", base, { "release:version": "latest" })).rejects.toThrow(
      'release:version: "latest" is not a release tag such as 1.4.2 or v2.0.0-rc.1',
    );
    await expect(
      recordRelease("staging", base, { "release:version": `sha256:${"a".repeat(64)}` }),
    ).rejects.toThrow("is not a release tag");
  });
});
