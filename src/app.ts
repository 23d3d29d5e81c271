import { Scalar } from "@scalar/hono-api-reference";
import { methodNotAllowed } from "hono/method-not-allowed";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./lib/context";
import { createRouter } from "./lib/openapi";
import { accessLog } from "./middleware/access-log";
import { bodySizeLimit } from "./middleware/body-limit";
import { corsFromConfig } from "./middleware/cors";
import { handleError, handleMethodNotAllowed, handleNotFound } from "./middleware/errors";
import { noStoreByDefault } from "./middleware/no-store";
import { ipRateLimit } from "./middleware/rate-limit";
import { requestId } from "./middleware/request-id";
import { services } from "./middleware/services";
import { adminRouter } from "./routes/admin";
import { apiKeysRouter } from "./routes/api-keys";
import { authRouter } from "./routes/auth";
import { channelsRouter } from "./routes/channels";
import { healthRouter } from "./routes/health";
import { mediaRouter } from "./routes/media";
import { realtimeRouter } from "./routes/realtime";
import { usersRouter } from "./routes/users";
import { videosRouter } from "./routes/videos";
import { webhooksRouter } from "./routes/webhooks";

/**
 * Middleware order (each sees what the ones before it set):
 *  1. requestId     X-Request-Id in and out; every later log line and problem carries it
 *  2. services      parsed config, db client, request-scoped logger
 *  3. accessLog     one JSON line per request, after the response is known
 *  4. 405           turns a 404 on a known path into 405 with Allow
 *  5. secureHeaders HSTS, nosniff, frame denial and friends; Cache-Control: no-store by default
 *  6. cors          only for CORS_ORIGINS
 *  7. ipRateLimit   per client IP, before any work
 *  8. bodySizeLimit 413 past MAX_BODY_BYTES
 *  then routes, where requireAuth (per route) authenticates and applies the per-user limit.
 */
export function createApp() {
  const app = createRouter<AppEnv>();

  app.use("*", requestId());
  app.use("*", services());
  app.use("*", accessLog());
  app.use("*", methodNotAllowed({ app, onMethodNotAllowed: handleMethodNotAllowed }));
  app.use("*", secureHeaders());
  app.use("*", noStoreByDefault());
  app.use("*", corsFromConfig());
  app.use("*", ipRateLimit());
  app.use("*", bodySizeLimit());

  app.route("/", healthRouter);
  app.route("/", authRouter);
  app.route("/", usersRouter);
  app.route("/", apiKeysRouter);
  app.route("/", channelsRouter);
  app.route("/", realtimeRouter);
  app.route("/", videosRouter);
  app.route("/", mediaRouter);
  app.route("/", webhooksRouter);
  app.route("/", adminRouter);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Access token from /v1/auth/login or /v1/auth/refresh (15 minutes)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "API key from /v1/api-keys (also accepted as `Authorization: Bearer yte_...`)",
  });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "ytempire API",
      version: "1.0.0",
      description:
        "Edge API of ytempire: topic in, published YouTube video out. Errors are application/problem+json (RFC 9457).",
    },
    servers: [{ url: c.get("config").PUBLIC_BASE_URL }],
  }));
  // The reference UI is a script the browser loads from jsDelivr, pinned to one version; the
  // spec itself (/openapi.json) needs nothing from outside.
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      pageTitle: "ytempire API",
      cdn: "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0",
    }),
  );

  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
