import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/env";
import {
  type AccountQuotaSettings,
  CLOSED_RESERVATION_RETENTION_MS,
  type DayCounters,
  DEFAULT_RESERVATION_TTL_MS,
  QuotaLedger,
  type QuotaLedgerStore,
  type ReservationGranted,
  type ReservationRecord,
  type ReserveResult,
} from "../../src/lib/quota-ledger";
import { costOf, type QuotaConfig, quotaTableFor } from "../../src/lib/youtube-quota-table";

/** The ledger's storage contract in memory; the Durable Object's SQLite store is tested in test/youtube-quota.test.ts. */
class MemoryLedgerStore implements QuotaLedgerStore {
  day: DayCounters | null = null;
  settings: AccountQuotaSettings = { model: null, limits: {} };
  readonly reservations = new Map<string, ReservationRecord>();

  readDay() {
    return this.day && structuredClone(this.day);
  }
  writeDay(counters: DayCounters) {
    this.day = structuredClone(counters);
  }
  readSettings() {
    return structuredClone(this.settings);
  }
  writeSettings(settings: AccountQuotaSettings) {
    this.settings = structuredClone(settings);
  }
  openReservations() {
    return [...this.reservations.values()]
      .filter((reservation) => reservation.status === "open")
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .map((reservation) => structuredClone(reservation));
  }
  getReservation(id: string) {
    const reservation = this.reservations.get(id);
    return reservation ? structuredClone(reservation) : null;
  }
  putReservation(reservation: ReservationRecord) {
    this.reservations.set(reservation.id, structuredClone(reservation));
  }
  deleteClosedBefore(instant: number) {
    for (const [id, reservation] of this.reservations) {
      if (reservation.status !== "open" && (reservation.closedAt ?? 0) < instant) this.reservations.delete(id);
    }
  }
  earliestOpenExpiry() {
    return this.openReservations()[0]?.expiresAt ?? null;
  }
}

const bucketsConfig: QuotaConfig = { YOUTUBE_QUOTA_MODEL: "buckets", YOUTUBE_QUOTA_TABLE: undefined };
const legacyConfig: QuotaConfig = { YOUTUBE_QUOTA_MODEL: "legacy", YOUTUBE_QUOTA_TABLE: undefined };
const HOUR = 60 * 60 * 1000;
const at = (iso: string) => Date.parse(iso);
const NOON = at("2026-06-15T19:00:00.000Z"); // 12:00 PDT

function newLedger(config: QuotaConfig = bucketsConfig) {
  const store = new MemoryLedgerStore();
  return { ledger: new QuotaLedger(store, config), store };
}

function granted(result: ReserveResult): ReservationGranted {
  expect(result.granted, JSON.stringify(result)).toBe(true);
  return result as ReservationGranted;
}

