/**
 * Retries with capped exponential backoff and full jitter: the wait before retry n is a uniform draw
 * in [0, min(maxDelay, base * 2^n)) ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015,
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Full jitter spreads
 * the retries of many Workers that failed together, so they do not hit a recovering upstream in step.
 *
 * A server's own wait (`Retry-After`, `retry-after-ms`) is a floor on the delay. A Worker does not
 * sleep through long waits: when the wait is over `maxRetryAfterMs`, or would cross the overall
 * deadline, the last error is thrown at once, still carrying `retryAfterMs`, so a queue consumer
 * can reschedule the message with that delay instead of holding an invocation open.
 */

export interface RetryPolicy {
  /** Tries in total, the first one included. 1 = no retry. */
  maxAttempts: number;
  /** Base of the exponential term, in ms. */
  baseDelayMs: number;
  /** Cap of the exponential term, in ms. */
  maxDelayMs: number;
  /** Longest server-requested wait honoured in-process; longer ones end the retries. */
  maxRetryAfterMs: number;
  /** Budget of the whole call (attempts and waits), in ms from the first attempt. */
  deadlineMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 20_000,
  deadlineMs: 120_000,
};

/** What the classifier says about one failure. */
export interface RetryDecision {
  retry: boolean;
  /** The upstream's requested wait, if it sent one. */
  retryAfterMs?: number;
}

export interface RetryHooks {
  /** Whether (and how soon) a failure may be retried. */
  classify(error: unknown): RetryDecision;
  /** Called before each wait; for logs. */
  onRetry?(info: { attempt: number; delayMs: number; error: unknown }): void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** The full-jitter wait before retry number `retryIndex` (0 for the first retry). */
export function fullJitterDelay(retryIndex: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}

/**
 * The wait before the next try, or null when the failure must be thrown now: out of attempts,
 * a server wait over the cap, or a wait that would cross the deadline.
 */
export function nextDelay(
  attempt: number,
  decision: RetryDecision,
  policy: RetryPolicy,
  elapsedMs: number,
  random: () => number = Math.random,
): number | null {
  if (!decision.retry || attempt >= policy.maxAttempts) return null;
  const serverWait = decision.retryAfterMs ?? 0;
  if (serverWait > policy.maxRetryAfterMs) return null;
  const delay = Math.max(fullJitterDelay(attempt - 1, policy, random), serverWait);
  if (elapsedMs + delay >= policy.deadlineMs) return null;
  return delay;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, a failure is not retryable, or the policy says stop; throws
 * the last failure unchanged. The operation receives its attempt number (1-based) and the time left
 * before the deadline, so each attempt can bound its own timeout by it.
 */
export async function retry<T>(
  operation: (attempt: number, remainingMs: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const wait = hooks.sleep ?? sleep;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt, Math.max(1, policy.deadlineMs - (now() - started)));
    } catch (error) {
      const delay = nextDelay(attempt, hooks.classify(error), policy, now() - started, hooks.random);
      if (delay === null) throw error;
      hooks.onRetry?.({ attempt, delayMs: delay, error });
      await wait(delay);
    }
  }
}

/**
 * The wait an upstream asks for, in ms: `retry-after-ms` (OpenAI, milliseconds) first, then
 * `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
