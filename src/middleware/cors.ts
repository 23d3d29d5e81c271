import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../lib/context";

/** CORS for the browser frontends in the configured allow-list (CORS_ORIGINS); others get no CORS headers. */
export function corsFromConfig(): MiddlewareHandler<AppEnv> {
  const handler = cors({
    origin: (origin, c) => ((c.get("config")?.CORS_ORIGINS ?? []).includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id", "X-API-Key"],
    exposeHeaders: ["X-Request-Id", "Retry-After", "Location", "Idempotency-Replayed"],
    credentials: true,
    maxAge: 600,
  });
  return handler as MiddlewareHandler<AppEnv>;
}
