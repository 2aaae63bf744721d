/**
 * Bounded-concurrency task runner with retries: the engine of the fleet operations. At most
 * `concurrency` tasks run at once; a task failing with a retryable error (a concurrent update on
 * the same stack) is retried with exponential backoff and jitter; any other failure is recorded
 * for that item and the others carry on.
 */

/** How retries back off. */
export interface RetryPolicy {
  /**
   * Attempts in all, the first included.
   * @default 4
   */
  readonly maxAttempts: number;
  /**
   * Delay before the first retry; doubles each time.
   * @default 2000 ms
   */
  readonly baseDelayMs: number;
  /**
   * Upper bound of any one delay.
   * @default 30000 ms
   */
  readonly maxDelayMs: number;
}

/** The default retry policy: about 2, 4, 8 s (with jitter) before giving up. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 2000,
  maxDelayMs: 30000,
});

/**
 * The delay before retry number `retry` (1 for the first retry): exponential, capped, with "equal
 * jitter" (half fixed, half random) so that tenants that collided once do not collide again in step.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Options of {@link runBounded}. */
export interface SchedulerOptions<T> {
  /** Tasks in flight at most; at least 1. */
  readonly concurrency: number;
  readonly retry?: RetryPolicy;
  /** Which errors are worth another attempt. */
  readonly isRetryable: (error: unknown) => boolean;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** Called before each retry (progress, logs). */
  readonly onRetry?: (item: T, attempt: number, delayMs: number, error: unknown) => void;
  /** Called when an item starts and ends (progress). */
  readonly onStart?: (item: T) => void;
}

/** The outcome of one item. */
export type TaskOutcome<T, R> =
  | {
      readonly item: T;
      readonly ok: true;
      readonly value: R;
      readonly attempts: number;
      readonly durationMs: number;
    }
  | {
      readonly item: T;
      readonly ok: false;
      readonly error: unknown;
      readonly attempts: number;
      readonly durationMs: number;
    };

/**
 * Runs `task` for every item, at most `concurrency` at once, retrying retryable failures.
 * Never rejects: every item gets an outcome, in the input order.
 */
export async function runBounded<T, R>(
  items: readonly T[],
  task: (item: T, attempt: number) => Promise<R>,
  opts: SchedulerOptions<T>,
): Promise<TaskOutcome<T, R>[]> {
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new RangeError(
      `concurrency: ${JSON.stringify(opts.concurrency)} is not a whole number of at least 1`,
    );
  }
  const retry = opts.retry ?? DEFAULT_RETRY;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = opts.random ?? Math.random;
  const outcomes = new Array<TaskOutcome<T, R>>(items.length);
  let next = 0;

  const runOne = async (item: T): Promise<TaskOutcome<T, R>> => {
    const started = Date.now();
    opts.onStart?.(item);
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await task(item, attempt);
        return { item, ok: true, value, attempts: attempt, durationMs: Date.now() - started };
      } catch (error) {
        if (attempt >= retry.maxAttempts || !opts.isRetryable(error)) {
          return { item, ok: false, error, attempts: attempt, durationMs: Date.now() - started };
        }
        const delay = backoffDelay(attempt, retry, random);
        opts.onRetry?.(item, attempt, delay, error);
        await sleep(delay);
      }
    }
  };

  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      outcomes[i] = await runOne(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, Math.max(items.length, 1)) }, worker));
  return outcomes;
}