describe("quota table", () => {
  it("buckets model: uploads and searches in their own buckets, the rest in units", () => {
    const table = quotaTableFor(bucketsConfig);
    expect(table.limits).toEqual({ uploads: 100, searches: 100, units: 10_000 });
    expect(costOf(table, "videos.insert")).toEqual({ uploads: 1 });
    expect(costOf(table, "search.list")).toEqual({ searches: 1 });
    expect(costOf(table, "thumbnails.set")).toEqual({ units: 50 });
    expect(costOf(table, "videos.update")).toEqual({ units: 50 });
    expect(costOf(table, "playlistItems.insert")).toEqual({ units: 50 });
    expect(costOf(table, "captions.insert")).toEqual({ units: 400 });
    expect(costOf(table, "videos.list")).toEqual({ units: 1 });
    expect(costOf(table, "channels.list")).toEqual({ units: 1 });
    expect(costOf(table, "playlistItems.list")).toEqual({ units: 1 });
  });

  it("legacy model: one 10,000-unit bucket, 1,600 per upload, 100 per search", () => {
    const table = quotaTableFor(legacyConfig);
    expect(table.limits).toEqual({ units: 10_000 });
    expect(costOf(table, "videos.insert")).toEqual({ units: 1_600 });
    expect(costOf(table, "search.list")).toEqual({ units: 100 });
    expect(costOf(table, "thumbnails.set")).toEqual({ units: 50 });
  });

  it("YOUTUBE_QUOTA_TABLE replaces listed bucket sizes and method costs of the configured model", () => {
    const config: QuotaConfig = {
      YOUTUBE_QUOTA_MODEL: "buckets",
      YOUTUBE_QUOTA_TABLE: '{"limits":{"units":50000},"costs":{"captions.insert":{"units":200}}}',
    };
    const table = quotaTableFor(config);
    expect(table.limits).toEqual({ uploads: 100, searches: 100, units: 50_000 });
    expect(costOf(table, "captions.insert")).toEqual({ units: 200 });
    expect(costOf(table, "thumbnails.set")).toEqual({ units: 50 });
    // An account pinned to the other model gets that model's own table, untouched.
    expect(quotaTableFor(config, "legacy").limits).toEqual({ units: 10_000 });
  });

  it.each([
    ["not JSON", "{limits:", /not valid JSON/],
    ["an unknown method", '{"costs":{"videos.delete":{"units":50}}}', /videos\.delete/],
    ["an unknown bucket", '{"limits":{"minutes":5}}', /minutes/],
    ["a negative size", '{"limits":{"units":-1}}', /limits\.units/],
    ["a fractional cost", '{"costs":{"videos.list":{"units":0.5}}}', /costs\.videos\.list\.units/],
    ["a free method", '{"costs":{"videos.list":{}}}', /at least 1/],
    ["an unknown top-level key", '{"limit":{"units":5}}', /limit/],
  ])("a table with %s is a ConfigError naming it", (_label, json, message) => {
    const config: QuotaConfig = { YOUTUBE_QUOTA_MODEL: "buckets", YOUTUBE_QUOTA_TABLE: json };
    expect(() => quotaTableFor(config)).toThrow(ConfigError);
    expect(() => quotaTableFor(config)).toThrow(message);
  });

  it("a bucket the model does not have is a ConfigError", () => {
    const config: QuotaConfig = { YOUTUBE_QUOTA_MODEL: "legacy", YOUTUBE_QUOTA_TABLE: '{"limits":{"uploads":5}}' };
    expect(() => quotaTableFor(config)).toThrow(/legacy model has no uploads bucket/);
  });
});

