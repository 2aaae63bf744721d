/**
 * cheapenPromiseStacks: a trace captured by the SDK's `debuggablePromise` skips the installed
 * formatter (source maps under ts-node); every other trace still goes through it, and nothing changes
 * when PULUMI_DEBUG_PROMISE_LEAKS asks for the SDK's leak report (docs/decisions/0008-engine-overhead.md).
 */
import * as path from "path";
import { capturedByDebuggablePromise, cheapenPromiseStacks, plainStack } from "./promiseStacks";

const DEBUGGABLE = path.join("/repo", "node_modules", "@pulumi", "pulumi", "runtime", "debuggable.js");

function site(functionName: string | null, fileName: string): NodeJS.CallSite {
  return {
    getFunctionName: () => functionName,
    getFileName: () => fileName,
    toString: () => `${functionName ?? "<anonymous>"} (${fileName}:1:1)`,
  } as unknown as NodeJS.CallSite;
}

let saved: typeof Error.prepareStackTrace;
beforeEach(() => {
  saved = Error.prepareStackTrace;
});
afterEach(() => {
  Error.prepareStackTrace = saved;
});

test("only a trace whose first frame is the SDK's debuggablePromise counts as its capture", () => {
  expect(capturedByDebuggablePromise([site("debuggablePromise", DEBUGGABLE), site("f", "/a.js")])).toBe(true);
  expect(capturedByDebuggablePromise([site("debuggablePromise", "/repo/mine/debuggable.js")])).toBe(false);
  expect(capturedByDebuggablePromise([site("f", "/a.js"), site("debuggablePromise", DEBUGGABLE)])).toBe(
    false,
  );
  expect(capturedByDebuggablePromise([])).toBe(false);
});

test("the installed formatter sees every trace but the SDK's promise captures", () => {
  const seen: string[] = [];
  Error.prepareStackTrace = (_error, sites) => {
    seen.push(String(sites[0]?.getFunctionName()));
    return "mapped";
  };
  cheapenPromiseStacks({});
  const prepare = Error.prepareStackTrace!;
  const capture = [site("debuggablePromise", DEBUGGABLE), site("register", "/repo/program.js")];
  expect(prepare(new Error(), capture)).toBe(plainStack(new Error(), capture));
  expect(prepare(new Error("boom"), [site("handler", "/repo/program.js")])).toBe("mapped");
  expect(seen).toEqual(["handler"]);
  expect(plainStack(new Error(), capture)).toBe(
    `Error\n    at debuggablePromise (${DEBUGGABLE}:1:1)\n    at register (/repo/program.js:1:1)`,
  );
});

test("installed once, and not at all for the SDK's leak report or without a formatter", () => {
  const formatter: typeof Error.prepareStackTrace = () => "mapped";
  Error.prepareStackTrace = formatter;
  cheapenPromiseStacks({ PULUMI_DEBUG_PROMISE_LEAKS: "1" });
  expect(Error.prepareStackTrace).toBe(formatter);
  cheapenPromiseStacks({});
  const once = Error.prepareStackTrace;
  cheapenPromiseStacks({});
  expect(Error.prepareStackTrace).toBe(once);
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  cheapenPromiseStacks({});
  expect(Error.prepareStackTrace).toBeUndefined();
});
