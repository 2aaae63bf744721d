/**
 * The operator console in a real headless browser (Debian's `chromium`, driven by
 * playwright-core; .ci/run installs it): an operator signs in with a token, watches a tenant go
 * from provisioning to active on screen (the real tenant program on the cloud double), and follows
 * an operation's progress over SSE.
 */
import * as fs from "fs";
import * as path from "path";
import { chromium, Browser } from "playwright-core";
import { writeKnobs } from "../../offline/double/knobs";
import { createDoubleHarness, DoubleHarness, testSpec } from "../testing/harness";
import { createToken } from "./auth";
import { createInstance, Instance } from "./instance";
import { Store } from "./store/store";
import { api } from "./testing/processes";

/** Debian's chromium, or what PLATFORM_CHROMIUM names; missing fails with what to install. */
function chromiumPath(): string {
  const candidates = [process.env.PLATFORM_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
    (p): p is string => Boolean(p),
  );
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `the console test needs a Chromium (looked at ${candidates.join(", ")}): apt-get update && apt-get install -y chromium (.ci/run does this)`,
    );
  }
  return found;
}

let h: DoubleHarness;
let instance: Instance;
let browser: Browser;
let url: string;
let token: string;

beforeAll(async () => {
  // The real programs on the cloud double; the tenant's service is slow enough (4 s) for the page
  // to show provisioning before active.
  h = await createDoubleHarness("control-console");
  writeKnobs(h.doubleDir, { latencyMs: { "aws:ecs/service:Service": 4000 } });
  const store = await Store.open({ dataDir: path.join(h.dir, "control") });
  token = (await createToken(store.db, { name: "console-operator", role: "operator" })).token;
  instance = await createInstance({ store, service: h.service, worker: { pollMs: 200 } });
  url = await instance.listen("127.0.0.1", 0);
  instance.startBackground();
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu"],
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await instance?.stop(5000);
  h?.cleanup();
});

it("shows a tenant going from provisioning to active, and an operation's live progress", async () => {
  const page = await browser.newPage();
  await page.goto(url);
  await page.getByLabel("API token").fill("plt_wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That token is unknown or revoked.").waitFor();
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("No tenants in this environment yet.").waitFor();

  const r = await api(url, token, "POST", "/v1/tenants", {
    spec: testSpec("acme"),
  });
  expect(r.status).toBe(202);
  const state = page.locator('tr[data-tenant="acme"] td.state');
  await state.filter({ hasText: "provisioning" }).waitFor({ timeout: 60_000 });
  await state.filter({ hasText: "active" }).waitFor({ timeout: 120_000 });
  await page.screenshot({ path: path.join(h.dir, "console.png") });

  // Drift from the console: the operation page follows it over SSE to its end.
  await page.locator('tr[data-tenant="acme"] button[data-action="drift"]').click();
  await page.locator("#operation").waitFor();
  await page.locator("#op-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 120_000 });
  const lines = await page.locator("#op-progress li").allTextContents();
  expect(lines[0]).toBe("status: running");
  expect(lines[lines.length - 1]).toBe("status: succeeded");
  expect(await page.locator("#op-kind").textContent()).toBe("drift");
}, 300_000);
