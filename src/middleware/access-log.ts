import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";

/**
 * One JSON line per request: method, path (never the query string, which may carry secrets),
 * status, duration, request id and user id.
 */
export function accessLog(): MiddlewareHandler<AppEnv> {
  return async function accessLogMiddleware(c, next) {
    const started = Date.now();
    await next();
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Date.now() - started,
      user_id: c.get("principal")?.userId,
    };
    const logger = c.get("logger");
    if (status >= 500) logger.error("request", fields);
    else logger.info("request", fields);
  };
}
