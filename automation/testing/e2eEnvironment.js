/**
 * The e2e tests' Jest environment: Node's, plus what Pulumi's Node language host does for a
 * program's process (automation/engine/lateRpc.ts). An inline program runs in the test process; when
 * the engine stops (a refused or cancelled update) while the program still calls it, @pulumi/pulumi
 * leaves the gRPC UNAVAILABLE/CANCELLED rejection unhandled on purpose, and Jest pins it on whichever
 * test runs then. The service ignores exactly those rejections; so do the tests. Every other
 * unhandled rejection still fails the test as Jest reports it.
 *
 * Jest installs its own handler on the real process when a file's run starts (jest-circus
 * injectGlobalErrorHandlers) and puts the previous ones back when it ends; this environment wraps
 * Jest's handler in between, from outside the sandbox (a test's `process` is a copy that Node never
 * emits on).
 */
"use strict";
const { TestEnvironment } = require("jest-environment-node");

// Plain JS here (environments are not transformed): the same test as lateRpc.ts isLateRpcRejection.
function isLateRpcRejection(reason) {
  if (typeof reason !== "object" || reason === null) return false;
  const { code, metadata, message } = reason;
  if (code !== 1 && code !== 14) return false;
  return (typeof metadata === "object" && metadata !== null) || message === "Resource monitor is terminating";
}

class E2eEnvironment extends TestEnvironment {
  handleTestEvent(event) {
    if (event.name === "run_start") {
      this.wrapped = process.listeners("unhandledRejection").map((listener) => {
        const wrapper = (reason, promise) => {
          if (isLateRpcRejection(reason)) return;
          listener(reason, promise);
        };
        process.off("unhandledRejection", listener);
        process.on("unhandledRejection", wrapper);
        return { listener, wrapper };
      });
    } else if (event.name === "run_finish" && this.wrapped) {
      for (const { wrapper } of this.wrapped) process.off("unhandledRejection", wrapper);
      this.wrapped = undefined;
    }
  }
}

module.exports = E2eEnvironment;
