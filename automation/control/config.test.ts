/** The control plane's settings from the environment. */
import { readControlConfig } from "./config";

describe("readControlConfig", () => {
  it("defaults to 127.0.0.1:8080 on the real programs", () => {
    const { config } = readControlConfig({});
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8080, concurrency: 4 });
  });

  it("accepts PLATFORM_TENANT_PROGRAM=real and refuses the old stand-in by name", () => {
    expect(readControlConfig({ PLATFORM_TENANT_PROGRAM: "real" })).toEqual(readControlConfig({}));
    expect(readControlConfig({ PLATFORM_TENANT_PROGRAM: "real" }).problems).toBeUndefined();
    const { problems } = readControlConfig({ PLATFORM_TENANT_PROGRAM: "test" });
    expect(problems).toEqual([
      expect.objectContaining({ path: "PLATFORM_TENANT_PROGRAM", value: "test", allowed: ["real"] }),
    ]);
  });

  it("names every bad variable at once", () => {
    const { problems } = readControlConfig({
      PORT: "http",
      PLATFORM_CONCURRENCY: "0",
      DATABASE_URL: "mysql://x",
    });
    expect(problems?.map((p) => p.path)).toEqual(["PORT", "PLATFORM_CONCURRENCY", "DATABASE_URL"]);
  });
});
