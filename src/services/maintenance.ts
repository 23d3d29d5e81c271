import { lt } from "drizzle-orm";
import { oauthSessions, webhookEvents } from "../db/schema";
import type { ServiceDeps } from "./deps";
import { pruneIdempotencyKeys } from "./idempotency";
import { pruneLoginFailures } from "./login-throttle";

const WEBHOOK_DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Hourly: forget what only mattered for a while (idempotency keys, login failures, webhook ids, consent sessions). */
export async function pruneExpired(deps: ServiceDeps, now = Date.now()) {
  await pruneIdempotencyKeys(deps, now);
  await pruneLoginFailures(deps, now);
  await deps.db.delete(webhookEvents).where(lt(webhookEvents.receivedAt, now - WEBHOOK_DEDUPE_RETENTION_MS));
  await deps.db.delete(oauthSessions).where(lt(oauthSessions.expiresAt, now));
}
