import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";
import { clientIp, enforceRateLimit } from "../lib/rate-limit";

/** Per-client-IP limit on every request (IP_RATE_LIMITER); per-user limits apply after authentication. */
export function ipRateLimit(): MiddlewareHandler<AppEnv> {
  return async function ipRateLimitMiddleware(c, next) {
    if (c.req.method !== "OPTIONS") await enforceRateLimit(c.env.IP_RATE_LIMITER, `ip:${clientIp(c.req.raw.headers)}`);
    await next();
  };
}
