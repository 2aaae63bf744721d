/** The double's plugin exits once its engine is gone, but only after the calls in flight finish. */
import type * as provider from "@pulumi/pulumi/provider";
import { exitWhenEngineGone } from "./engineWatch";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup() {
  let parent = 100;
  const exits: number[] = [];
  let release!: () => void;
  const slowCreate = new Promise<void>((r) => (release = r));
  const inner: provider.Provider = {
    version: "7.0.0",
    async create(urn: string) {
      await slowCreate;
      return { id: urn, outs: {} };
    },
    async check(_urn: string, _olds: unknown, news: Record<string, unknown>) {
      return { inputs: news };
    },
  } as unknown as provider.Provider;
  const p = exitWhenEngineGone(inner, {
    parentPid: () => parent,
    intervalMs: 5,
    exit: () => exits.push(Date.now()),
  });
  return { p, exits, release, killEngine: () => (parent = 1) };
}

describe("exitWhenEngineGone", () => {
  it("passes calls and values through and never exits while the engine lives", async () => {
    const { p, exits, release } = setup();
    expect(p.version).toBe("7.0.0");
    await expect(p.check!("urn:a", {}, { x: 1 })).resolves.toEqual({ inputs: { x: 1 } });
    release();
    await expect(p.create!("urn:b", {})).resolves.toEqual({ id: "urn:b", outs: {} });
    await tick(30);
    expect(exits).toEqual([]);
  });

  it("exits at once when the engine goes with no call in flight", async () => {
    const { exits, killEngine } = setup();
    killEngine();
    await tick(30);
    expect(exits).toHaveLength(1);
  });

  it("lets a create in flight finish, then exits once", async () => {
    const { p, exits, release, killEngine } = setup();
    const create = p.create!("urn:c", {});
    killEngine();
    await tick(30);
    expect(exits).toEqual([]);
    release();
    await expect(create).resolves.toEqual({ id: "urn:c", outs: {} });
    await tick(30);
    expect(exits).toHaveLength(1);
  });

  it("counts a failed call as finished", async () => {
    const inner = {
      async create() {
        throw new Error("cloud double: simulated failure");
      },
    } as unknown as provider.Provider;
    let parent = 100;
    const exits: number[] = [];
    const p = exitWhenEngineGone(inner, {
      parentPid: () => parent,
      intervalMs: 5,
      exit: () => exits.push(1),
    });
    parent = 1;
    await expect(p.create!("urn:d", {})).rejects.toThrow("simulated failure");
    await tick(30);
    expect(exits).toEqual([1]);
  });
});
