import type { MiddlewareHandler } from "hono";
import { createDb } from "../db/client";
import { getConfig } from "../env";
import type { AppEnv } from "../lib/context";
import { createLogger } from "../lib/logger";

/** Builds the per-request services once: parsed config, the db client, a logger bound to the request id. */
export function services(): MiddlewareHandler<AppEnv> {
  return async function servicesMiddleware(c, next) {
    const config = getConfig(c.env);
    c.set("config", config);
    c.set("db", createDb(c.env.DB));
    c.set("logger", createLogger(config.LOG_LEVEL, { request_id: c.get("requestId") }));
    await next();
  };
}
