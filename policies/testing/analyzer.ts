/**
 * Runs policies through @pulumi/policy's own analyzer RPC handlers (server.js `makeAnalyzeRpcFun`,
 * `makeAnalyzeStackRpcFun`) with protobuf requests built from a recording, exactly as the CLI sends
 * them over gRPC, but without a server or a CLI. Tests use it to prove the harness (./harness.ts)
 * gives policies the same arguments and yields the same violations as the engine.
 *
 * Limits: the server's module-level config and stack tags are set only by RPCs it does not export,
 * so this runs with an empty policy config and no stack tags.
 */
import { withStackConfig } from "../lib/stack-config";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { Recording, RecordedResource } from "../../offline/recorder";
import { AnyPolicy, toWire, Violation } from "../engine/harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require("@pulumi/policy/server");

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

function struct(props: Record<string, unknown>): Struct {
  return Struct.fromJavaScript((toWire(props) ?? {}) as Record<string, any>);
}

function options(r: RecordedResource) {
  const o = new analyzerproto.AnalyzerResourceOptions();
  o.setProtect(false);
  if (r.parent) {
    o.setParent(r.parent);
  }
  return o;
}

function provider(recording: Recording, r: RecordedResource) {
  if (!r.provider) {
    return undefined;
  }
  const urn = r.provider.split("::").slice(0, -1).join("::");
  const p = recording.resources.find((x) => x.urn === urn);
  if (!p) {
    return undefined;
  }
  const pr = new analyzerproto.AnalyzerProviderResource();
  pr.setType(p.type);
  pr.setUrn(p.urn);
  pr.setName(p.name);
  pr.setProperties(struct(p.inputs));
  return pr;
}

function call(
  fn: (call: unknown, cb: (err: unknown, resp: any) => void) => unknown,
  request: unknown,
): Promise<any> {
  return new Promise((resolve, reject) => {
    fn({ request }, (err, resp) => (err ? reject(err) : resolve(resp)));
  });
}

function violations(resp: any): Violation[] {
  return resp.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    level: LEVELS[d.getEnforcementlevel()],
    urn: d.getUrn() || undefined,
    message: d.getMessage(),
  }));
}

/** The `AnalyzeRequest` the engine sends for one resource of `recording`. */
export function analyzeRequest(recording: Recording, r: RecordedResource): any {
  const req = new analyzerproto.AnalyzeRequest();
  req.setType(r.type);
  req.setUrn(r.urn);
  req.setName(r.name);
  req.setProperties(struct(r.inputs));
  req.setOptions(options(r));
  const p = provider(recording, r);
  if (p) {
    req.setProvider(p);
  }
  return req;
}

/** Every violation the engine's analyzer handlers report for `recording`. */
export async function analyzeLikeEngine(
  recording: Recording,
  policies: readonly AnyPolicy[],
): Promise<Violation[]> {
  // The engine sends the stack's config in ConfigureStack (lib/stack-config.ts); the server's
  // handler for it is not exported, so the config is given the way the harness gives it.
  return withStackConfig(recording.config ?? {}, () => analyzeAll(recording, policies));
}

async function analyzeAll(recording: Recording, policies: readonly AnyPolicy[]): Promise<Violation[]> {
  const analyze = server.makeAnalyzeRpcFun("platform", "0.1.0", "mandatory", policies);
  const analyzeStack = server.makeAnalyzeStackRpcFun("platform", "0.1.0", "mandatory", policies);
  const found: Violation[] = [];
  for (const r of recording.resources) {
    const req = analyzeRequest(recording, r);
    // Resource policies report against the resource being analyzed.
    found.push(...violations(await call(analyze, req)).map((v) => ({ ...v, urn: v.urn ?? r.urn })));
  }
  const stackReq = new analyzerproto.AnalyzeStackRequest();
  stackReq.setResourcesList(
    recording.resources.map((r) => {
      const res = new analyzerproto.AnalyzerResource();
      res.setType(r.type);
      res.setUrn(r.urn);
      res.setName(r.name);
      res.setProperties(struct(r.state));
      res.setOptions(options(r));
      if (r.parent) {
        res.setParent(r.parent);
      }
      const p = provider(recording, r);
      if (p) {
        res.setProvider(p);
      }
      return res;
    }),
  );
  found.push(...violations(await call(analyzeStack, stackReq)));
  return found;
}
