import { and, count, desc, eq, isNull, lt } from "drizzle-orm";
import { z } from "zod";
import { type ApiKeyRow, apiKeys, users } from "../db/schema";
import type { Principal } from "../lib/context";
import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, paginate } from "../lib/pagination";
import type { ServiceDeps } from "./deps";

/** API keys for server-to-server callers: shown once at creation, stored as a SHA-256 hash. */
export const API_KEY_PREFIX = "yte_";
const MAX_ACTIVE_KEYS = 25;

export function toApiKeyResponse(key: ApiKeyRow) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    created_at: new Date(key.createdAt).toISOString(),
    last_used_at: key.lastUsedAt === null ? null : new Date(key.lastUsedAt).toISOString(),
    revoked_at: key.revokedAt === null ? null : new Date(key.revokedAt).toISOString(),
  };
}

export async function createApiKey(deps: ServiceDeps, userId: string, name: string) {
  const [active] = await deps.db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
  if ((active?.n ?? 0) >= MAX_ACTIVE_KEYS) {
    throw new ApiError("conflict", `At most ${MAX_ACTIVE_KEYS} active API keys; revoke one first.`);
  }
  const now = Date.now();
  const secret = randomToken(API_KEY_PREFIX);
  const row = await deps.db
    .insert(apiKeys)
    .values({
      id: newId("key", now),
      userId,
      name,
      prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
      keyHash: await sha256Hex(secret),
      createdAt: now,
    })
    .returning()
    .get();
  return { ...toApiKeyResponse(row), key: secret };
}

const cursorSchema = z.object({ id: z.string() });

export async function listApiKeys(deps: ServiceDeps, userId: string, limit: number, cursor?: string) {
  const after = decodeCursor(cursor, cursorSchema);
  const rows = await deps.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), after ? lt(apiKeys.id, after.id) : undefined))
    .orderBy(desc(apiKeys.id))
    .limit(limit + 1);
  const page = paginate(rows, limit, (row) => ({ id: row.id }));
  return { data: page.data.map(toApiKeyResponse), next_cursor: page.next_cursor };
}

/** Revokes one of the caller's keys; a key of someone else is a 404, never a 403. */
export async function revokeApiKey(deps: ServiceDeps, userId: string, keyId: string): Promise<void> {
  const key = await deps.db
    .select({ revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId)))
    .get();
  if (!key) throw new ApiError("not_found", "No such API key.");
  // Revoking twice keeps the first revocation time.
  if (key.revokedAt === null) {
    await deps.db.update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, keyId));
  }
}

const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;

/** Resolves a presented key to its owner, or null. `last_used_at` is written at most hourly. */
export async function authenticateApiKey(
  deps: ServiceDeps,
  presented: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<Principal | null> {
  const row = await deps.db
    .select({
      id: apiKeys.id,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      user: users,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, await sha256Hex(presented)))
    .get();
  if (!row || row.revokedAt !== null) return null;
  const now = Date.now();
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    waitUntil(deps.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id)).run());
  }
  return { userId: row.user.id, role: row.user.role, via: "api_key", apiKeyId: row.id, user: row.user };
}