describe("reserve, commit, refund", () => {
  it("a reservation holds units until it settles; usage figures are exact", () => {
    const { ledger } = newLedger();
    const upload = granted(ledger.reserve({ method: "videos.insert" }, "upload vid_1", undefined, NOON));
    expect(upload.costs).toEqual({ uploads: 1 });
    expect(upload.expiresAt).toBe(NOON + DEFAULT_RESERVATION_TTL_MS);
    granted(ledger.reserve({ method: "captions.insert" }, "captions vid_1", { ttlMs: 60_000 }, NOON));

    expect(ledger.usage(NOON)).toEqual({
      day: "2026-06-15",
      resetAt: at("2026-06-16T07:00:00.000Z"),
      model: "buckets",
      buckets: {
        uploads: { limit: 100, used: 0, reserved: 1, remaining: 99, exhausted: false },
        searches: { limit: 100, used: 0, reserved: 0, remaining: 100, exhausted: false },
        units: { limit: 10_000, used: 0, reserved: 400, remaining: 9_600, exhausted: false },
      },
    });

    expect(ledger.commit(upload.reservationId, undefined, NOON + 1)).toEqual({
      settled: true,
      reservationId: upload.reservationId,
      status: "committed",
      used: { uploads: 1 },
      returned: {},
      late: false,
    });
    expect(ledger.usage(NOON + 2).buckets.uploads).toEqual({
      limit: 100,
      used: 1,
      reserved: 0,
      remaining: 99,
      exhausted: false,
    });
  });

  it("refund gives everything back; commit with less than reserved gives the rest back", () => {
    const { ledger } = newLedger();
    const refunded = granted(ledger.reserve({ costs: { units: 400 } }, "captions", undefined, NOON));
    const partial = granted(ledger.reserve({ costs: { units: 400 } }, "captions", undefined, NOON));
    expect(ledger.usage(NOON).buckets.units?.remaining).toBe(9_200);

    const refund = ledger.refund(refunded.reservationId, undefined, NOON);
    expect(refund).toMatchObject({ settled: true, status: "refunded", used: {}, returned: { units: 400 } });
    const commit = ledger.commit(partial.reservationId, { units: 150 }, NOON);
    expect(commit).toMatchObject({
      settled: true,
      status: "committed",
      used: { units: 150 },
      returned: { units: 250 },
    });

    expect(ledger.usage(NOON).buckets.units).toEqual({
      limit: 10_000,
      used: 150,
      reserved: 0,
      remaining: 9_850,
      exhausted: false,
    });
  });

  it("a failed call that reached YouTube refunds only what it did not use (invalid requests cost quota)", () => {
    const { ledger } = newLedger();
    const both = granted(ledger.reserve({ methods: ["videos.insert", "thumbnails.set"] }, "upload", undefined, NOON));
    // The upload went through and was charged; the thumbnail call never ran.
    const refund = ledger.refund(both.reservationId, { units: 50 }, NOON);
    expect(refund).toMatchObject({ settled: true, used: { uploads: 1 }, returned: { units: 50 } });
    const usage = ledger.usage(NOON);
    expect(usage.buckets.uploads?.used).toBe(1);
    expect(usage.buckets.units?.used).toBe(0);
  });

  it("settling twice is a no-op that says how it was settled; an unknown id is a no-op too", () => {
    const { ledger } = newLedger();
    const first = granted(ledger.reserve({ method: "videos.update" }, "metadata", undefined, NOON));
    const second = granted(ledger.reserve({ method: "videos.update" }, "metadata", undefined, NOON));
    ledger.commit(first.reservationId, undefined, NOON);
    ledger.refund(second.reservationId, undefined, NOON);
    const before = ledger.usage(NOON);

    expect(ledger.commit(first.reservationId, undefined, NOON)).toEqual({
      settled: false,
      reservationId: first.reservationId,
      status: "committed",
    });
    expect(ledger.refund(first.reservationId, undefined, NOON)).toMatchObject({ settled: false, status: "committed" });
    expect(ledger.commit(second.reservationId, undefined, NOON)).toMatchObject({ settled: false, status: "refunded" });
    expect(ledger.refund("qres_nope", undefined, NOON)).toMatchObject({ settled: false, status: "unknown" });
    expect(ledger.usage(NOON)).toEqual(before);
    expect(before.buckets.units).toMatchObject({ used: 50, reserved: 0 });
  });

  it("refuses all or nothing, naming the first bucket that cannot cover the request", () => {
    const { ledger } = newLedger();
    ledger.setLimits({ units: 40 }, NOON);
    const refused = ledger.reserve({ methods: ["videos.insert", "thumbnails.set"] }, "upload", undefined, NOON);
    expect(refused).toEqual({
      granted: false,
      bucket: "units",
      remaining: 40,
      resetAt: at("2026-06-16T07:00:00.000Z"),
    });
    expect(ledger.usage(NOON).buckets.uploads).toMatchObject({ reserved: 0, remaining: 100 });
  });

  it("refuses the 101st upload of a day but still grants units", () => {
    const { ledger } = newLedger();
    for (let i = 0; i < 100; i++) granted(ledger.reserve({ method: "videos.insert" }, `upload ${i}`, undefined, NOON));
    expect(ledger.reserve({ method: "videos.insert" }, "upload 101", undefined, NOON)).toMatchObject({
      granted: false,
      bucket: "uploads",
      remaining: 0,
    });
    granted(ledger.reserve({ method: "videos.list" }, "stats", undefined, NOON));
  });

  it("bad input is a TypeError and writes nothing", () => {
    const { ledger, store } = newLedger();
    const bad: [unknown, unknown, unknown][] = [
      [{ method: "videos.delete" }, "x", undefined],
      [{ costs: {} }, "x", undefined],
      [{ costs: { units: -5 } }, "x", undefined],
      [{ costs: { minutes: 5 } }, "x", undefined],
      [{ methods: [] }, "x", undefined],
      [{}, "x", undefined],
      [{ method: "videos.list" }, "  ", undefined],
      [{ method: "videos.list" }, "x", { ttlMs: 0 }],
      [{ method: "videos.list" }, "x", { ttlMs: 1.5 }],
    ];
    for (const [request, purpose, options] of bad) {
      expect(() => ledger.reserve(request as never, purpose as never, options as never, NOON)).toThrow(TypeError);
    }
    expect(() => newLedger(legacyConfig).ledger.reserve({ costs: { uploads: 1 } }, "x", undefined, NOON)).toThrow(
      /legacy quota model has no uploads bucket/,
    );
    expect(() => ledger.commit("qres_x", { units: -1 }, NOON)).toThrow(TypeError);
    expect(() => ledger.setLimits({ units: 1.5 }, NOON)).toThrow(TypeError);
    expect(() => ledger.markExhausted("minutes" as never, NOON)).toThrow(TypeError);
    expect(store.reservations.size).toBe(0);
    expect(store.day).toBeNull();
  });
});

