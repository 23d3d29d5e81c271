import { DurableObject } from "cloudflare:workers";
import { type Env, getConfig } from "../src/env";
import type { QuotaDay } from "../src/lib/pacific-day";
import {
  type AccountQuotaSettings,
  type DayCounters,
  type OpenReservation,
  type QuotaHeadroom,
  QuotaLedger,
  type QuotaLedgerStore,
  type QuotaUsage,
  type ReservationRecord,
  type ReservationStatus,
  type ReserveOptions,
  type ReserveRequest,
  type ReserveResult,
  type SettleResult,
} from "../src/lib/quota-ledger";
import type { BucketAmounts, QuotaBucket, QuotaModel } from "../src/lib/youtube-quota-table";

// The RPC contract in one import for callers (channels, pipeline, admin).
export type {
  BucketUsage,
  OpenReservation,
  QuotaHeadroom,
  QuotaUsage,
  ReservationGranted,
  ReservationRefused,
  ReserveOptions,
  ReserveRequest,
  ReserveResult,
  SettleResult,
} from "../src/lib/quota-ledger";
export type { BucketAmounts, QuotaBucket, QuotaMethod, QuotaModel } from "../src/lib/youtube-quota-table";

/** The quota object of one upload account, addressed by the account's id. */
export function youtubeQuotaOf(env: Pick<Env, "YOUTUBE_QUOTA">, accountId: string): DurableObjectStub<YouTubeQuota> {
  return env.YOUTUBE_QUOTA.get(env.YOUTUBE_QUOTA.idFromName(accountId));
}

/**
 * YouTube quota of one upload account (one Google Cloud project), addressed by `youtubeQuotaOf`.
 *
 * Every method runs its ledger operation inside one synchronous SQLite transaction
 * (`ctx.storage.transactionSync`), with no await between reading the counters and writing them, so
 * concurrent callers are served one after the other and a bucket is never overspent
 * (https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/). The alarm is set to the
 * earliest open reservation's expiry and hands abandoned units back. Rules:
 * docs/adr/0010-youtube-quota-ledger.md.
 */
export class YouTubeQuota extends DurableObject<Env> {
  private readonly store: SqlQuotaLedgerStore;
  /** The alarm time this instance last set (undefined: not known since it woke up). */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SqlQuotaLedgerStore(ctx.storage.sql);
  }

  /** Grants all of `request` or nothing: `{ granted: true, reservationId, costs, expiresAt }` or a refusal. */
  reserve(request: ReserveRequest, purpose: string, options?: ReserveOptions): ReserveResult {
    return this.run((ledger, now) => ledger.reserve(request, purpose, options, now));
  }

  /** The call succeeded: charges `used` (default: all reserved), returns the rest. Idempotent. */
  commit(reservationId: string, used?: BucketAmounts): SettleResult {
    return this.run((ledger, now) => ledger.commit(reservationId, used, now));
  }

  /** The call failed: returns `unused` (default: all reserved), charges the rest. Idempotent. */
  refund(reservationId: string, unused?: BucketAmounts): SettleResult {
    return this.run((ledger, now) => ledger.refund(reservationId, unused, now));
  }

  usage(): QuotaUsage {
    return this.run((ledger, now) => ledger.usage(now));
  }

  /** Remaining units per bucket and how many calls of each method still fit, for account selection. */
  headroom(): QuotaHeadroom {
    return this.run((ledger, now) => ledger.headroom(now));
  }

  /** Unsettled reservations, earliest expiry first: who holds this account's quota and until when. */
  openReservations(): OpenReservation[] {
    return this.run((ledger, now) => ledger.openReservations(now));
  }

  /** YouTube answered quotaExceeded: `bucket` (default: every bucket) is spent until Pacific midnight. */
  markExhausted(bucket?: QuotaBucket): QuotaUsage {
    return this.run((ledger, now) => ledger.markExhausted(bucket, now));
  }

  /** Per-account bucket sizes replacing the configured table's (null: back to the table). */
  setLimits(limits: Partial<Record<QuotaBucket, number | null>>): QuotaUsage {
    return this.run((ledger, now) => ledger.setLimits(limits, now));
  }

  /** Pins this account to a quota model (null: follow YOUTUBE_QUOTA_MODEL). */
  setModel(model: QuotaModel | null): QuotaUsage {
    return this.run((ledger, now) => ledger.setModel(model, now));
  }

  override alarm(): void {
    // The runtime consumed the alarm that woke us: whatever is still open needs a new one.
    this.alarmAt = undefined;
    this.run((ledger, now) => ledger.expire(now));
  }

  private run<T>(operation: (ledger: QuotaLedger, now: number) => T): T {
    const ledger = new QuotaLedger(this.store, getConfig(this.env));
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() => operation(ledger, now));
    this.scheduleExpiryAlarm(ledger.nextExpiry());
    return result;
  }

  private scheduleExpiryAlarm(at: number | null): void {
    if (at === this.alarmAt) return;
    this.alarmAt = at;
    // Not awaited on purpose: the output gate holds our reply until the alarm write is durable.
    if (at === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(at);
  }
}

