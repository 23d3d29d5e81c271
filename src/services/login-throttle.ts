import { inArray, lt, sql } from "drizzle-orm";
import { loginFailures } from "../db/schema";
import { ApiError } from "../lib/errors";
import type { ServiceDeps } from "./deps";

/**
 * Brute-force protection of login, on failures only (ADR 0003): 10 failed logins a minute for one
 * account from one IP, and 50 for one account from everywhere (a distributed guess). Every attempt
 * also passes the per-IP limiter of the auth routes.
 */
const WINDOW_MS = 60_000;
const PER_ACCOUNT_AND_IP = 10;
const PER_ACCOUNT = 50;

function keys(email: string, ip: string) {
  return { pair: `account-ip:${email}|${ip}`, account: `account:${email}` };
}

export async function assertLoginAllowed(deps: ServiceDeps, email: string, ip: string, now = Date.now()) {
  const { pair, account } = keys(email, ip);
  const rows = await deps.db
    .select()
    .from(loginFailures)
    .where(inArray(loginFailures.key, [pair, account]));
  for (const row of rows) {
    const limit = row.key === pair ? PER_ACCOUNT_AND_IP : PER_ACCOUNT;
    const open = row.windowStart > now - WINDOW_MS;
    if (open && row.failures >= limit) {
      const retryAfter = Math.max(1, Math.ceil((row.windowStart + WINDOW_MS - now) / 1000));
      throw new ApiError("rate_limited", `Too many failed logins. Retry in ${retryAfter} seconds.`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
  }
}

export async function recordLoginFailure(deps: ServiceDeps, email: string, ip: string, now = Date.now()) {
  const { pair, account } = keys(email, ip);
  const expired = sql`${loginFailures.windowStart} <= ${now - WINDOW_MS}`;
  await deps.db
    .insert(loginFailures)
    .values([
      { key: pair, windowStart: now, failures: 1 },
      { key: account, windowStart: now, failures: 1 },
    ])
    .onConflictDoUpdate({
      target: loginFailures.key,
      set: {
        failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${loginFailures.failures} + 1 END`,
        windowStart: sql`CASE WHEN ${expired} THEN ${now} ELSE ${loginFailures.windowStart} END`,
      },
    });
}

export async function pruneLoginFailures(deps: ServiceDeps, now = Date.now()) {
  await deps.db.delete(loginFailures).where(lt(loginFailures.windowStart, now - WINDOW_MS));
}
