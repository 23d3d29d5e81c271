import { ApiError } from "../lib/errors";
import { UpstreamNetworkError, UpstreamTimeoutError } from "../lib/http";
import { parseRetryAfter } from "../lib/retry";

/**
 * One error for every upstream, classified by what the caller should do next (ADR 0007):
 * - `retry`: transient (rate limit, 5xx, timeout, network, malformed answer). Retried with backoff
 *   by callProvider, counted by the circuit breaker; when retries run out, a chain fails over.
 * - `failover`: this provider cannot serve this request now, but another might (out of credits or
 *   quota, content filtered, a model's unusable output). Never retried on the same provider, never
 *   counted by the breaker (the upstream is up).
 * - `fail`: our own request is wrong (400, bad key, unknown voice) or the situation needs a human or a
 *   later decision (invalid_grant, uploadLimitExceeded). Retrying or failing over would not help.
 */

export const providerNames = [
  "openai",
  "elevenlabs",
  "stability",
  "google_oauth",
  "youtube",
  "youtube_analytics",
  "stripe",
  "sendgrid",
  "n8n",
] as const;

export type ProviderName = (typeof providerNames)[number];

export type Disposition = "retry" | "failover" | "fail";

export interface ProviderErrorInit {
  provider: ProviderName;
  disposition: Disposition;
  /** The upstream's own code or reason when it sent one (`insufficient_quota`, `quotaExceeded`), else ours. */
  code: string;
  message: string;
  status?: number;
  retryAfterMs?: number;
  /** What the failed call was billed anyway (a truncated or filtered completion), in µ$. */
  costMicros?: number;
  cause?: unknown;
}

export class ProviderError extends Error {
  override name = "ProviderError";
  readonly provider: ProviderName;
  readonly disposition: Disposition;
  readonly code: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly costMicros: number | undefined;

  constructor(init: ProviderErrorInit) {
    super(redactSecrets(`${init.provider}: ${init.message}`).slice(0, 500), { cause: init.cause });
    this.provider = init.provider;
    this.disposition = init.disposition;
    this.code = init.code;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.costMicros = init.costMicros;
  }

  /** As an API problem, for a route that surfaces it: 503 when it may pass, 502 otherwise. */
  toApiError(): ApiError {
    const code = this.disposition === "fail" ? "upstream_error" : "provider_unavailable";
    const headers =
      this.retryAfterMs !== undefined ? { "Retry-After": String(Math.ceil(this.retryAfterMs / 1000)) } : undefined;
    return new ApiError(code, `The ${this.provider} service could not complete the request (${this.code}).`, {
      headers,
      cause: this,
    });
  }
}

/**
 * Masks what looks like a credential in an upstream's message before it reaches a log or an error:
 * OpenAI/Stability `sk-...`, Stripe `sk_/rk_/whsec_`, SendGrid `SG.`, Google `ya29.` access and
 * `1//` refresh tokens, bearer values.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(sk|rk|pk)[-_](live_|test_|proj-)?[A-Za-z0-9_-]{4,}/g, "$1-***")
    .replace(/\bwhsec_[A-Za-z0-9]+/g, "whsec_***")
    .replace(/\bSG\.[A-Za-z0-9_.-]+/g, "SG.***")
    .replace(/\bya29\.[A-Za-z0-9_.-]+/g, "ya29.***")
    .replace(/\b1\/\/[A-Za-z0-9_-]+/g, "1//***")
    .replace(/(bearer\s+)[A-Za-z0-9._~+/-]+=*/gi, "$1***");
}

/** An upstream answer reduced to what classification needs. */
export interface UpstreamAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
}