describe("expiry", () => {
  it("an abandoned reservation holds its units until expiresAt, then they come back", () => {
    const { ledger } = newLedger();
    const upload = granted(ledger.reserve({ method: "videos.insert" }, "upload", { ttlMs: HOUR }, NOON));
    expect(ledger.nextExpiry()).toBe(NOON + HOUR);
    expect(ledger.expire(NOON + HOUR - 1)).toEqual({ expired: 0, nextExpiry: NOON + HOUR });
    expect(ledger.usage(NOON + HOUR - 1).buckets.uploads?.reserved).toBe(1);
    expect(ledger.expire(NOON + HOUR)).toEqual({ expired: 1, nextExpiry: null });
    expect(ledger.usage(NOON + HOUR).buckets.uploads).toMatchObject({ used: 0, reserved: 0, remaining: 100 });
    // A refund after expiry has nothing left to give back.
    expect(ledger.refund(upload.reservationId, undefined, NOON + HOUR)).toMatchObject({
      settled: true,
      late: true,
      used: {},
      returned: {},
    });
  });

  it("a commit after expiry still charges what the call used (the upload was just slow)", () => {
    const { ledger } = newLedger();
    const upload = granted(ledger.reserve({ method: "videos.insert" }, "upload", { ttlMs: HOUR }, NOON));
    ledger.expire(NOON + HOUR);
    expect(ledger.commit(upload.reservationId, undefined, NOON + 2 * HOUR)).toMatchObject({
      settled: true,
      late: true,
      used: { uploads: 1 },
      returned: {},
    });
    expect(ledger.usage(NOON + 2 * HOUR).buckets.uploads).toMatchObject({ used: 1, reserved: 0, remaining: 99 });
    expect(ledger.commit(upload.reservationId, undefined, NOON + 2 * HOUR)).toMatchObject({ settled: false });
  });

  it("expiry does not wait for the alarm: every operation returns what has expired", () => {
    const { ledger } = newLedger();
    ledger.setLimits({ uploads: 1 }, NOON);
    granted(ledger.reserve({ method: "videos.insert" }, "abandoned", { ttlMs: 1_000 }, NOON));
    expect(ledger.reserve({ method: "videos.insert" }, "next", undefined, NOON + 999).granted).toBe(false);
    granted(ledger.reserve({ method: "videos.insert" }, "next", undefined, NOON + 1_000));
  });

  it("nextExpiry is the earliest open reservation's", () => {
    const { ledger } = newLedger();
    const late = granted(ledger.reserve({ method: "videos.list" }, "a", { ttlMs: 3 * HOUR }, NOON));
    const early = granted(ledger.reserve({ method: "videos.list" }, "b", { ttlMs: HOUR }, NOON));
    expect(ledger.nextExpiry()).toBe(early.expiresAt);
    ledger.commit(early.reservationId, undefined, NOON);
    expect(ledger.nextExpiry()).toBe(late.expiresAt);
    ledger.refund(late.reservationId, undefined, NOON);
    expect(ledger.nextExpiry()).toBeNull();
  });
});

