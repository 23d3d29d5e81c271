import { z } from "zod";
import { nextPacificMidnight, type QuotaDay, quotaDayOf } from "./pacific-day";
import {
  type BucketAmounts,
  bucketsOf,
  type QuotaBucket,
  type QuotaConfig,
  type QuotaMethod,
  type QuotaModel,
  type QuotaTable,
  quotaBuckets,
  quotaMethods,
  quotaModels,
  quotaTableFor,
  totalOf,
} from "./youtube-quota-table";

/**
 * The quota ledger of one upload account: reservations against the daily buckets of its quota
 * table, settled by commit or refund, expired when abandoned, reset at Pacific midnight.
 *
 * It has no clock and no I/O of its own: every operation takes `now` and works on a synchronous
 * `QuotaLedgerStore`, so one operation runs start to end without yielding. The `YouTubeQuota`
 * Durable Object runs each operation inside one SQLite transaction, which makes it atomic; tests
 * drive it with any `now` they like. See docs/adr/0010-youtube-quota-ledger.md for the rules.
 */

/** An upload may sit in a queue and stream for a while before it settles. */
export const DEFAULT_RESERVATION_TTL_MS = 2 * 60 * 60 * 1000;
export const MAX_RESERVATION_TTL_MS = 24 * 60 * 60 * 1000;
/** Settled and expired reservations are kept this long so a redelivered commit or refund stays a no-op. */
export const CLOSED_RESERVATION_RETENTION_MS = 3 * 24 * 60 * 60 * 1000;

export type ReservationStatus = "open" | "committed" | "refunded" | "expired";

export interface ReservationRecord {
  id: string;
  purpose: string;
  /** What the reservation holds, per bucket (only buckets with a positive amount). */
  costs: BucketAmounts;
  createdAt: number;
  expiresAt: number;
  status: ReservationStatus;
  /** What the call really used, set when committed or refunded. */
  used: BucketAmounts | null;
  /** When it stopped being open (settled or expired). */
  closedAt: number | null;
}

/** Units used on one quota day and the buckets YouTube told us are spent that day. */
export interface DayCounters {
  day: QuotaDay;
  used: BucketAmounts;
  exhausted: QuotaBucket[];
}

/** Per-account settings an admin changes: a pinned quota model and absolute bucket sizes. */
export interface AccountQuotaSettings {
  model: QuotaModel | null;
  limits: BucketAmounts;
}

/** Synchronous storage of one ledger. The Durable Object implements it on SQLite. */
export interface QuotaLedgerStore {
  readDay(): DayCounters | null;
  writeDay(counters: DayCounters): void;
  readSettings(): AccountQuotaSettings;
  writeSettings(settings: AccountQuotaSettings): void;
  /** Open reservations, earliest expiry first. */
  openReservations(): ReservationRecord[];
  getReservation(id: string): ReservationRecord | null;
  /** Inserts or replaces by id. */
  putReservation(reservation: ReservationRecord): void;
  /** Forgets closed reservations that closed before `instant`. */
  deleteClosedBefore(instant: number): void;
  earliestOpenExpiry(): number | null;
}

export type ReserveRequest =
  | { method: QuotaMethod }
  /** Several calls held as one all-or-nothing reservation (an upload and its thumbnail). */
  | { methods: readonly QuotaMethod[] }
  | { costs: BucketAmounts };

export interface ReserveOptions {
  /** How long an unsettled reservation holds its units; default 2 hours. */
  ttlMs?: number;
}

export interface ReservationGranted {
  granted: true;
  reservationId: string;
  costs: BucketAmounts;
  expiresAt: number;
}

export interface ReservationRefused {
  granted: false;
  /** The first bucket (uploads, searches, units order) that cannot cover the request. */
  bucket: QuotaBucket;
  remaining: number;
  /** Next Pacific midnight: the latest moment the bucket has room again. */
  resetAt: number;
}

export type ReserveResult = ReservationGranted | ReservationRefused;

export type SettleResult =
  | {
      settled: true;
      reservationId: string;
      status: "committed" | "refunded";
      /** Charged to the current quota day. */
      used: BucketAmounts;
      /** Given back to the buckets now (nothing when late: expiry already gave everything back). */
      returned: BucketAmounts;
      /** The reservation had expired before it was settled. */
      late: boolean;
    }
  | {
      settled: false;
      reservationId: string;
      /** Already settled that way (a redelivered message), or not known (never existed or long pruned). */
      status: "committed" | "refunded" | "unknown";
    };

export interface BucketUsage {
  limit: number;
  used: number;
  reserved: number;
  remaining: number;
  /** YouTube said quotaExceeded for this bucket today. */
  exhausted: boolean;
}