type SqlRow = Record<string, SqlStorageValue>;

interface ReservationRow extends SqlRow {
  id: string;
  purpose: string;
  costs: string;
  created_at: number;
  expires_at: number;
  status: string;
  used: string | null;
  closed_at: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS quota_day (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    day TEXT NOT NULL,
    used TEXT NOT NULL,
    exhausted TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS quota_settings (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    model TEXT,
    limits TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS quota_reservations (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    costs TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    used TEXT,
    closed_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS quota_reservations_by_status_expiry ON quota_reservations (status, expires_at);
  CREATE INDEX IF NOT EXISTS quota_reservations_by_closed_at ON quota_reservations (closed_at);
`;

/** The ledger's storage in the object's SQLite database. Amount maps are small JSON objects. */
export class SqlQuotaLedgerStore implements QuotaLedgerStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  readDay(): DayCounters | null {
    const row = this.sql
      .exec<{ day: string; used: string; exhausted: string }>("SELECT day, used, exhausted FROM quota_day")
      .toArray()[0];
    if (!row) return null;
    return {
      day: row.day as QuotaDay,
      used: JSON.parse(row.used) as BucketAmounts,
      exhausted: JSON.parse(row.exhausted) as QuotaBucket[],
    };
  }

  writeDay(counters: DayCounters): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO quota_day (singleton, day, used, exhausted) VALUES (1, ?, ?, ?)",
      counters.day,
      JSON.stringify(counters.used),
      JSON.stringify(counters.exhausted),
    );
  }

  readSettings(): AccountQuotaSettings {
    const row = this.sql
      .exec<{ model: string | null; limits: string }>("SELECT model, limits FROM quota_settings")
      .toArray()[0];
    if (!row) return { model: null, limits: {} };
    return { model: row.model as QuotaModel | null, limits: JSON.parse(row.limits) as BucketAmounts };
  }

  writeSettings(settings: AccountQuotaSettings): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO quota_settings (singleton, model, limits) VALUES (1, ?, ?)",
      settings.model,
      JSON.stringify(settings.limits),
    );
  }

  openReservations(): ReservationRecord[] {
    return this.sql
      .exec<ReservationRow>("SELECT * FROM quota_reservations WHERE status = 'open' ORDER BY expires_at, id")
      .toArray()
      .map(toReservation);
  }

  getReservation(id: string): ReservationRecord | null {
    const row = this.sql.exec<ReservationRow>("SELECT * FROM quota_reservations WHERE id = ?", id).toArray()[0];
    return row ? toReservation(row) : null;
  }

  putReservation(reservation: ReservationRecord): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO quota_reservations (id, purpose, costs, created_at, expires_at, status, used, closed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      reservation.id,
      reservation.purpose,
      JSON.stringify(reservation.costs),
      reservation.createdAt,
      reservation.expiresAt,
      reservation.status,
      reservation.used === null ? null : JSON.stringify(reservation.used),
      reservation.closedAt,
    );
  }

  deleteClosedBefore(instant: number): void {
    this.sql.exec("DELETE FROM quota_reservations WHERE status <> 'open' AND closed_at < ?", instant);
  }

  earliestOpenExpiry(): number | null {
    const row = this.sql
      .exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM quota_reservations WHERE status = 'open'")
      .one();
    return row.at;
  }
}

function toReservation(row: ReservationRow): ReservationRecord {
  return {
    id: row.id,
    purpose: row.purpose,
    costs: JSON.parse(row.costs) as BucketAmounts,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status as ReservationStatus,
    used: row.used === null ? null : (JSON.parse(row.used) as BucketAmounts),
    closedAt: row.closed_at,
  };
}
