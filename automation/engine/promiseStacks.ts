/**
 * Cheaper stack traces for the Pulumi SDK's promise bookkeeping, in the process that runs inline
 * programs (docs/decisions/0008-engine-overhead.md).
 *
 * The SDK wraps each of its internal promises in `debuggablePromise`
 * (`@pulumi/pulumi/runtime/debuggable.js`), which stores `new Error().stack` on the promise, for its
 * report of leaked promises. Reading `.stack` formats the trace at once through
 * `Error.prepareStackTrace`; under ts-node that is source-map-support's, which maps every frame
 * through the source maps. A tenant `up` makes hundreds of such promises: the mapping was about 40%
 * of the service process's CPU in an operation (0.3-0.4 s).
 *
 * {@link cheapenPromiseStacks} wraps the installed `Error.prepareStackTrace` so that a trace captured
 * by `debuggablePromise` itself is formatted from V8's call sites without source maps, and only when
 * it is read as text: the SDK reads it only to print a leaked promise (`promiseDebugString`, a
 * template literal), so it is kept as {@link lazyStack} until then. Formatting every capture at once
 * was still about 60 ms of CPU per tenant `up` (third round). Every other trace still goes through
 * the installed formatter, untouched. The leak report prints the SDK's traces in full only when
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set, and then nothing is changed: the mapped traces are what one
 * debugs with.
 */
import * as path from "path";

const MARK = Symbol.for("platform.cheapPromiseStacks");

type PrepareStackTrace = (error: Error, sites: NodeJS.CallSite[]) => unknown;

const DEBUGGABLE = `${path.sep}@pulumi${path.sep}pulumi${path.sep}runtime${path.sep}debuggable.js`;

/** Whether the trace was captured by the SDK's `debuggablePromise` (its first frame). */
export function capturedByDebuggablePromise(sites: readonly NodeJS.CallSite[]): boolean {
  const top = sites[0];
  return top?.getFunctionName() === "debuggablePromise" && (top.getFileName() ?? "").endsWith(DEBUGGABLE);
}

/** A trace in V8's own format, from its call sites. */
export function plainStack(error: Error, sites: readonly NodeJS.CallSite[]): string {
  return `${String(error)}${sites.map((site) => `\n    at ${String(site)}`).join("")}`;
}

/**
 * A trace in V8's own format, formatted when first read as a string (`${trace}`, `String(trace)`)
 * and kept from then on.
 */
export function lazyStack(error: Error, sites: readonly NodeJS.CallSite[]): { toString(): string } {
  let text: string | undefined;
  return { toString: () => (text ??= plainStack(error, sites)) };
}

/**
 * Installs the shortcut once per process, over the `Error.prepareStackTrace` installed now. Nothing
 * is done when none is installed (Node's own formatting is already cheap) or when
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set.
 */
export function cheapenPromiseStacks(env: NodeJS.ProcessEnv = process.env): void {
  const installed = Error.prepareStackTrace as (PrepareStackTrace & { [MARK]?: true }) | undefined;
  if (installed === undefined || installed[MARK] || env.PULUMI_DEBUG_PROMISE_LEAKS) {
    return;
  }
  const wrapped: PrepareStackTrace & { [MARK]?: true } = (error, sites) =>
    capturedByDebuggablePromise(sites) ? lazyStack(error, sites) : installed(error, sites);
  wrapped[MARK] = true;
  Error.prepareStackTrace = wrapped;
}
