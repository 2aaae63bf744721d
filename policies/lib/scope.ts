/**
 * A value in force while an async function runs (AsyncLocalStorage), switched off again when the
 * last such function settles.
 *
 * Why: on Node 20 an AsyncLocalStorage, once run, installs promise hooks that stay on for the rest of
 * the process, so every promise anyone creates afterwards pays for them. In an offline check's worker
 * (offline/batch/) that was a quarter of every later recording's CPU (Pulumi's runtime makes
 * thousands of promises per stack), although the values are only read while the harness evaluates a
 * stack. A scope with nothing in force is disabled, which removes the hooks until the next run.
 */
import { AsyncLocalStorage } from "async_hooks";

export class Scope<T> {
  private readonly storage = new AsyncLocalStorage<T>();
  private active = 0;

  /** The value in force, or undefined outside {@link run}. */
  get(): T | undefined {
    return this.storage.getStore();
  }

  /** Runs `fn` with `value` in force. */
  async run<R>(value: T, fn: () => Promise<R>): Promise<R> {
    this.active++;
    try {
      return await this.storage.run(value, fn);
    } finally {
      this.active--;
      if (this.active === 0) {
        this.storage.disable();
      }
    }
  }
}
