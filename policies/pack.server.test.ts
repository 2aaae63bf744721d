/**
 * The pack as the engine talks to it: policies/index.ts builds the real PolicyPack, whose
 * @pulumi/policy server listens on a local gRPC port, and this test is the engine's side of the
 * calls (ConfigureStack with the stack's config, Configure with the pack config, Analyze per
 * resource). It proves what the harness can only assume: the stack config reaches the policies
 * through ConfigureStack (a tenant's tier), and the pack config's `selection` through Configure,
 * both kept by the hook in lib/stack-config.ts.
 */
import * as grpc from "@grpc/grpc-js";
import type { RecordedResource } from "../offline/recorder";
import { analyzeRequest } from "./testing/analyzer";
import { patch, tenantFixture } from "./testing/fixtures";

/* eslint-disable @typescript-eslint/no-require-imports */
const fromPolicy = { paths: [require("path").dirname(require.resolve("@pulumi/policy"))] };
const policyGrpc = require(require.resolve("@grpc/grpc-js", fromPolicy)) as typeof grpc;
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerrpc = require(require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb", fromPolicy));
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

let client: any;
const servers: grpc.Server[] = [];

beforeAll(async () => {
  // Keep the server so it can be shut down, and read the port the server prints for the engine.
  const addService = policyGrpc.Server.prototype.addService;
  jest.spyOn(policyGrpc.Server.prototype, "addService").mockImplementation(function (
    this: grpc.Server,
    ...a
  ) {
    servers.push(this);
    return addService.apply(this, a as Parameters<typeof addService>);
  });
  const port = new Promise<string>((resolve) => {
    jest.spyOn(console, "log").mockImplementation((line: unknown) => resolve(String(line)));
  });
  // The pack itself, as the engine loads it (one per process: this test file has its own registry).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("./index");
  client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${await port}`, policyGrpc.credentials.createInsecure());
}, 60000);

afterAll(() => {
  client?.close();
  expect(servers).toHaveLength(1);
  servers.forEach((s) => s.forceShutdown());
  jest.restoreAllMocks();
});

const rpc = (method: string, request: unknown): Promise<any> =>
  new Promise((resolve, reject) =>
    client[method](request, (e: any, r: any) =>
      e
        ? reject(
            Object.assign(e, {
              message: `${e.message} ${e.details} ${JSON.stringify(e.metadata?.getMap?.())}`,
            }),
          )
        : resolve(r),
    ),
  );

async function configureStack(config: Record<string, string>): Promise<void> {
  const req = new analyzerproto.AnalyzerStackConfigureRequest();
  req.setStack("trialco-production");
  req.setProject("tenant");
  Object.entries(config).forEach(([k, v]) => req.getConfigMap().set(k, v));
  await rpc("configureStack", req);
}

async function configure(packConfig: Record<string, object>): Promise<void> {
  const req = new analyzerproto.ConfigureAnalyzerRequest();
  for (const [name, props] of Object.entries(packConfig)) {
    const c = new analyzerproto.PolicyConfig();
    c.setEnforcementlevel(0);
    c.setProperties(Struct.fromJavaScript(props));
    req.getPolicyconfigMap().set(name, c);
  }
  await rpc("configure", req);
}

/** A trial database tagged Tier=enterprise with an enterprise instance class. */
function oversizedTrialDb() {
  const s = tenantFixture("trial", "production");
  patch(s, "aws:rds/instance:Instance", "db", {
    instanceClass: "db.m7g.large",
    tags: { Tier: "enterprise" },
  });
  const recording = s.recording();
  const db = recording.resources.find((r) => r.type === "aws:rds/instance:Instance") as RecordedResource;
  return { recording, db, spec: recording.config?.["tenant:spec"] as string };
}

async function analyze(): Promise<string[]> {
  const { recording, db } = oversizedTrialDb();
  const resp = await rpc("analyze", analyzeRequest(recording, db));
  return resp.getDiagnosticsList().map((d: any) => `${d.getPolicyname()}: ${d.getMessage()}`);
}

describe("the pack's server, driven as the engine drives it", () => {
  it("reads the tenant's tier from the stack config the engine sends (ConfigureStack), not from the Tier tag", async () => {
    const { spec } = oversizedTrialDb();
    await configureStack({ "tenant:spec": spec, "tenant:secrets": '{"API_TOKEN":"x"}' });
    const found = await analyze();
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^platform-rds-size: RDS instance "db" \(trial tier\): instanceClass "db.m7g.large" is not allowed/,
        ),
        expect.stringMatching(
          /^platform-tagging-tenant-tags: .*Tier tag "enterprise" disagrees with the stack's tier "trial"/,
        ),
      ]),
    );
  });

  it("says the tier is unknown when the stack has no tenant:spec", async () => {
    await configureStack({});
    expect(await analyze()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^platform-rds-size: .*cannot check tier limits: the stack has no tenant:spec config/,
        ),
      ]),
    );
  });

  it("applies the pack config's selection (Configure): unselected policies do not report", async () => {
    const { spec } = oversizedTrialDb();
    await configureStack({ "tenant:spec": spec });
    await configure({ selection: { controls: ["cis"] } });
    const found = await analyze();
    expect(
      found.filter((f) => f.startsWith("platform-rds-size") || f.startsWith("platform-tagging")),
    ).toEqual([]);
    await configure({ selection: { controls: "nist" } });
    await expect(analyze()).rejects.toThrow(/selection\.controls: "nist" is not allowed; use fsbp or cis/);
    await configure({});
    expect((await analyze()).some((f) => f.startsWith("platform-rds-size"))).toBe(true);
  });
});
