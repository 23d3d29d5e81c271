import { ApiError } from "../lib/errors";
import type { QuotaMethod } from "../lib/youtube-quota-table";
import { ProviderError } from "../providers/errors";
import type { ServiceDeps } from "./deps";
import { quotaCounter } from "./upload-accounts";

const QUOTA_REASONS = new Set(["quotaExceeded", "dailyLimitExceeded"]);

/**
 * Runs one YouTube call under a quota reservation on `accountId`: reserve first (refused -> no call),
 * commit when YouTube answered (it charges invalid requests too), refund when the request never got an
 * answer. A `quotaExceeded` answer means someone else spent the project: the bucket is marked spent.
 */
export async function withQuota<T>(
  deps: ServiceDeps,
  accountId: string,
  method: QuotaMethod,
  purpose: string,
  call: () => Promise<T>,
): Promise<T> {
  const counter = quotaCounter(deps.env, accountId);
  const reservation = await counter.reserve({ method }, purpose);
  if (!reservation.granted) {
    throw new ApiError(
      "no_upload_capacity",
      `The YouTube quota of this account is spent until ${new Date(reservation.resetAt).toISOString()}.`,
    );
  }
  try {
    const result = await call();
    await counter.commit(reservation.reservationId);
    return result;
  } catch (error) {
    const answered = error instanceof ProviderError && error.status !== undefined;
    if (answered) await counter.commit(reservation.reservationId);
    else await counter.refund(reservation.reservationId);
    if (error instanceof ProviderError && error.code && QUOTA_REASONS.has(error.code)) await counter.markExhausted();
    throw error;
  }
}
