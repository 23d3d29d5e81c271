import type { MiddlewareHandler } from "hono";
import { type AppEnv, depsOf } from "../lib/context";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { claimKey, releaseKey, storeResponse } from "../services/idempotency";
import { principalOf } from "./auth";

const KEY_FORMAT = /^[A-Za-z0-9_.:-]{8,255}$/;

/**
 * `Idempotency-Key` on creating calls (after requireAuth). A retry with the same key and the same
 * request gets the first response again (with `Idempotency-Replayed: true`); the same key with a
 * different body is a 422. Without the header the call runs normally.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async function idempotencyMiddleware(c, next) {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY_FORMAT.test(key)) {
      throw new ApiError("validation_failed", "Idempotency-Key must be 8-255 characters of [A-Za-z0-9_.:-].", {
        errors: [{ path: "header.idempotency-key", message: "Invalid format" }],
      });
    }
    const deps = depsOf(c);
    const userId = principalOf(c).userId;
    const hash = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const claim = await claimKey(deps, userId, key, hash);
    if (claim.kind === "replay") {
      return new Response(claim.body, {
        status: claim.status,
        headers: {
          "content-type": claim.status >= 400 ? "application/problem+json" : "application/json",
          "Idempotency-Replayed": "true",
        },
      });
    }
    // Hono turns a thrown error into c.res before it gets back here, so every outcome is a response:
    // a 4xx is the answer to this request and is kept; a 5xx releases the key for the client's retry.
    await next();
    if (c.res.status >= 500) await releaseKey(deps, userId, key);
    else await storeResponse(deps, userId, key, c.res.status, await c.res.clone().text());
  };
}
