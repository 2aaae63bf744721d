/**
 * An inline program runs in our process, not under Pulumi's Node language host, so what the
 * language host does for a program's process we must do for ours.
 *
 * When an operation is cancelled, refused by a policy, or its CLI dies, the engine shuts its
 * resource monitor down while the program may still be registering resources or sending their
 * outputs. @pulumi/pulumi then rejects those calls with gRPC UNAVAILABLE or CANCELLED, and
 * `runAsyncResourceOp` (runtime/resource.js) re-raises each one on purpose as an unhandled
 * rejection, after the operation has already ended. The language host's handler
 * (cmd/run/run.js) logs it and lets the process finish; with no handler, Node ends the process,
 * which for the control plane is every other tenant's running operation too.
 *
 * {@link guardLateRpcRejections} installs one process handler that ignores exactly those rejections
 * and keeps Node's default for every other one: it is raised as an uncaught exception, unless
 * another `unhandledRejection` handler in the process takes it.
 */

/** gRPC status codes @pulumi/pulumi treats as "the monitor is going away" (errors.isGrpcError). */
const GRPC_CANCELLED = 1;
const GRPC_UNAVAILABLE = 14;

/** What @pulumi/pulumi renames such an error to in registerResourceOutputs. */
const TERMINATING = "Resource monitor is terminating";

/**
 * True for the rejection a program's late call to a shut-down engine leaves: a gRPC client error
 * (it has numeric `code` and `metadata`) with status UNAVAILABLE or CANCELLED.
 */
export function isLateRpcRejection(reason: unknown): boolean {
  if (typeof reason !== "object" || reason === null) return false;
  const { code, metadata, message } = reason as { code?: unknown; metadata?: unknown; message?: unknown };
  if (code !== GRPC_UNAVAILABLE && code !== GRPC_CANCELLED) return false;
  return (typeof metadata === "object" && metadata !== null) || message === TERMINATING;
}

type Log = (line: string) => void;

let installed: { handler: (reason: unknown) => void; logs: Set<Log> } | undefined;

/**
 * Installs the process-wide handler once (later calls add their log). `log` hears about each
 * ignored rejection in one line; the error's stack is not logged (it names no secret, but it is
 * noise an operator cannot act on).
 */
export function guardLateRpcRejections(log?: Log): void {
  if (!installed) {
    const logs = new Set<Log>();
    const handler = (reason: unknown) => {
      if (isLateRpcRejection(reason)) {
        const first = String((reason as Error).message ?? reason).split("\n")[0];
        for (const l of logs)
          l(`an interrupted program's late call to the engine failed (ignored): ${first}`);
        return;
      }
      // Node's default (--unhandled-rejections=throw) once no other handler is there to take it.
      if (process.listenerCount("unhandledRejection") === 1) {
        throw reason;
      }
    };
    installed = { handler, logs };
    process.on("unhandledRejection", handler);
  }
  if (log) installed.logs.add(log);
}
