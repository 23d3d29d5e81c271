import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ReservationGranted, type ReserveResult, youtubeQuotaOf } from "../durable-objects/youtube-quota";
import { DEFAULT_RESERVATION_TTL_MS } from "../src/lib/quota-ledger";

let accounts = 0;

/** A fresh upload account's quota object, so no test sees another's counters. */
function quotaOfNewAccount() {
  accounts += 1;
  return quotaOf(`acct_test_${accounts}_${crypto.randomUUID()}`);
}

function quotaOf(accountId: string) {
  return youtubeQuotaOf(env, accountId);
}

/** The error an RPC call rejects with (awaited here, so the rejection is always handled). */
async function rejectionOf(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to be rejected");
}

function granted(result: ReserveResult): ReservationGranted {
  expect(result.granted, JSON.stringify(result)).toBe(true);
  return result as ReservationGranted;
}

describe("YouTubeQuota: atomic reservations under concurrency", () => {
  it("200 concurrent uploads against the 100-call uploads bucket: exactly 100 granted", async () => {
    const quota = quotaOfNewAccount();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => quota.reserve({ method: "videos.insert" }, `upload vid_${i}`)),
    );
    const grants = results.filter((result) => result.granted);
    const refusals = results.filter((result) => !result.granted);
    expect(grants).toHaveLength(100);
    expect(refusals).toHaveLength(100);
    expect(new Set(grants.map((grant) => grant.reservationId)).size).toBe(100);
    const usage = await quota.usage();
    for (const refusal of refusals) {
      expect(refusal).toEqual({ granted: false, bucket: "uploads", remaining: 0, resetAt: usage.resetAt });
    }
    expect(usage.buckets.uploads).toEqual({ limit: 100, used: 0, reserved: 100, remaining: 0, exhausted: false });
    expect(usage.buckets.units).toEqual({ limit: 10_000, used: 0, reserved: 0, remaining: 10_000, exhausted: false });
  });

  it("an account pinned to the legacy model: 200 concurrent uploads, exactly 6 granted (9,600 units)", async () => {
    const quota = quotaOfNewAccount();
    await quota.setModel("legacy");
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => quota.reserve({ method: "videos.insert" }, `upload vid_${i}`)),
    );
    expect(results.filter((result) => result.granted)).toHaveLength(6);
    expect(results.filter((result) => !result.granted)).toHaveLength(194);
    const usage = await quota.usage();
    expect(usage.model).toBe("legacy");
    expect(usage.buckets).toEqual({
      units: { limit: 10_000, used: 0, reserved: 9_600, remaining: 400, exhausted: false },
    });
  });

  it("mixed calls racing for units never overspend them", async () => {
    const quota = quotaOfNewAccount();
    await quota.setLimits({ units: 1_000 });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        quota.reserve({ method: i % 3 === 0 ? "captions.insert" : "thumbnails.set" }, `call ${i}`),
      ),
    );
    const held = results
      .filter((result): result is ReservationGranted => result.granted)
      .reduce((total, grant) => total + (grant.costs.units ?? 0), 0);
    const usage = await quota.usage();
    expect(held).toBeLessThanOrEqual(1_000);
    expect(usage.buckets.units?.reserved).toBe(held);
    expect(usage.buckets.units?.remaining).toBe(1_000 - held);
  });

  it("an upload and its thumbnail as one reservation: all or nothing", async () => {
    const quota = quotaOfNewAccount();
    const both = granted(await quota.reserve({ methods: ["videos.insert", "thumbnails.set"] }, "upload vid_1"));
    expect(both.costs).toEqual({ uploads: 1, units: 50 });

    // Units short: nothing is held in the uploads bucket either.
    await quota.setLimits({ units: 90 });
    const refused = await quota.reserve({ methods: ["videos.insert", "thumbnails.set"] }, "upload vid_2");
    expect(refused).toMatchObject({ granted: false, bucket: "units", remaining: 40 });
    expect((await quota.usage()).buckets).toMatchObject({
      uploads: { reserved: 1, remaining: 99 },
      units: { reserved: 50, remaining: 40 },
    });

    // Uploads short: nothing is held in units either.
    await quota.setLimits({ units: null, uploads: 1 });
    const refusedUpload = await quota.reserve({ methods: ["videos.insert", "thumbnails.set"] }, "upload vid_3");
    expect(refusedUpload).toMatchObject({ granted: false, bucket: "uploads", remaining: 0 });
    expect((await quota.usage()).buckets.units).toMatchObject({ reserved: 50, remaining: 9_950 });
  });
});

