import type { Context, MiddlewareHandler } from "hono";
import { type AppEnv, depsOf, type Principal } from "../lib/context";
import { ApiError } from "../lib/errors";
import { verifyAccessToken } from "../lib/jwt";
import { enforceRateLimit } from "../lib/rate-limit";
import { API_KEY_PREFIX, authenticateApiKey } from "../services/api-keys";
import { findUser } from "../services/users";

export interface AuthOptions {
  /** Only admins pass (403 for others). */
  role?: "admin";
  /** Refuse API keys: for routes only a person at a screen may call (managing keys, deleting the account). */
  humansOnly?: boolean;
}

const challenge = { "WWW-Authenticate": 'Bearer realm="ytempire-api"' };

/**
 * Authenticates `Authorization: Bearer <JWT or API key>` or `X-API-Key`, sets `principal`, then applies
 * the per-principal rate limit and the role check. Never logs or echoes the credential.
 *
 * @example route({ middleware: [requireAuth({ role: "admin" })], ... })
 */
export function requireAuth(options: AuthOptions = {}): MiddlewareHandler<AppEnv> {
  return async function requireAuthMiddleware(c, next) {
    const principal = await authenticate(c);
    if (!principal) {
      throw new ApiError("unauthenticated", "Send a valid access token or API key in the Authorization header.", {
        headers: challenge,
      });
    }
    c.set("principal", principal);
    await enforceRateLimit(c.env.RATE_LIMITER, `principal:${principal.userId}`);
    if (options.humansOnly && principal.via === "api_key") {
      throw new ApiError("forbidden", "API keys cannot call this route; use a user session.");
    }
    if (options.role === "admin" && principal.role !== "admin") {
      throw new ApiError("forbidden", "This route is for administrators.");
    }
    await next();
  };
}

async function authenticate(c: Context<AppEnv>): Promise<Principal | null> {
  const apiKey = c.req.header("x-api-key")?.trim();
  // X-API-Key carries API keys only; Authorization carries either.
  if (apiKey) return apiKey.startsWith(API_KEY_PREFIX) ? principalFromToken(c, apiKey) : null;
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ? principalFromToken(c, bearer) : null;
}

/**
 * A principal from a presented access token or API key (also used where the token is not in a
 * header). The user is read on every request: a deleted account stops authenticating at once, and
 * the role is the current one, not the one in a token issued minutes ago.
 */
export async function principalFromToken(c: Context<AppEnv>, bearer: string): Promise<Principal | null> {
  const deps = depsOf(c);
  if (bearer.startsWith(API_KEY_PREFIX)) {
    return authenticateApiKey(deps, bearer, (p) => c.executionCtx.waitUntil(p));
  }
  const { config } = c.var;
  const claims = await verifyAccessToken(
    { secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
    bearer,
  );
  if (!claims) return null;
  const user = await findUser(deps, claims.sub);
  return user ? { userId: user.id, role: user.role, via: "jwt", user } : null;
}

/** The authenticated principal; only valid behind requireAuth. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get("principal");
  if (!principal) throw new Error("principalOf used on a route without requireAuth");
  return principal;
}
