import type { MiddlewareHandler } from "hono";
import { type AppEnv, depsOf } from "../lib/context";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { claimKey, releaseKey, storeResponse } from "../services/idempotency";
import { principalOf } from "./auth";

const KEY_FORMAT = /^[A-Za-z0-9_.:-]{8,255}$/;

/** The same JSON with other key order or spacing is the same request. */
function canonicalBody(raw: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(raw)));
  } catch {
    return raw;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

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
    const hash = await sha256Hex(`${c.req.method} ${c.req.path}\n${canonicalBody(await c.req.text())}`);
    const claim = await claimKey(deps, userId, key, hash);
    if (claim.kind === "replay") {
      return new Response(claim.body, {
        status: claim.status,
        headers: { "content-type": "application/json", "Idempotency-Replayed": "true" },
      });
    }
    // Hono turns a thrown error into c.res before it gets back here, so every outcome is a response.
    // Only a success is kept (as Stripe does): a refused request changed nothing, so the client may
    // fix it (a typo, a channel not connected yet) and send it again under the same key.
    await next();
    if (c.res.status >= 200 && c.res.status < 300) {
      await storeResponse(deps, userId, key, c.res.status, await c.res.clone().text());
    } else await releaseKey(deps, userId, key);
  };
}
