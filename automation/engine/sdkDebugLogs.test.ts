/**
 * quietSdkDebugLogs: the SDK's debug-level messages no longer reach the engine as `Log` RPCs; info,
 * warnings and errors still do, and PLATFORM_SDK_DEBUG_LOGS=1 keeps the SDK's behaviour
 * (docs/decisions/0008-engine-overhead.md, "Third round"). The engine here is a real gRPC server with
 * the engine's service definition, which records what it is sent.
 */
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as log from "@pulumi/pulumi/log";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { quietSdkDebugLogs } from "./sdkDebugLogs";

const SEVERITY = ["debug", "info", "warning", "error"];

let server: grpc.Server;
const received: string[] = [];
const sdkDebug = log.debug;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(engrpc.EngineService, {
    log: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
      received.push(`${SEVERITY[call.request.getSeverity()]}: ${call.request.getMessage()}`);
      callback(null, new Empty());
    },
  } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  settings.resetOptions("project", "stack", -1, `127.0.0.1:${port}`, "", false, "");
});

afterAll(() => {
  (log as { debug: typeof log.debug }).debug = sdkDebug;
  server.forceShutdown();
});

beforeEach(() => {
  received.length = 0;
  (log as { debug: typeof log.debug }).debug = sdkDebug;
});

test("without the filter, the SDK sends its debug messages to the engine (what the filter is for)", async () => {
  await log.debug("Registering resource: t=aws:s3/bucket:Bucket");
  await log.info("hello");
  expect(received).toEqual(["debug: Registering resource: t=aws:s3/bucket:Bucket", "info: hello"]);
});

test("with it, debug messages are dropped and info, warnings and errors still reach the engine, in order", async () => {
  quietSdkDebugLogs({});
  await log.debug("Registering resource: t=aws:s3/bucket:Bucket");
  await log.info("one");
  await log.debug("RegisterResource RPC prepared");
  await log.warn("two");
  await log.error("three");
  expect(received).toEqual(["info: one", "warning: two", "error: three"]);
});

test("installed once; PLATFORM_SDK_DEBUG_LOGS=1 leaves the SDK as it is", async () => {
  quietSdkDebugLogs({ PLATFORM_SDK_DEBUG_LOGS: "1" });
  expect(log.debug).toBe(sdkDebug);
  quietSdkDebugLogs({});
  const quiet = log.debug;
  quietSdkDebugLogs({});
  expect(log.debug).toBe(quiet);
  await log.debug("dropped");
  expect(received).toEqual([]);
});
