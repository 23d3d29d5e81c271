import { ApiError } from "./errors";

/**
 * Consumes one unit of `limiter` for `key`; over the limit is a 429 with Retry-After. The binding is
 * a fixed window and does not say when it opens again, so Retry-After is the window length.
 */
export async function enforceRateLimit(limiter: RateLimit, key: string, windowSeconds = 60): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new ApiError("rate_limited", `Too many requests. Retry in ${windowSeconds} seconds.`, {
      headers: { "Retry-After": String(windowSeconds) },
    });
  }
}

/** The caller's IP as Cloudflare's edge saw it (clients cannot set this header through the edge). */
export function clientIp(headers: Headers): string {
  return headers.get("cf-connecting-ip") ?? "unknown";
}