describe("YouTubeQuota: settling", () => {
  it("refund returns units; commit with less returns the rest; a second settle is a no-op", async () => {
    const quota = quotaOfNewAccount();
    const captions = granted(await quota.reserve({ method: "captions.insert" }, "captions vid_1"));
    const update = granted(await quota.reserve({ method: "videos.update" }, "metadata vid_1"));
    expect((await quota.usage()).buckets.units).toMatchObject({ used: 0, reserved: 450, remaining: 9_550 });

    expect(await quota.refund(captions.reservationId)).toMatchObject({
      settled: true,
      status: "refunded",
      returned: { units: 400 },
    });
    expect(await quota.commit(update.reservationId, { units: 20 })).toMatchObject({
      settled: true,
      status: "committed",
      used: { units: 20 },
      returned: { units: 30 },
    });
    const settled = await quota.usage();
    expect(settled.buckets.units).toEqual({ limit: 10_000, used: 20, reserved: 0, remaining: 9_980, exhausted: false });

    // Queues deliver at least once: the same settle again changes nothing.
    expect(await quota.commit(update.reservationId)).toEqual({
      settled: false,
      reservationId: update.reservationId,
      status: "committed",
    });
    expect(await quota.refund(update.reservationId)).toMatchObject({ settled: false, status: "committed" });
    expect(await quota.refund(captions.reservationId)).toMatchObject({ settled: false, status: "refunded" });
    expect(await quota.commit("qres_unknown")).toMatchObject({ settled: false, status: "unknown" });
    expect(await quota.usage()).toEqual(settled);
  });

  it("concurrent duplicate commits of one reservation charge it once", async () => {
    const quota = quotaOfNewAccount();
    const upload = granted(await quota.reserve({ method: "videos.insert" }, "upload vid_1"));
    const results = await Promise.all(Array.from({ length: 10 }, () => quota.commit(upload.reservationId)));
    expect(results.filter((result) => result.settled)).toHaveLength(1);
    expect((await quota.usage()).buckets.uploads).toMatchObject({ used: 1, reserved: 0, remaining: 99 });
  });

  it("bad input is a TypeError across RPC and writes nothing", async () => {
    const quota = quotaOfNewAccount();
    const before = await quota.usage();
    const unknownMethod = await rejectionOf(() => quota.reserve({ method: "videos.delete" } as never, "x"));
    expect(unknownMethod).toBeInstanceOf(TypeError);
    expect(unknownMethod.message).toMatch(/request\.method/);
    expect((await rejectionOf(() => quota.reserve({ costs: { units: -1 } }, "x"))).message).toMatch(/costs\.units/);
    expect((await rejectionOf(() => quota.reserve({ method: "videos.list" }, ""))).message).toMatch(/purpose/);
    expect(await rejectionOf(() => quota.setLimits({ units: -1 }))).toBeInstanceOf(TypeError);
    expect(await rejectionOf(() => quota.markExhausted("minutes" as never))).toBeInstanceOf(TypeError);
    expect(await quota.usage()).toEqual(before);
    const rows = await runInDurableObject(quota, (_instance, state) =>
      state.storage.sql.exec("SELECT COUNT(*) AS n FROM quota_reservations").one(),
    );
    expect(rows.n).toBe(0);
  });
});

describe("YouTubeQuota: expiry alarm", () => {
  it("the alarm is set to the earliest expiry and returns an abandoned reservation's units", async () => {
    const quota = quotaOfNewAccount();
    const abandoned = granted(await quota.reserve({ method: "videos.insert" }, "upload vid_1"));
    const later = granted(await quota.reserve({ method: "videos.insert" }, "upload vid_2", { ttlMs: 3 * 3_600_000 }));
    expect(abandoned.expiresAt - Date.now()).toBeLessThanOrEqual(DEFAULT_RESERVATION_TTL_MS);
    expect(await quota.openReservations()).toEqual([
      {
        reservationId: abandoned.reservationId,
        purpose: "upload vid_1",
        costs: { uploads: 1 },
        createdAt: expect.any(Number),
        expiresAt: abandoned.expiresAt,
      },
      {
        reservationId: later.reservationId,
        purpose: "upload vid_2",
        costs: { uploads: 1 },
        createdAt: expect.any(Number),
        expiresAt: later.expiresAt,
      },
    ]);
    expect(await runInDurableObject(quota, (_instance, state) => state.storage.getAlarm())).toBe(abandoned.expiresAt);

    // Two hours pass with no word from the uploader: move its expiry into the past, then fire the alarm.
    await runInDurableObject(quota, (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE quota_reservations SET expires_at = ? WHERE id = ?",
        Date.now() - 1,
        abandoned.reservationId,
      );
    });
    expect(await runDurableObjectAlarm(quota)).toBe(true);

    const statuses = await runInDurableObject(quota, (_instance, state) =>
      state.storage.sql.exec<{ id: string; status: string }>("SELECT id, status FROM quota_reservations").toArray(),
    );
    expect(Object.fromEntries(statuses.map((row) => [row.id, row.status]))).toEqual({
      [abandoned.reservationId]: "expired",
      [later.reservationId]: "open",
    });
    expect((await quota.usage()).buckets.uploads).toMatchObject({ used: 0, reserved: 1, remaining: 99 });
    // The alarm that ran was consumed; the next one guards the remaining reservation.
    expect(await runInDurableObject(quota, (_instance, state) => state.storage.getAlarm())).toBe(later.expiresAt);

    await quota.refund(later.reservationId);
    expect(await runInDurableObject(quota, (_instance, state) => state.storage.getAlarm())).toBeNull();
  });

  it("an alarm that finds nothing due keeps the reservations and re-arms", async () => {
    const quota = quotaOfNewAccount();
    const upload = granted(await quota.reserve({ method: "videos.insert" }, "upload vid_1"));
    expect(await runDurableObjectAlarm(quota)).toBe(true);
    expect((await quota.usage()).buckets.uploads?.reserved).toBe(1);
    expect(await runInDurableObject(quota, (_instance, state) => state.storage.getAlarm())).toBe(upload.expiresAt);
  });

  it("a short TTL runs out and the units come back, alarm or not", async () => {
    const quota = quotaOfNewAccount();
    await quota.reserve({ method: "captions.insert" }, "captions vid_1", { ttlMs: 1 });
    await scheduler.wait(20);
    expect((await quota.usage()).buckets.units).toMatchObject({ reserved: 0, remaining: 10_000 });
  });
});