export interface QuotaUsage {
  day: QuotaDay;
  resetAt: number;
  model: QuotaModel;
  buckets: Partial<Record<QuotaBucket, BucketUsage>>;
}

export interface QuotaHeadroom {
  day: QuotaDay;
  resetAt: number;
  model: QuotaModel;
  remaining: BucketAmounts;
  /** How many more calls of each method fit right now (each alone). */
  calls: Record<QuotaMethod, number>;
}

/** An unsettled reservation, for the admin screen: who holds how much until when. */
export interface OpenReservation {
  reservationId: string;
  purpose: string;
  costs: BucketAmounts;
  createdAt: number;
  expiresAt: number;
}

export interface ExpiryResult {
  expired: number;
  nextExpiry: number | null;
}

const amount = z.number().int().nonnegative().max(1_000_000_000);
const bucketAmountsSchema = z.partialRecord(z.enum(quotaBuckets), amount);
const reserveRequestSchemas = {
  method: z.strictObject({ method: z.enum(quotaMethods) }),
  methods: z.strictObject({ methods: z.array(z.enum(quotaMethods)).min(1).max(20) }),
  costs: z.strictObject({
    costs: bucketAmountsSchema.refine((costs) => totalOf(costs) > 0, "must draw at least 1 from some bucket"),
  }),
};
const purposeSchema = z.string().trim().min(1).max(200);
const reserveOptionsSchema = z
  .strictObject({ ttlMs: z.number().int().min(1).max(MAX_RESERVATION_TTL_MS).optional() })
  .optional();
const reservationIdSchema = z.string().min(1).max(100);
const limitsSchema = z.partialRecord(z.enum(quotaBuckets), amount.nullable());
const modelSchema = z.enum(quotaModels).nullable();
const bucketSchema = z.enum(quotaBuckets).optional();

