import { asc, count, eq } from "drizzle-orm";
import type { QuotaUsage } from "../../durable-objects/youtube-quota";
import { channelAuthorizations, type UploadAccountRow, uploadAccounts } from "../db/schema";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { openSecret, sealSecret } from "../lib/secret-box";
import type { QuotaBucket } from "../lib/youtube-quota-table";
import type { ServiceDeps } from "./deps";

/** The platform's pool of YouTube API accounts (Google Cloud projects) and their quota counters. */

export type AccountStatus = UploadAccountRow["status"];

export function quotaCounter(env: Env, accountId: string) {
  return env.YOUTUBE_QUOTA.get(env.YOUTUBE_QUOTA.idFromName(accountId));
}

export function isHealthy(account: UploadAccountRow, now = Date.now()): boolean {
  return account.unhealthyUntil === null || account.unhealthyUntil <= now;
}

export function toAccountResponse(account: UploadAccountRow, extra: { channels: number; quota: QuotaUsage | null }) {
  return {
    id: account.id,
    name: account.name,
    client_id: account.googleClientId,
    status: account.status,
    audited: account.audited,
    healthy: isHealthy(account),
    unhealthy_until: account.unhealthyUntil === null ? null : new Date(account.unhealthyUntil).toISOString(),
    last_error: account.lastError,
    channels: extra.channels,
    quota: extra.quota && {
      day: extra.quota.day,
      resets_at: new Date(extra.quota.resetAt).toISOString(),
      model: extra.quota.model,
      buckets: extra.quota.buckets,
    },
    created_at: new Date(account.createdAt).toISOString(),
    updated_at: new Date(account.updatedAt).toISOString(),
  };
}

export interface NewAccount {
  name: string;
  client_id: string;
  client_secret: string;
  status: "active" | "reserve";
  audited: boolean;
}

export async function addAccount(deps: ServiceDeps, input: NewAccount) {
  const now = Date.now();
  const id = newId("acc", now);
  const row = await deps.db
    .insert(uploadAccounts)
    .values({
      id,
      name: input.name,
      googleClientId: input.client_id,
      clientSecretEnc: await sealSecret(deps.config.ENCRYPTION_KEY, input.client_secret, `account:${id}`),
      status: input.status,
      audited: input.audited,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: uploadAccounts.googleClientId })
    .returning()
    .get();
  if (!row) throw new ApiError("conflict", "An account with this OAuth client id already exists.");
  return toAccountResponse(row, { channels: 0, quota: await quotaCounter(deps.env, id).usage() });
}

export async function getAccount(deps: ServiceDeps, accountId: string): Promise<UploadAccountRow> {
  const row = await deps.db.select().from(uploadAccounts).where(eq(uploadAccounts.id, accountId)).get();
  if (!row) throw new ApiError("account_not_found", `No upload account ${accountId}.`);
  return row;
}

export function accountClientSecret(deps: ServiceDeps, account: UploadAccountRow): Promise<string> {
  return openSecret(deps.config.ENCRYPTION_KEY, account.clientSecretEnc, `account:${account.id}`);
}

/** Every account with its channel count and live quota (one DO call each, in parallel). */
export async function listAccountsWithUsage(deps: ServiceDeps) {
  const [rows, counts] = await deps.db.batch([
    deps.db.select().from(uploadAccounts).orderBy(asc(uploadAccounts.id)),
    deps.db
      .select({ accountId: channelAuthorizations.accountId, n: count() })
      .from(channelAuthorizations)
      .where(eq(channelAuthorizations.status, "active"))
      .groupBy(channelAuthorizations.accountId),
  ]);
  const channelsOf = new Map(counts.map((c) => [c.accountId, c.n]));
  const usages = await Promise.all(rows.map((row) => quotaCounter(deps.env, row.id).usage()));
  return rows.map((row, i) =>
    toAccountResponse(row, { channels: channelsOf.get(row.id) ?? 0, quota: usages[i] ?? null }),
  );
}

/** Pool-wide totals per bucket, for GET /v1/admin/quota. */
export async function quotaSummary(deps: ServiceDeps) {
  const accounts = await listAccountsWithUsage(deps);
  const totals: Partial<Record<QuotaBucket, { limit: number; used: number; reserved: number; remaining: number }>> = {};
  for (const account of accounts) {
    if (account.status !== "active" || !account.quota) continue;
    for (const [bucket, usage] of Object.entries(account.quota.buckets) as [
      QuotaBucket,
      QuotaUsage["buckets"][QuotaBucket],
    ][]) {
      if (!usage) continue;
      const total = totals[bucket] ?? { limit: 0, used: 0, reserved: 0, remaining: 0 };
      totals[bucket] = total;
      total.limit += usage.limit;
      total.used += usage.used;
      total.reserved += usage.reserved;
      total.remaining += usage.remaining;
    }
  }
  return { active_totals: totals, accounts };
}

const allowedTransitions: Record<string, { from: AccountStatus[]; to: AccountStatus }> = {
  promote: { from: ["reserve"], to: "active" },
  demote: { from: ["active"], to: "reserve" },
  disable: { from: ["active", "reserve"], to: "disabled" },
  enable: { from: ["disabled"], to: "reserve" },
};

export type AccountTransition = keyof typeof allowedTransitions;

export async function transitionAccount(deps: ServiceDeps, accountId: string, transition: AccountTransition) {
  const account = await getAccount(deps, accountId);
  const rule = allowedTransitions[transition];
  if (!rule) throw new ApiError("bad_request", `Unknown transition ${transition}.`);
  if (!rule.from.includes(account.status)) {
    throw new ApiError("conflict", `Cannot ${transition} an account that is ${account.status}.`);
  }
  await setAccountStatus(deps, accountId, rule.to);
  deps.logger.info("upload_account_status", { account_id: accountId, from: account.status, to: rule.to });
  return getAccountWithUsage(deps, accountId);
}

export async function setAccountStatus(deps: ServiceDeps, accountId: string, status: AccountStatus) {
  await deps.db.update(uploadAccounts).set({ status, updatedAt: Date.now() }).where(eq(uploadAccounts.id, accountId));
}

export async function updateAccount(
  deps: ServiceDeps,
  accountId: string,
  changes: { name?: string; audited?: boolean; limits?: Partial<Record<QuotaBucket, number | null>> },
) {
  await getAccount(deps, accountId);
  if (changes.name !== undefined || changes.audited !== undefined) {
    await deps.db
      .update(uploadAccounts)
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.audited !== undefined ? { audited: changes.audited } : {}),
        updatedAt: Date.now(),
      })
      .where(eq(uploadAccounts.id, accountId));
  }
  if (changes.limits) await quotaCounter(deps.env, accountId).setLimits(changes.limits);
  return getAccountWithUsage(deps, accountId);
}

async function getAccountWithUsage(deps: ServiceDeps, accountId: string) {
  const [row, channelCount, usage] = await Promise.all([
    getAccount(deps, accountId),
    deps.db
      .select({ n: count() })
      .from(channelAuthorizations)
      .where(eq(channelAuthorizations.accountId, accountId))
      .get(),
    quotaCounter(deps.env, accountId).usage(),
  ]);
  return toAccountResponse(row, { channels: channelCount?.n ?? 0, quota: usage });
}
