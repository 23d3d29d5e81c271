import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/errors";

const limiters = new Map<number, MiddlewareHandler>();

/** Refuses bodies over MAX_BODY_BYTES with 413, counting streamed bytes, not trusting Content-Length. */
export function bodySizeLimit(): MiddlewareHandler<AppEnv> {
  return async function bodySizeLimitMiddleware(c, next) {
    const maxSize = c.get("config").MAX_BODY_BYTES;
    let limiter = limiters.get(maxSize);
    if (!limiter) {
      limiter = bodyLimit({
        maxSize,
        onError: () => {
          throw new ApiError("payload_too_large", `The request body is larger than ${maxSize} bytes.`);
        },
      });
      limiters.set(maxSize, limiter);
    }
    return limiter(c, next);
  };
}