describe("YouTubeQuota: day, exhaustion, limits, persistence", () => {
  it("a new Pacific day resets used counters and exhausted marks but keeps open reservations", async () => {
    const quota = quotaOfNewAccount();
    const open = granted(await quota.reserve({ method: "videos.insert" }, "upload vid_1"));
    await quota.markExhausted("units");
    const today = (await quota.usage()).day;
    // Pretend the stored counters belong to a past day (the ledger tests cover the exact instants).
    await runInDurableObject(quota, (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE quota_day SET day = '2026-01-01', used = '{\"uploads\":99,\"units\":500}', exhausted = '[\"units\"]'",
      );
    });
    const usage = await quota.usage();
    expect(usage.day).toBe(today);
    expect(usage.buckets).toEqual({
      uploads: { limit: 100, used: 0, reserved: 1, remaining: 99, exhausted: false },
      searches: { limit: 100, used: 0, reserved: 0, remaining: 100, exhausted: false },
      units: { limit: 10_000, used: 0, reserved: 0, remaining: 10_000, exhausted: false },
    });
    expect(await quota.commit(open.reservationId)).toMatchObject({ settled: true });
    expect((await quota.usage()).buckets.uploads).toMatchObject({ used: 1, reserved: 0 });
  });

  it("markExhausted spends a bucket although our count has room", async () => {
    const quota = quotaOfNewAccount();
    const usage = await quota.markExhausted("uploads");
    expect(usage.buckets.uploads).toEqual({ limit: 100, used: 0, reserved: 0, remaining: 0, exhausted: true });
    expect(usage.buckets.units?.exhausted).toBe(false);
    expect(await quota.reserve({ method: "videos.insert" }, "upload vid_1")).toEqual({
      granted: false,
      bucket: "uploads",
      remaining: 0,
      resetAt: usage.resetAt,
    });
    granted(await quota.reserve({ method: "thumbnails.set" }, "thumbnail vid_0"));
    const all = await quota.markExhausted();
    expect(Object.values(all.buckets).every((bucket) => bucket.exhausted && bucket.remaining === 0)).toBe(true);
  });

  it("setLimits (a granted extension) and headroom", async () => {
    const quota = quotaOfNewAccount();
    const usage = await quota.setLimits({ units: 1_000_000, uploads: 10 });
    expect(usage.buckets.units).toMatchObject({ limit: 1_000_000, remaining: 1_000_000 });
    expect(usage.buckets.uploads).toMatchObject({ limit: 10, remaining: 10 });
    granted(await quota.reserve({ method: "videos.insert" }, "upload vid_1"));
    const headroom = await quota.headroom();
    expect(headroom.remaining).toEqual({ uploads: 9, searches: 100, units: 1_000_000 });
    expect(headroom.calls["videos.insert"]).toBe(9);
    expect(headroom.calls["captions.insert"]).toBe(2_500);
    expect(headroom.resetAt).toBe(usage.resetAt);
  });

  it("state survives the object being evicted and rebuilt", async () => {
    const accountId = `acct_test_persist_${crypto.randomUUID()}`;
    const quota = quotaOf(accountId);
    await quota.setLimits({ uploads: 3 });
    const upload = granted(await quota.reserve({ method: "videos.insert" }, "upload vid_1"));
    await quota.commit(upload.reservationId);
    granted(await quota.reserve({ method: "videos.insert" }, "upload vid_2"));
    await quota.markExhausted("searches");
    const before = await quota.usage();

    await abortAllDurableObjects();

    // A stub to an aborted object is broken; a fresh stub wakes a new instance that reads SQLite.
    const rebuilt = quotaOf(accountId);
    expect(await rebuilt.usage()).toEqual(before);
    expect(before.buckets).toMatchObject({
      uploads: { limit: 3, used: 1, reserved: 1, remaining: 1 },
      searches: { exhausted: true, remaining: 0 },
    });
    expect(await rebuilt.commit(upload.reservationId)).toMatchObject({ settled: false, status: "committed" });
  });
});
