import Stripe from "stripe";
import { UpstreamNetworkError } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { malformedResponse, ProviderError } from "./errors";

/**
 * Stripe through the official SDK with its fetch client (Workers have no Node http) and the
 * SubtleCrypto provider for webhooks (shared/reference/webhooks.md, https://github.com/stripe/stripe-node).
 */

const clients = new WeakMap<object, Stripe>();

/** One client per parsed config; host, port and protocol come from STRIPE_API_BASE_URL. */
export function stripeClient(ctx: ProviderContext): Stripe {
  let stripe = clients.get(ctx.config);
  if (!stripe) {
    const base = new URL(ctx.config.STRIPE_API_BASE_URL);
    const protocol = base.protocol === "http:" ? "http" : "https";
    stripe = new Stripe(ctx.config.STRIPE_SECRET_KEY, {
      httpClient: Stripe.createFetchHttpClient(),
      host: base.hostname,
      port: base.port || (protocol === "http" ? 80 : 443),
      protocol,
      // callProvider owns retries (one layer, so they never multiply). Stripe's own retry would reuse
      // its auto-generated idempotency key; ours cannot, so every POST made through callStripe must
      // pass an explicit `idempotencyKey` that is stable across retries and queue redeliveries.
      maxNetworkRetries: 0,
      timeout: ctx.timeoutMs,
      telemetry: false,
    });
    clients.set(ctx.config, stripe);
  }
  return stripe;
}

/** Stripe's error types as our dispositions (https://docs.stripe.com/error-handling). */
export function classifyStripe(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const status = error.statusCode;
  const code = error.code ?? error.type;
  const init = { provider: "stripe" as const, code, status, message: error.message, cause: error };
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return new UpstreamNetworkError(error.message, { cause: error });
  }
  // The SDK reports an unparseable 2xx body as a StripeAPIError "Invalid JSON received from the Stripe API".
  if (/invalid json received/i.test(error.message)) {
    return malformedResponse("stripe", status ?? 200, "not JSON");
  }
  if (error instanceof Stripe.errors.StripeRateLimitError || error.type === "StripeAPIError" || (status ?? 0) >= 500) {
    const retryAfter = Number(error.headers?.["retry-after"]);
    return new ProviderError({
      ...init,
      disposition: "retry",
      retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
    });
  }
  // 409 `lock_timeout` / idempotency conflicts in flight: Stripe says retry.
  if (status === 409 && error.type !== "StripeIdempotencyError")
    return new ProviderError({ ...init, disposition: "retry" });
  return new ProviderError({ ...init, disposition: "fail" });
}

/**
 * One Stripe API call under breaker + retry + deadline. The deadline is a race: the fetch client
 * takes no per-request signal, but `timeout` above bounds the request itself.
 *
 * @example
 * const customer = await callStripe(ctx, "customers.create", (stripe) =>
 *   stripe.customers.create({ email }, { idempotencyKey: `customer:${userId}` }));
 */
export function callStripe<T>(
  ctx: ProviderContext,
  operation: string,
  request: (stripe: Stripe) => Promise<T>,
): Promise<T> {
  return callProvider(ctx, "stripe", { operation }, async () => {
    try {
      return await request(stripeClient(ctx));
    } catch (error) {
      throw classifyStripe(error);
    }
  });
}

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/**
 * Verifies a webhook over the exact raw body before anything is parsed and returns the event.
 * `constructEventAsync` with SubtleCrypto: the synchronous variant fails on Workers. Throws
 * Stripe's StripeSignatureVerificationError when the signature or timestamp is wrong.
 */
export function verifyStripeWebhook(
  rawBody: string,
  header: string | null | undefined,
  secret: string,
  toleranceSeconds = 300,
): Promise<Stripe.Event> {
  return Stripe.webhooks.constructEventAsync(rawBody, header ?? "", secret, toleranceSeconds, cryptoProvider);
}