describe("Pacific-midnight roll-over", () => {
  function spendAllUploads(ledger: QuotaLedger, now: number) {
    for (let i = 0; i < 100; i++) {
      const upload = granted(ledger.reserve({ method: "videos.insert" }, `upload ${i}`, undefined, now));
      ledger.commit(upload.reservationId, undefined, now);
    }
    expect(ledger.reserve({ method: "videos.insert" }, "one more", undefined, now).granted).toBe(false);
  }

  it.each([
    // [a moment on the day, last ms of that quota day, the day after]
    ["an ordinary day", "2026-06-15T19:00:00.000Z", "2026-06-16T06:59:59.999Z", "2026-06-16"],
    ["the day before spring-forward", "2026-03-07T20:00:00.000Z", "2026-03-08T07:59:59.999Z", "2026-03-08"],
    ["spring-forward day (23 h)", "2026-03-08T09:00:00.000Z", "2026-03-09T06:59:59.999Z", "2026-03-09"],
    ["the day after spring-forward", "2026-03-09T20:00:00.000Z", "2026-03-10T06:59:59.999Z", "2026-03-10"],
    ["the day before fall-back", "2026-10-31T20:00:00.000Z", "2026-11-01T06:59:59.999Z", "2026-11-01"],
    ["fall-back day (25 h)", "2026-11-01T09:30:00.000Z", "2026-11-02T07:59:59.999Z", "2026-11-02"],
    ["the day after fall-back", "2026-11-02T20:00:00.000Z", "2026-11-03T07:59:59.999Z", "2026-11-03"],
  ])("%s: spent until its last millisecond, fresh at Pacific midnight", (_label, dayIso, lastMsIso, nextDay) => {
    const { ledger } = newLedger();
    spendAllUploads(ledger, at(dayIso));
    const lastMs = at(lastMsIso);
    expect(ledger.usage(lastMs).resetAt).toBe(lastMs + 1);
    expect(ledger.reserve({ method: "videos.insert" }, "too early", undefined, lastMs).granted).toBe(false);

    const usage = ledger.usage(lastMs + 1);
    expect(usage.day).toBe(nextDay);
    expect(usage.buckets.uploads).toEqual({ limit: 100, used: 0, reserved: 0, remaining: 100, exhausted: false });
    granted(ledger.reserve({ method: "videos.insert" }, "new day", undefined, lastMs + 1));
  });

  it("a reservation open at midnight keeps holding units and counts on the day it settles", () => {
    const { ledger } = newLedger();
    const beforeMidnight = at("2026-11-01T06:50:00.000Z"); // 23:50 PDT, Oct 31
    const afterMidnight = at("2026-11-01T07:10:00.000Z"); // 00:10 PDT, Nov 1
    const upload = granted(ledger.reserve({ method: "videos.insert" }, "late upload", undefined, beforeMidnight));

    expect(ledger.usage(afterMidnight)).toMatchObject({
      day: "2026-11-01",
      buckets: { uploads: { used: 0, reserved: 1, remaining: 99 } },
    });
    ledger.commit(upload.reservationId, undefined, afterMidnight);
    expect(ledger.usage(afterMidnight).buckets.uploads).toMatchObject({ used: 1, reserved: 0, remaining: 99 });
  });

  it("exhausted marks last until Pacific midnight", () => {
    const { ledger } = newLedger();
    ledger.markExhausted("units", NOON);
    expect(ledger.usage(NOON).buckets.units).toMatchObject({ remaining: 0, exhausted: true });
    expect(ledger.reserve({ method: "videos.list" }, "stats", undefined, NOON)).toMatchObject({
      granted: false,
      bucket: "units",
      remaining: 0,
    });
    expect(ledger.usage(at("2026-06-16T07:00:00.000Z")).buckets.units).toMatchObject({
      remaining: 10_000,
      exhausted: false,
    });
  });

  it("a clock that steps back does not reopen a spent day", () => {
    const { ledger } = newLedger();
    ledger.markExhausted(undefined, NOON);
    const usage = ledger.usage(NOON - 24 * HOUR);
    expect(usage.day).toBe("2026-06-15");
    expect(usage.buckets.uploads?.remaining).toBe(0);
  });

  it("settled reservations are remembered long enough for redelivered messages, then forgotten", () => {
    const { ledger, store } = newLedger();
    const upload = granted(ledger.reserve({ method: "videos.insert" }, "upload", undefined, NOON));
    ledger.commit(upload.reservationId, undefined, NOON);
    const twoDaysLater = NOON + 2 * 24 * HOUR;
    expect(ledger.commit(upload.reservationId, undefined, twoDaysLater)).toMatchObject({ status: "committed" });
    const later = NOON + CLOSED_RESERVATION_RETENTION_MS + 24 * HOUR;
    expect(ledger.commit(upload.reservationId, undefined, later)).toMatchObject({ settled: false, status: "unknown" });
    expect(store.reservations.size).toBe(0);
  });
});

