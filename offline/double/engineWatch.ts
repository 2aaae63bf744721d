/**
 * The double's provider plugins outlive a killed engine: Pulumi starts each plugin in its own
 * process group, so kill -9 of the CLI (or of its process group) leaves them running, reparented.
 * A real provider built on Pulumi's Go SDK health-checks its engine and exits when it is gone; the
 * Node provider SDK the double is built on does not. Until a plugin exits, the stack's lock holder
 * looks alive and repair rightly refuses to touch it.
 *
 * {@link exitWhenEngineGone} gives the double the Go SDK's behaviour, as a real provider would
 * have it: once the process that started it (the engine) is gone, the calls in flight finish (a
 * create already sent to the cloud completes, as it would at AWS) and then the plugin exits.
 */
import type * as provider from "@pulumi/pulumi/provider";

export interface EngineWatch {
  /** The current parent pid (Node's `process.ppid` is read live). */
  parentPid(): number;
  /** How often the parent is checked. */
  intervalMs: number;
  /** Ends the plugin. */
  exit(): void;
}

/** `p` with every call counted; the plugin exits once its engine is gone and no call is in flight. */
export function exitWhenEngineGone(p: provider.Provider, watch: EngineWatch): provider.Provider {
  const engine = watch.parentPid();
  let inFlight = 0;
  let orphaned = false;
  const maybeExit = () => {
    if (orphaned && inFlight === 0) {
      clearInterval(timer);
      watch.exit();
    }
  };
  const timer = setInterval(() => {
    if (!orphaned && watch.parentPid() !== engine) {
      orphaned = true;
      maybeExit();
    }
  }, watch.intervalMs);
  timer.unref();

  const counted: Record<string, unknown> = { ...p };
  for (const [name, value] of Object.entries(p)) {
    if (typeof value !== "function") continue;
    counted[name] = async (...args: unknown[]) => {
      inFlight++;
      try {
        return await (value as (...a: unknown[]) => unknown).apply(p, args);
      } finally {
        inFlight--;
        maybeExit();
      }
    };
  }
  return counted as unknown as provider.Provider;
}
