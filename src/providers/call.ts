import { type BreakerSettings, defaultBreakerSettings } from "../../durable-objects/circuit-breaker";
import { type Config, type Env, getConfig } from "../env";
import { withDeadline } from "../lib/http";
import type { Logger } from "../lib/logger";
import { defaultRetryPolicy, type RetryPolicy, retry } from "../lib/retry";
import { breakerFor } from "./breaker";
import { type ProviderName, toProviderError } from "./errors";

/**
 * The one place where breaker, retry and timeout are applied to an upstream call, so every provider
 * module behaves the same (ADR 0007). Layering, outermost first:
 *   retry (backoff + jitter, Retry-After, overall deadline)
 *     -> breaker admit (fails fast while open)
 *       -> the attempt, under its own deadline (headers and body)
 *     -> breaker record (only `retry`-class failures count)
 * The SDKs' own retries are off (`maxRetries: 0`), so retries never multiply.
 */

export interface ProviderOptions {
  /** Deadline of one attempt, headers and body; default PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  breaker?: Partial<BreakerSettings>;
  /**
   * Appended to the breaker's object name (`openai:<scope>`). Production leaves it unset: one breaker
   * per provider. Tests give each case its own breaker.
   */
  breakerScope?: string;
  logger?: Logger;
  /** Injectable wait between retries. */
  sleep?: (ms: number) => Promise<void>;
}

export interface ProviderContext {
  env: Env;
  config: Config;
  timeoutMs: number;
  retry: RetryPolicy;
  breaker: BreakerSettings;
  breakerScope?: string;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
}

export function providerContext(env: Env, options: ProviderOptions = {}): ProviderContext {
  const config = getConfig(env);
  return {
    env,
    config,
    timeoutMs: options.timeoutMs ?? config.PROVIDER_TIMEOUT_MS,
    retry: { ...defaultRetryPolicy, ...options.retry },
    breaker: { ...defaultBreakerSettings, ...options.breaker },
    breakerScope: options.breakerScope,
    logger: options.logger,
    sleep: options.sleep,
  };
}

export interface CallOptions {
  /** For logs: `chat.completions`, `videos.insert`... */
  operation: string;
  /**
   * False for calls that must not be repeated blindly (a POST that starts a render, sends an email or
   * spends an authorization code): only answers that prove the request was not processed (429, 503)
   * are retried; a timeout is surfaced for the caller to decide.
   */
  idempotent?: boolean;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

/** Applies breaker + retry + deadline to `attempt`; every failure leaves as a classified ProviderError. */
export async function callProvider<T>(
  ctx: ProviderContext,
  provider: ProviderName,
  options: CallOptions,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const policy = { ...ctx.retry, ...options.retry };
  const name = ctx.breakerScope ? `${provider}:${ctx.breakerScope}` : provider;
  const breaker = breakerFor(ctx.env, provider, name, ctx.breaker, ctx.logger);
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs;
  const idempotent = options.idempotent ?? true;

  return retry(
    async (_attempt, remainingMs) => {
      await breaker.admit();
      try {
        const result = await withDeadline(Math.min(timeoutMs, remainingMs), attempt);
        await breaker.recordSuccess();
        return result;
      } catch (thrown) {
        const error = toProviderError(provider, thrown);
        if (error.disposition === "retry") await breaker.recordFailure();
        else await breaker.recordSuccess();
        throw error;
      }
    },
    policy,
    {
      classify(thrown) {
        const error = toProviderError(provider, thrown);
        // An open breaker is not retried here: the caller fails over or reschedules.
        if (error.disposition !== "retry" || error.code === "circuit_open") return { retry: false };
        if (!idempotent && error.status !== 429 && error.status !== 503) return { retry: false };
        return { retry: true, retryAfterMs: error.retryAfterMs };
      },
      onRetry({ attempt: n, delayMs, error }) {
        const e = toProviderError(provider, error);
        ctx.logger?.warn("provider_retry", {
          provider,
          operation: options.operation,
          attempt: n,
          delay_ms: delayMs,
          code: e.code,
          status: e.status,
        });
      },
      sleep: ctx.sleep,
    },
  );
}
