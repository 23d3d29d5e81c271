import { and, eq, lt } from "drizzle-orm";
import { idempotencyKeys } from "../db/schema";
import { ApiError } from "../lib/errors";
import type { ServiceDeps } from "./deps";

/**
 * Idempotency keys of creating calls: the first response per (user, key) is kept for 24 hours and
 * replayed; the same key with another request is refused. A key whose first request is still running
 * is a 409, and one whose first request failed with a 5xx is released so the retry runs.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type Claim = { kind: "new" } | { kind: "replay"; status: number; body: string };

export async function claimKey(deps: ServiceDeps, userId: string, key: string, requestHash: string): Promise<Claim> {
  const now = Date.now();
  // An expired key is free again.
  await deps.db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, userId),
        eq(idempotencyKeys.key, key),
        lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS),
      ),
    );
  const inserted = await deps.db
    .insert(idempotencyKeys)
    .values({ userId, key, requestHash, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key })
    .get();
  if (inserted) return { kind: "new" };

  const existing = await deps.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)))
    .get();
  if (!existing) return claimKey(deps, userId, key, requestHash);
  if (existing.requestHash !== requestHash) {
    throw new ApiError("idempotency_key_reused", "This Idempotency-Key was used with a different request.");
  }
  if (existing.status === null || existing.body === null) {
    throw new ApiError("conflict", "A request with this Idempotency-Key is still being processed. Retry shortly.", {
      headers: { "Retry-After": "1" },
    });
  }
  return { kind: "replay", status: existing.status, body: existing.body };
}

export async function storeResponse(deps: ServiceDeps, userId: string, key: string, status: number, body: string) {
  await deps.db
    .update(idempotencyKeys)
    .set({ status, body })
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}

export async function releaseKey(deps: ServiceDeps, userId: string, key: string) {
  await deps.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}

export async function pruneIdempotencyKeys(deps: ServiceDeps, now = Date.now()) {
  await deps.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS));
}
