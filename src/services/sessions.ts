import { and, eq, isNull } from "drizzle-orm";
import { refreshTokens, users } from "../db/schema";
import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { signAccessToken } from "../lib/jwt";
import type { ServiceDeps } from "./deps";

/**
 * Sessions: a short-lived JWT access token plus an opaque refresh token stored hashed. Each refresh
 * spends the presented token and issues the next one of the same family; presenting a spent token
 * again means it was copied, so the whole family is revoked (the thief and the victim both log in again).
 */
export interface Session {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_at: string;
}

const REFRESH_PREFIX = "rt_";

function jwtSettings(deps: ServiceDeps) {
  return { secret: deps.config.JWT_SECRET, issuer: deps.config.JWT_ISSUER, audience: deps.config.JWT_AUDIENCE };
}

async function newRefreshToken(deps: ServiceDeps, userId: string, familyId: string, now: number) {
  const token = randomToken(REFRESH_PREFIX);
  const hash = await sha256Hex(token);
  const expiresAt = now + deps.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000;
  const insert = deps.db.insert(refreshTokens).values({
    id: newId("rtk", now),
    userId,
    familyId,
    tokenHash: hash,
    expiresAt,
    createdAt: now,
  });
  return { token, hash, expiresAt, insert };
}

async function sessionFor(
  deps: ServiceDeps,
  user: { id: string; role: "user" | "admin" },
  refresh: string,
  expiresAt: number,
) {
  const ttl = deps.config.ACCESS_TOKEN_TTL_SECONDS;
  const accessToken = await signAccessToken(jwtSettings(deps), { sub: user.id, role: user.role }, ttl);
  return {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: ttl,
    refresh_token: refresh,
    refresh_token_expires_at: new Date(expiresAt).toISOString(),
  } satisfies Session;
}

/** Starts a new refresh-token family for a user who just proved who they are. */
export async function startSession(deps: ServiceDeps, user: { id: string; role: "user" | "admin" }): Promise<Session> {
  const now = Date.now();
  const { token, expiresAt, insert } = await newRefreshToken(deps, user.id, newId("fam", now), now);
  await insert;
  return sessionFor(deps, user, token, expiresAt);
}

const invalidRefresh = () =>
  new ApiError("unauthenticated", "The refresh token is invalid, expired or revoked. Log in again.");

/**
 * Two requests that both read the token before either spent it are one client refreshing twice at
 * once (two tabs), not theft: the loser gets 409 and the family stays. A token presented after it was
 * spent is reuse and revokes the family (RFC 9700 §4.14.2), so clients refresh one at a time.
 */
const alreadyRefreshed = () =>
  new ApiError("conflict", "This refresh token was just used by another request; use the tokens it returned.");

export async function refreshSession(deps: ServiceDeps, presented: string): Promise<Session> {
  const now = Date.now();
  const row = await deps.db
    .select({
      id: refreshTokens.id,
      userId: refreshTokens.userId,
      familyId: refreshTokens.familyId,
      expiresAt: refreshTokens.expiresAt,
      usedAt: refreshTokens.usedAt,
      revokedAt: refreshTokens.revokedAt,
      role: users.role,
    })
    .from(refreshTokens)
    .innerJoin(users, eq(users.id, refreshTokens.userId))
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
    .get();
  if (!row || row.revokedAt !== null) throw invalidRefresh();
  if (row.usedAt !== null) {
    await revokeFamily(deps, row.familyId, now);
    deps.logger.warn("refresh_token_reuse", { user_id: row.userId, family_id: row.familyId });
    throw invalidRefresh();
  }
  if (row.expiresAt <= now) throw invalidRefresh();

  // Spend the token and issue its successor in one transaction; if a concurrent refresh spent it
  // first, this one is the reuse and the family goes.
  const next = await newRefreshToken(deps, row.userId, row.familyId, now);
  const [spent] = await deps.db.batch([
    deps.db
      .update(refreshTokens)
      .set({ usedAt: now })
      .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt))),
    next.insert,
  ]);
  if (spent.meta.changes !== 1) {
    // Another request spent it between our read and our write: the concurrent case above. Its
    // successor from this request is withdrawn; the family stays.
    await deps.db.delete(refreshTokens).where(eq(refreshTokens.tokenHash, next.hash));
    throw alreadyRefreshed();
  }
  return sessionFor(deps, { id: row.userId, role: row.role }, next.token, next.expiresAt);
}

/** Logout: revokes the family of the presented token. Unknown tokens are a no-op, so logout is idempotent. */
export async function endSession(deps: ServiceDeps, presented: string): Promise<void> {
  const row = await deps.db
    .select({ familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
    .get();
  if (row) await revokeFamily(deps, row.familyId, Date.now());
}

/** Revokes every session of a user (password change). */
export async function endAllSessions(deps: ServiceDeps, userId: string): Promise<void> {
  await deps.db
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

async function revokeFamily(deps: ServiceDeps, familyId: string, now: number) {
  await deps.db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}