describe("markExhausted, setLimits, setModel, headroom", () => {
  it("markExhausted without a bucket spends every bucket of the model; used counts stay exact", () => {
    const { ledger } = newLedger();
    const list = granted(ledger.reserve({ method: "videos.list" }, "stats", undefined, NOON));
    ledger.commit(list.reservationId, undefined, NOON);
    const usage = ledger.markExhausted(undefined, NOON);
    expect(usage.buckets).toEqual({
      uploads: { limit: 100, used: 0, reserved: 0, remaining: 0, exhausted: true },
      searches: { limit: 100, used: 0, reserved: 0, remaining: 0, exhausted: true },
      units: { limit: 10_000, used: 1, reserved: 0, remaining: 0, exhausted: true },
    });
  });

  it("setLimits replaces the table's size for this account; null goes back to the table", () => {
    const { ledger } = newLedger();
    const upload = granted(ledger.reserve({ method: "videos.insert" }, "upload", undefined, NOON));
    ledger.commit(upload.reservationId, undefined, NOON);

    const raised = ledger.setLimits({ units: 50_000, uploads: 2 }, NOON);
    expect(raised.buckets.units).toMatchObject({ limit: 50_000, remaining: 50_000 });
    expect(raised.buckets.uploads).toMatchObject({ limit: 2, used: 1, remaining: 1 });

    const lowered = ledger.setLimits({ uploads: 0 }, NOON);
    expect(lowered.buckets.uploads).toMatchObject({ limit: 0, used: 1, remaining: 0 });

    const restored = ledger.setLimits({ uploads: null }, NOON);
    expect(restored.buckets.uploads).toMatchObject({ limit: 100, remaining: 99 });
    expect(restored.buckets.units).toMatchObject({ limit: 50_000 });
  });

  it("setModel pins an account to the legacy model: six uploads fit in 10,000 units", () => {
    const { ledger } = newLedger();
    expect(ledger.setModel("legacy", NOON)).toMatchObject({ model: "legacy" });
    const results = Array.from({ length: 10 }, (_, i) =>
      ledger.reserve({ method: "videos.insert" }, `upload ${i}`, undefined, NOON),
    );
    expect(results.filter((result) => result.granted)).toHaveLength(6);
    expect(results[6]).toMatchObject({ granted: false, bucket: "units", remaining: 400 });
    expect(ledger.usage(NOON).buckets).toEqual({
      units: { limit: 10_000, used: 0, reserved: 9_600, remaining: 400, exhausted: false },
    });
    expect(() => ledger.setLimits({ uploads: 5 }, NOON)).toThrow(/legacy quota model has no uploads bucket/);
    expect(ledger.setModel(null, NOON).model).toBe("buckets");
  });

  it("headroom says what remains and how many calls of each method fit", () => {
    const { ledger } = newLedger();
    granted(ledger.reserve({ costs: { units: 9_900 } }, "bulk", undefined, NOON));
    const headroom = ledger.headroom(NOON);
    expect(headroom.remaining).toEqual({ uploads: 100, searches: 100, units: 100 });
    expect(headroom.calls).toMatchObject({
      "videos.insert": 100,
      "search.list": 100,
      "thumbnails.set": 2,
      "captions.insert": 0,
      "videos.list": 100,
    });
  });
});