/** Parses a body as JSON without throwing; undefined when it is not JSON. */
export function parseJsonSafely(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** The default for statuses an upstream's own codes do not cover. */
function byStatus(status: number): Disposition {
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return "retry";
  return "fail";
}

function make(
  provider: ProviderName,
  answer: UpstreamAnswer,
  disposition: Disposition,
  code: string,
  message?: string,
) {
  const retryAfterMs = disposition === "retry" ? parseRetryAfter(answer.headers) : undefined;
  return new ProviderError({
    provider,
    disposition,
    code,
    status: answer.status,
    retryAfterMs,
    message: `HTTP ${answer.status} ${code}${message ? `: ${message}` : ""}`,
  });
}

/**
 * OpenAI: `{"error": {"message", "type", "param", "code"}}`
 * (https://platform.openai.com/docs/guides/error-codes). Two kinds of 429: `rate_limit_exceeded`
 * (back off) and `insufficient_quota` (billing: never retry).
 */
export function classifyOpenAI(answer: UpstreamAnswer): ProviderError {
  const error = record(record(answer.body)?.error);
  const code = str(error?.code) ?? str(error?.type);
  const message = str(error?.message);
  if (code === "insufficient_quota" || code === "billing_hard_limit_reached") {
    return make("openai", answer, "failover", code, message);
  }
  if (code?.includes("content_policy") || code === "content_filter" || code === "moderation_blocked") {
    return make("openai", answer, "failover", code, message);
  }
  // A retired or unavailable model: the next model of the chain may still serve.
  if (code === "model_not_found") return make("openai", answer, "failover", code, message);
  if (answer.status === 429) return make("openai", answer, "retry", code ?? "rate_limit_exceeded", message);
  if (answer.status === 401) return make("openai", answer, "fail", code ?? "invalid_api_key", message);
  return make("openai", answer, byStatus(answer.status), code ?? `http_${answer.status}`, message);
}

/**
 * ElevenLabs: `{"detail": {"status", "message"}}` (422 validation carries an array instead).
 * `too_many_concurrent_requests` is retried briefly; if the plan's concurrency stays exhausted the
 * retries run out and the chain fails over, which is what "exhausted for long" means here.
 */
export function classifyElevenLabs(answer: UpstreamAnswer): ProviderError {
  const detail = record(answer.body)?.detail;
  const code = str(record(detail)?.status) ?? str(record(detail)?.code);
  const message = str(record(detail)?.message) ?? str(detail);
  switch (code) {
    case "quota_exceeded":
    case "payment_required":
    case "model_not_found":
      return make("elevenlabs", answer, "failover", code, message);
    case "too_many_concurrent_requests":
    case "system_busy":
      return make("elevenlabs", answer, "retry", code, message);
    case "invalid_api_key":
    case "voice_not_found":
    case "max_character_limit_exceeded":
      return make("elevenlabs", answer, "fail", code, message);
  }
  return make("elevenlabs", answer, byStatus(answer.status), code ?? `http_${answer.status}`, message);
}

/**
 * Stability: `{"id", "name", "errors": [...]}`. 402 = out of credits, 403 `content_moderation` = the
 * prompt was flagged: both fail over. A filtered 200 (`finish-reason: CONTENT_FILTERED`) is handled
 * where the image is read.
 */
export function classifyStability(answer: UpstreamAnswer): ProviderError {
  const body = record(answer.body);
  const name = str(body?.name);
  const errors = Array.isArray(body?.errors) ? body.errors.filter((e): e is string => typeof e === "string") : [];
  const message = errors.join("; ") || str(body?.message);
  if (answer.status === 402) return make("stability", answer, "failover", name ?? "payment_required", message);
  if (name === "content_moderation" || (answer.status === 403 && /moderat|filter/i.test(message ?? ""))) {
    return make("stability", answer, "failover", "content_filtered", message);
  }
  return make("stability", answer, byStatus(answer.status), name ?? `http_${answer.status}`, message);
}

/** YouTube reasons that mean "this account's daily quota is spent": another account, or wait. */
const quotaReasons = new Set(["quotaExceeded", "dailyLimitExceeded"]);
const rateReasons = new Set(["rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"]);

/**
 * YouTube Data and Analytics: `{"error": {"code", "message", "errors": [{"domain", "reason"}]}}`
 * (https://developers.google.com/youtube/v3/docs/errors). The reason is the code, so callers branch
 * on it: quota -> failover (another account, or wait for Pacific midnight); `uploadLimitExceeded`
 * -> fail (that channel waits 24 h, nothing else helps); `authError` -> fail (the caller refreshes the
 * token once and calls again); `forbidden` -> fail.
 */
export function classifyGoogleApi(provider: "youtube" | "youtube_analytics", answer: UpstreamAnswer): ProviderError {
  const error = record(record(answer.body)?.error);
  const first = Array.isArray(error?.errors) ? record(error.errors[0]) : undefined;
  const reason = str(first?.reason) ?? str(error?.status);
  const message = str(error?.message);
  if (reason && quotaReasons.has(reason)) return make(provider, answer, "failover", reason, message);
  if (reason && rateReasons.has(reason)) return make(provider, answer, "retry", reason, message);
  if (answer.status === 401) return make(provider, answer, "fail", reason ?? "authError", message);
  return make(provider, answer, byStatus(answer.status), reason ?? `http_${answer.status}`, message);
}

/**
 * Google's OAuth endpoints: `{"error": "invalid_grant", "error_description"}` (RFC 6749 §5.2).
 * `invalid_grant` means the owner must connect again; retrying never helps.
 */
export function classifyGoogleOAuth(answer: UpstreamAnswer): ProviderError {
  const body = record(answer.body);
  const code = str(body?.error) ?? str(record(body?.error)?.status);
  const message = str(body?.error_description);
  if (code && answer.status < 500 && answer.status !== 429) return make("google_oauth", answer, "fail", code, message);
  return make("google_oauth", answer, byStatus(answer.status), code ?? `http_${answer.status}`, message);
}

/** SendGrid (`{"errors": [{"message", "field"}]}`) and N8N: statuses only. */
export function classifyByStatus(provider: ProviderName, answer: UpstreamAnswer): ProviderError {
  const body = record(answer.body);
  const first = Array.isArray(body?.errors) ? record(body.errors[0]) : undefined;
  const message = str(first?.message) ?? str(body?.message);
  return make(provider, answer, byStatus(answer.status), `http_${answer.status}`, message);
}

/** A success status whose body is not what the upstream documents: treated as transient. */
export function malformedResponse(provider: ProviderName, status: number, what: string): ProviderError {
  return new ProviderError({
    provider,
    disposition: "retry",
    code: "malformed_response",
    status,
    message: `unexpected response body: ${what}`,
  });
}

/** Any thrown value as a ProviderError: transport failures are transient, anything unknown is ours. */
export function toProviderError(provider: ProviderName, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof UpstreamTimeoutError) {
    return new ProviderError({ provider, disposition: "retry", code: "timeout", message: error.message, cause: error });
  }
  if (error instanceof UpstreamNetworkError) {
    return new ProviderError({
      provider,
      disposition: "retry",
      code: "network_error",
      message: error.message,
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return new ProviderError({
      provider,
      disposition: "retry",
      code: "malformed_response",
      message: `unreadable response body: ${error.message}`,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError({ provider, disposition: "fail", code: "client_error", message, cause: error });
}
