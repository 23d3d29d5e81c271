import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";

/**
 * Responses are private (tokens, keys, a user's data): nothing may be cached unless a route says
 * otherwise (signed media links do). RFC 6749 §5.1 asks this of token responses in particular.
 */
export function noStoreByDefault(): MiddlewareHandler<AppEnv> {
  return async function noStoreMiddleware(c, next) {
    await next();
    if (!c.res.headers.has("cache-control")) c.res.headers.set("Cache-Control", "no-store");
  };
}
