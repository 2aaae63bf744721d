/**
 * cheapenPromiseStacks: a trace captured by the SDK's `debuggablePromise` skips the installed
 * formatter (source maps under ts-node); every other trace still goes through it, and nothing changes
 * when PULUMI_DEBUG_PROMISE_LEAKS asks for the SDK's leak report (docs/decisions/0008-engine-overhead.md).
 */
import * as path from "path";
import { capturedByDebuggablePromise, cheapenPromiseStacks, lazyStack, plainStack } from "./promiseStacks";

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
  const trace = prepare(new Error(), capture);
  expect(typeof trace).toBe("object");
  expect(`${trace as string}`).toBe(plainStack(new Error(), capture));
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

test("a lazy trace formats its call sites once, when first read as text, as the leak report reads it", () => {
  let reads = 0;
  const counted = site("register", "/repo/program.js");
  const toString = counted.toString;
  counted.toString = () => {
    reads++;
    return toString();
  };
  const trace = lazyStack(new Error(), [site("debuggablePromise", DEBUGGABLE), counted]);
  expect(reads).toBe(0);
  const report = `STACK_TRACE:\n${String(trace)}`;
  expect(report).toBe(
    `STACK_TRACE:\nError\n    at debuggablePromise (${DEBUGGABLE}:1:1)\n    at register (/repo/program.js:1:1)`,
  );
  expect(`${String(trace)}`).toBe(report.slice("STACK_TRACE:\n".length));
  expect(reads).toBe(1);
});

test("the SDK's leak report and a leaked promise's description still work on the lazy trace", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const debuggable = require("@pulumi/pulumi/runtime/debuggable");
  Error.prepareStackTrace = () => "mapped";
  cheapenPromiseStacks({});
  const leaked = new Promise(() => undefined);
  void debuggable.debuggablePromise(leaked, "a promise that never settles");
  const [leaks, message] = debuggable.leakedPromises() as [Set<Promise<unknown>>, string];
  expect([...leaks]).toContain(leaked);
  expect(message).toContain("1 promise was still active");
  // What the SDK prints for each leak (with PULUMI_DEBUG_PROMISE_LEAKS, where nothing is changed).
  const described = debuggable.promiseDebugString(leaked) as string;
  expect(described).toMatch(
    /^CONTEXT\(\d+\): a promise that never settles\nSTACK_TRACE:\nError\n {4}at (Object\.)?debuggablePromise \(.*@pulumi\/pulumi\/runtime\/debuggable\.js:\d+:\d+\)/,
  );
  expect(described).not.toContain("mapped");
});