/** Bad input from a caller is a TypeError: it crosses Durable Object RPC with its class and message. */
function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${[what, ...issue.path].join(".")}: ${issue.message}`);
  throw new TypeError(`invalid quota request: ${problems.join("; ")}`);
}

/** Picks the request form by its key, so an error names the fields of that form rather than "invalid union". */
function parseReserveRequest(request: unknown): ReserveRequest {
  if (typeof request === "object" && request !== null) {
    if ("method" in request) return parseInput(reserveRequestSchemas.method, request, "request");
    if ("methods" in request) return parseInput(reserveRequestSchemas.methods, request, "request");
    if ("costs" in request) return parseInput(reserveRequestSchemas.costs, request, "request");
  }
  throw new TypeError("invalid quota request: request: expected { method }, { methods } or { costs }");
}

function positiveOnly(amounts: BucketAmounts): BucketAmounts {
  const result: BucketAmounts = {};
  for (const bucket of quotaBuckets) {
    const value = amounts[bucket] ?? 0;
    if (value > 0) result[bucket] = value;
  }
  return result;
}

function sum(a: BucketAmounts, b: BucketAmounts): BucketAmounts {
  const result: BucketAmounts = {};
  for (const bucket of quotaBuckets) {
    const value = (a[bucket] ?? 0) + (b[bucket] ?? 0);
    if (value > 0) result[bucket] = value;
  }
  return result;
}

/** `a - b` per bucket, never below 0. */
function minus(a: BucketAmounts, b: BucketAmounts): BucketAmounts {
  const result: BucketAmounts = {};
  for (const bucket of quotaBuckets) {
    const value = (a[bucket] ?? 0) - (b[bucket] ?? 0);
    if (value > 0) result[bucket] = value;
  }
  return result;
}

function newReservationId(): string {
  return `qres_${crypto.randomUUID()}`;
}

interface LedgerState {
  counters: DayCounters;
  open: ReservationRecord[];
}

export class QuotaLedger {
  constructor(
    private readonly store: QuotaLedgerStore,
    private readonly config: QuotaConfig,
  ) {}

  /** Holds `request`'s units in every bucket it draws from, or refuses without holding anything. */
  reserve(request: ReserveRequest, purpose: string, options: ReserveOptions | undefined, now: number): ReserveResult {
    const parsed = parseReserveRequest(request);
    const label = parseInput(purposeSchema, purpose, "purpose");
    const ttlMs = parseInput(reserveOptionsSchema, options, "options")?.ttlMs ?? DEFAULT_RESERVATION_TTL_MS;
    const table = this.table();
    const costs = positiveOnly(this.costsOf(parsed, table));
    for (const bucket of quotaBuckets) {
      if ((costs[bucket] ?? 0) > 0 && table.limits[bucket] === undefined) {
        throw new TypeError(`invalid quota request: the ${table.model} quota model has no ${bucket} bucket`);
      }
    }

    const state = this.catchUp(now);
    const buckets = this.bucketUsage(state, table);
    for (const bucket of quotaBuckets) {
      const cost = costs[bucket] ?? 0;
      const usage = buckets[bucket];
      if (cost === 0 || !usage) continue;
      if (cost > usage.remaining) {
        return { granted: false, bucket, remaining: usage.remaining, resetAt: nextPacificMidnight(now) };
      }
    }

    const reservation: ReservationRecord = {
      id: newReservationId(),
      purpose: label,
      costs,
      createdAt: now,
      expiresAt: now + ttlMs,
      status: "open",
      used: null,
      closedAt: null,
    };
    this.store.putReservation(reservation);
    return { granted: true, reservationId: reservation.id, costs, expiresAt: reservation.expiresAt };
  }

  /** The call went through: charge `used` (default: everything reserved) and give back the rest. */
  commit(reservationId: string, used: BucketAmounts | undefined, now: number): SettleResult {
    const id = parseInput(reservationIdSchema, reservationId, "reservationId");
    const usedAmounts = used === undefined ? undefined : parseInput(bucketAmountsSchema, used, "used");
    return this.settle(id, "committed", (reservation) => usedAmounts ?? reservation.costs, now);
  }

  /**
   * The call failed: give back `unused` (default: everything). YouTube charges invalid requests
   * too, so a caller whose request reached YouTube says what it did not use.
   */
  refund(reservationId: string, unused: BucketAmounts | undefined, now: number): SettleResult {
    const id = parseInput(reservationIdSchema, reservationId, "reservationId");
    const unusedAmounts = unused === undefined ? undefined : parseInput(bucketAmountsSchema, unused, "unused");
    return this.settle(
      id,
      "refunded",
      (reservation) => minus(reservation.costs, unusedAmounts ?? reservation.costs),
      now,
    );
  }

  /** Returns the units of reservations abandoned past their expiry (the Durable Object's alarm). */
  expire(now: number): ExpiryResult {
    const before = this.store.openReservations().length;
    const state = this.catchUp(now);
    return { expired: before - state.open.length, nextExpiry: this.nextExpiry() };
  }

  /** YouTube answered quotaExceeded although our count had room: `bucket` (default: all) is spent until reset. */
  markExhausted(bucket: QuotaBucket | undefined, now: number): QuotaUsage {
    const target = parseInput(bucketSchema, bucket, "bucket");
    const table = this.table();
    if (target !== undefined && table.limits[target] === undefined) {
      throw new TypeError(`invalid quota request: the ${table.model} quota model has no ${target} bucket`);
    }
    const state = this.catchUp(now);
    const marked = new Set(state.counters.exhausted);
    for (const each of target === undefined ? bucketsOf(table) : [target]) marked.add(each);
    state.counters = { ...state.counters, exhausted: quotaBuckets.filter((each) => marked.has(each)) };
    this.store.writeDay(state.counters);
    return this.usageOf(state, table, now);
  }

  /**
   * Per-account bucket sizes (Google grants extensions per project). A number replaces the table's
   * size for this account; null goes back to the table.
   */
  setLimits(limits: Partial<Record<QuotaBucket, number | null>>, now: number): QuotaUsage {
    const changes = parseInput(limitsSchema, limits, "limits");
    const settings = this.store.readSettings();
    const table = quotaTableFor(this.config, settings.model);
    const next: BucketAmounts = { ...settings.limits };
    for (const bucket of quotaBuckets) {
      const change = changes[bucket];
      if (change === undefined) continue;
      if (table.limits[bucket] === undefined) {
        throw new TypeError(`invalid quota request: the ${table.model} quota model has no ${bucket} bucket`);
      }
      if (change === null) delete next[bucket];
      else next[bucket] = change;
    }
    this.store.writeSettings({ ...settings, limits: next });
    return this.usage(now);
  }

  /** Pins this account to a quota model (null: follow `YOUTUBE_QUOTA_MODEL`). */
  setModel(model: QuotaModel | null, now: number): QuotaUsage {
    const pinned = parseInput(modelSchema, model, "model");
    quotaTableFor(this.config, pinned); // a bad deployment table fails here, before anything is written
    this.store.writeSettings({ ...this.store.readSettings(), model: pinned });
    return this.usage(now);
  }

  usage(now: number): QuotaUsage {
    const table = this.table();
    return this.usageOf(this.catchUp(now), table, now);
  }

  headroom(now: number): QuotaHeadroom {
    const table = this.table();
    const usage = this.usageOf(this.catchUp(now), table, now);
    const remaining: BucketAmounts = {};
    for (const bucket of bucketsOf(table)) remaining[bucket] = usage.buckets[bucket]?.remaining ?? 0;
    const calls = {} as Record<QuotaMethod, number>;
    for (const method of quotaMethods) {
      let fits = Number.MAX_SAFE_INTEGER;
      for (const [bucket, cost] of Object.entries(table.costs[method]) as [QuotaBucket, number][]) {
        if (cost > 0) fits = Math.min(fits, Math.floor((remaining[bucket] ?? 0) / cost));
      }
      calls[method] = fits;
    }
    return { day: usage.day, resetAt: usage.resetAt, model: usage.model, remaining, calls };
  }

  openReservations(now: number): OpenReservation[] {
    return this.catchUp(now).open.map((reservation) => ({
      reservationId: reservation.id,
      purpose: reservation.purpose,
      costs: reservation.costs,
      createdAt: reservation.createdAt,
      expiresAt: reservation.expiresAt,
    }));
  }

  /** When the earliest open reservation expires, for the alarm. */
  nextExpiry(): number | null {
    return this.store.earliestOpenExpiry();
  }

  private settle(
    id: string,
    status: "committed" | "refunded",
    usedBy: (reservation: ReservationRecord) => BucketAmounts,
    now: number,
  ): SettleResult {
    const state = this.catchUp(now);
    const reservation = this.store.getReservation(id);
    if (!reservation) return { settled: false, reservationId: id, status: "unknown" };
    if (reservation.status === "committed" || reservation.status === "refunded") {
      return { settled: false, reservationId: id, status: reservation.status };
    }
    // Units count against the day the reservation settles in, even if it opened the day before:
    // the call may have reached YouTube after midnight, and over-counting is the safe error.
    const used = positiveOnly(usedBy(reservation));
    const late = reservation.status === "expired";
    const returned = late ? {} : minus(reservation.costs, used);
    state.counters = { ...state.counters, used: sum(state.counters.used, used) };
    this.store.writeDay(state.counters);
    this.store.putReservation({ ...reservation, status, used, closedAt: now });
    return { settled: true, reservationId: id, status, used, returned, late };
  }

  /**
   * Brings the ledger to `now`: starts a new quota day at Pacific midnight (used counters and
   * exhausted marks reset; open reservations keep holding their units) and expires abandoned
   * reservations. Every operation starts here, so correctness never waits for the alarm.
   */
  private catchUp(now: number): LedgerState {
    const today = quotaDayOf(now);
    let counters = this.store.readDay();
    // Days only move forward: a clock that steps back does not hand out a spent day again.
    if (!counters || counters.day < today) {
      counters = { day: today, used: {}, exhausted: [] };
      this.store.writeDay(counters);
      this.store.deleteClosedBefore(now - CLOSED_RESERVATION_RETENTION_MS);
    }
    const open: ReservationRecord[] = [];
    for (const reservation of this.store.openReservations()) {
      if (reservation.expiresAt <= now) {
        this.store.putReservation({ ...reservation, status: "expired", closedAt: now });
      } else {
        open.push(reservation);
      }
    }
    return { counters, open };
  }

  private table(): QuotaTable {
    const settings = this.store.readSettings();
    const table = quotaTableFor(this.config, settings.model);
    const limits: BucketAmounts = {};
    for (const bucket of bucketsOf(table)) limits[bucket] = settings.limits[bucket] ?? table.limits[bucket];
    return { ...table, limits };
  }

  private costsOf(request: ReserveRequest, table: QuotaTable): BucketAmounts {
    if ("method" in request) return table.costs[request.method];
    if ("methods" in request)
      return request.methods.reduce<BucketAmounts>((total, m) => sum(total, table.costs[m]), {});
    return request.costs;
  }

  private bucketUsage(state: LedgerState, table: QuotaTable): Partial<Record<QuotaBucket, BucketUsage>> {
    const reserved = state.open.reduce<BucketAmounts>((total, reservation) => sum(total, reservation.costs), {});
    const buckets: Partial<Record<QuotaBucket, BucketUsage>> = {};
    for (const bucket of bucketsOf(table)) {
      const limit = table.limits[bucket] ?? 0;
      const used = state.counters.used[bucket] ?? 0;
      const held = reserved[bucket] ?? 0;
      const exhausted = state.counters.exhausted.includes(bucket);
      const remaining = exhausted ? 0 : Math.max(0, limit - used - held);
      buckets[bucket] = { limit, used, reserved: held, remaining, exhausted };
    }
    return buckets;
  }

  private usageOf(state: LedgerState, table: QuotaTable, now: number): QuotaUsage {
    return {
      day: state.counters.day,
      resetAt: nextPacificMidnight(now),
      model: table.model,
      buckets: this.bucketUsage(state, table),
    };
  }
}
