/**
 * The Pulumi SDK's debug-level messages, kept off the engine's channel in the process that runs
 * inline programs (docs/decisions/0008-engine-overhead.md, "Third round").
 *
 * `@pulumi/pulumi`'s runtime logs about four debug messages for every resource it registers
 * ("Registering resource", "RegisterResource RPC prepared", "RegisterResourceOutputs RPC finished")
 * and sends each one to the engine as a `Log` RPC, one after the other. The CLI writes each into the
 * run's event log as a diagnostic event, and the Automation API reads and parses it back in this
 * process. Nothing shows them: the CLI displays debug diagnostics only with `--debug`, which the
 * engine never passes, and the service keeps only errors and warnings (automation/events.ts). A
 * tenant `up` of 56 resources sent 201 of them (322 events in all, 121 without), for about 0.25 s of
 * CPU across the service, the CLI and the event log: about a sixth of an unchanged update.
 *
 * {@link quietSdkDebugLogs} replaces the SDK log module's `debug` (its runtime calls it as
 * `log.debug(...)`, a property read at each call) with one that drops the message. Info, warnings
 * and errors are untouched. `PLATFORM_SDK_DEBUG_LOGS=1` keeps the SDK's own behaviour, for whoever
 * debugs the SDK with `pulumi up --debug`.
 */
import * as sdkLog from "@pulumi/pulumi/log";

const MARK = Symbol.for("platform.quietSdkDebugLogs");

type Debug = typeof sdkLog.debug & { [MARK]?: true };

/** Installs the filter once per process; nothing is changed with `PLATFORM_SDK_DEBUG_LOGS=1`. */
export function quietSdkDebugLogs(env: NodeJS.ProcessEnv = process.env): void {
  const log = sdkLog as { debug: Debug };
  if (log.debug[MARK] || env.PLATFORM_SDK_DEBUG_LOGS === "1") {
    return;
  }
  const dropped: Debug = () => Promise.resolve();
  dropped[MARK] = true;
  log.debug = dropped;
}
