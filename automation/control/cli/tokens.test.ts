/** `npm run tokens`: create (printed once, stored hashed), list, revoke; bad input exits 2. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { authenticate, hashToken } from "../auth";
import { main } from "./tokens";
import { Store } from "../store/store";

let dir: string;
let out: string[];
let err: string[];
const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
const run = (...argv: string[]) => main(argv, io, { PLATFORM_DATA_DIR: dir });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "control-tokens-"));
  out = [];
  err = [];
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it("creates a token shown once and stored only as its hash, lists and revokes it", async () => {
  expect(await run("create", "--name", "ci-bot", "--role", "ci", "--tenant", "acme", "--json")).toBe(0);
  const created = JSON.parse(out.join(""));
  expect(created).toMatchObject({
    name: "ci-bot",
    role: "ci",
    tenants: ["acme"],
    token: expect.stringMatching(/^plt_/),
  });
  const store = await Store.open({ dataDir: dir });
  try {
    const rows = await store.db.selectFrom("tokens").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].hash).toBe(hashToken(created.token));
    expect(JSON.stringify(rows)).not.toContain(created.token);
    expect(await authenticate(store.db, created.token)).toMatchObject({ role: "ci", tenants: ["acme"] });
  } finally {
    await store.close();
  }
  out = [];
  expect(await run("list")).toBe(0);
  expect(out.join("")).toMatch(/ci-bot\s+ci\s+acme/);
  expect(out.join("")).not.toContain(created.token);
  expect(await run("revoke", created.id)).toBe(0);
  const again = await Store.open({ dataDir: dir });
  try {
    expect(await authenticate(again.db, created.token)).toBeUndefined();
  } finally {
    await again.close();
  }
  expect(await run("revoke", created.id)).toBe(1);
  expect(err.join("")).toMatch(/no active token/);
});

it("refuses a bad role, name or tenant with every problem (exit 2)", async () => {
  expect(await run("create", "--name", "bad name", "--role", "root", "--tenant", "Bad")).toBe(2);
  const text = err.join("");
  expect(text).toMatch(/--role: "root" is not one of admin, operator, ci, viewer/);
  expect(text).toMatch(/--name: "bad name"/);
  expect(text).toMatch(/--tenant:/);
});
