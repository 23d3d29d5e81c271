import { and, count, eq, inArray } from "drizzle-orm";
import type { ReservationGranted } from "../../durable-objects/youtube-quota";
import { channelAuthorizations, type UploadAccountRow, uploadAccounts } from "../db/schema";
import { ApiError } from "../lib/errors";
import type { QuotaMethod } from "../lib/youtube-quota-table";
import type { ServiceDeps } from "./deps";
import { isHealthy, quotaCounter, setAccountStatus } from "./upload-accounts";

/**
 * Which upload account serves a call. Quota is the scarcest resource of the platform, so selection
 * looks at live headroom (the YouTubeQuota DO of each account), prefers active accounts, promotes a
 * reserve account only when the actives run dry or are unhealthy, and otherwise reports when the
 * next Pacific-midnight reset gives room again.
 */

async function uploadHeadroom(deps: ServiceDeps, accounts: UploadAccountRow[]) {
  const headrooms = await Promise.all(accounts.map((a) => quotaCounter(deps.env, a.id).headroom()));
  return accounts.map((account, i) => ({
    account,
    uploads: headrooms[i]?.calls["videos.insert"] ?? 0,
    resetAt: headrooms[i]?.resetAt ?? 0,
  }));
}

/**
 * A new connection goes to the healthy active account with the most upload headroom (ties: the one
 * with fewer channels, to spread the pool). With none left, the reserve account with the most headroom
 * is promoted.
 */
export async function chooseAccountForConnection(deps: ServiceDeps): Promise<UploadAccountRow> {
  const now = Date.now();
  const pool = (
    await deps.db
      .select()
      .from(uploadAccounts)
      .where(inArray(uploadAccounts.status, ["active", "reserve"]))
  ).filter((account) => isHealthy(account, now));
  if (pool.length === 0)
    throw new ApiError("no_upload_capacity", "No YouTube API account is available. Contact support.");

  const counts = await deps.db
    .select({ accountId: channelAuthorizations.accountId, n: count() })
    .from(channelAuthorizations)
    .groupBy(channelAuthorizations.accountId);
  const channelsOf = new Map(counts.map((c) => [c.accountId, c.n]));
  const ranked = (await uploadHeadroom(deps, pool)).sort(
    (a, b) => b.uploads - a.uploads || (channelsOf.get(a.account.id) ?? 0) - (channelsOf.get(b.account.id) ?? 0),
  );

  const active = ranked.find((r) => r.account.status === "active" && r.uploads > 0);
  if (active) return active.account;
  const reserve = ranked.find((r) => r.account.status === "reserve" && r.uploads > 0);
  if (reserve) {
    await promote(deps, reserve.account, "actives exhausted or unhealthy");
    return reserve.account;
  }
  // Everything is spent today: still connect (uploads wait for the reset) to the best active account.
  const fallback = ranked.find((r) => r.account.status === "active") ?? ranked[0];
  if (!fallback) throw new ApiError("no_upload_capacity", "No YouTube API account is available. Contact support.");
  return fallback.account;
}

export type UploadSlot =
  | { kind: "granted"; account: UploadAccountRow; authorizationId: string; reservation: ReservationGranted }
  | { kind: "wait"; until: number; reason: "quota_exhausted" | "no_authorization" };

/**
 * Reserves quota for `methods` (one upload and its thumbnail, as one all-or-nothing reservation) on an
 * account this channel is authorised under: active accounts by headroom first, then reserve accounts
 * (promoted when used). Nothing anywhere: wait until the earliest reset.
 */
export async function reserveUploadSlot(
  deps: ServiceDeps,
  channelId: string,
  methods: readonly QuotaMethod[],
  purpose: string,
): Promise<UploadSlot> {
  const now = Date.now();
  const rows = await deps.db
    .select({ authorizationId: channelAuthorizations.id, account: uploadAccounts })
    .from(channelAuthorizations)
    .innerJoin(uploadAccounts, eq(uploadAccounts.id, channelAuthorizations.accountId))
    .where(and(eq(channelAuthorizations.channelId, channelId), eq(channelAuthorizations.status, "active")));
  const usable = rows.filter((r) => r.account.status !== "disabled" && isHealthy(r.account, now));
  if (usable.length === 0) return { kind: "wait", until: now, reason: "no_authorization" };

  const headroom = await uploadHeadroom(
    deps,
    usable.map((r) => r.account),
  );
  const candidates = usable
    .map((r, i) => ({ ...r, uploads: headroom[i]?.uploads ?? 0, resetAt: headroom[i]?.resetAt ?? now }))
    .sort((a, b) => rank(a.account) - rank(b.account) || b.uploads - a.uploads);

  for (const candidate of candidates) {
    if (candidate.uploads <= 0) continue;
    const result = await quotaCounter(deps.env, candidate.account.id).reserve({ methods }, purpose);
    if (!result.granted) continue;
    if (candidate.account.status === "reserve")
      await promote(deps, candidate.account, "channel's active accounts exhausted");
    return {
      kind: "granted",
      account: candidate.account,
      authorizationId: candidate.authorizationId,
      reservation: result,
    };
  }
  const until = Math.min(...candidates.map((c) => c.resetAt));
  return { kind: "wait", until, reason: "quota_exhausted" };
}

function rank(account: UploadAccountRow): number {
  return account.status === "active" ? 0 : 1;
}

async function promote(deps: ServiceDeps, account: UploadAccountRow, why: string) {
  await setAccountStatus(deps, account.id, "active");
  account.status = "active";
  deps.logger.warn("upload_account_promoted", { account_id: account.id, reason: why });
}
