import { DurableObject } from "cloudflare:workers";

/**
 * Circuit breaker of one upstream provider, shared by every Worker instance: one object per provider
 * (`idFromName("openai")`), see docs/adr/0006-circuit-breaker-in-a-durable-object.md.
 *
 * closed --(N consecutive failures, or a failure rate over a window)--> open
 * open --(cool-down elapsed, next admit)--> half_open: exactly one probe is let through
 * half_open --(success)--> closed;  half_open --(failure)--> open for another cool-down
 *
 * State lives in the SQLite-backed synchronous KV (`ctx.storage.kv`), so every method reads and
 * writes without an `await` in between: each RPC is atomic with respect to the others.
 * Callers report only transient (`retry`-class) failures; a content filter is not an outage.
 */

export interface BreakerSettings {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses calls before letting a probe through, in ms. */
  coolDownMs: number;
  /** Sliding window of the failure-rate rule, in ms. */
  windowMs: number;
  /** Calls the window needs before the rate rule applies (a few calls prove nothing). */
  minCallsInWindow: number;
  /** Failure rate, in percent, that opens the breaker once the window has enough calls. */
  failureRatePercent: number;
  /** A probe that never reports back frees the half-open slot after this long, in ms. */
  probeLeaseMs: number;
}

export const defaultBreakerSettings: BreakerSettings = {
  failureThreshold: 5,
  coolDownMs: 30_000,
  windowMs: 60_000,
  minCallsInWindow: 20,
  failureRatePercent: 50,
  probeLeaseMs: 60_000,
};

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets the next probe through (ms since epoch); 0 unless open. */
  openUntil: number;
  /** Calls and failures counted in the current window. */
  windowCalls: number;
  windowFailures: number;
  /** Times the breaker has opened since the object was created or reset. */
  timesOpened: number;
  changedAt: number;
}

export interface Admission {
  allowed: boolean;
  /** True when this call is the half-open probe whose outcome decides the state. */
  probe: boolean;
  state: BreakerState;
  /** When refused: when to come back (ms since epoch). */
  retryAt: number;
}

interface Stored {
  state: BreakerState;
  consecutiveFailures: number;
  openUntil: number;
  probeUntil: number;
  timesOpened: number;
  changedAt: number;
  /** Window buckets: [bucket start ms, calls, failures], oldest first. */
  buckets: [number, number, number][];
}

const KEY = "breaker";
const BUCKETS_PER_WINDOW = 10;

function initial(now: number): Stored {
  return {
    state: "closed",
    consecutiveFailures: 0,
    openUntil: 0,
    probeUntil: 0,
    timesOpened: 0,
    changedAt: now,
    buckets: [],
  };
}

export class CircuitBreaker extends DurableObject {
  /** May this call go to the upstream now? Moves open -> half_open when the cool-down is over. */
  admit(settings: BreakerSettings = defaultBreakerSettings): Admission {
    const now = Date.now();
    const s = this.load(now);
    if (s.state === "closed") return { allowed: true, probe: false, state: s.state, retryAt: 0 };
    if (s.state === "open" && now < s.openUntil) {
      return { allowed: false, probe: false, state: s.state, retryAt: s.openUntil };
    }
    if (s.state === "half_open" && now < s.probeUntil) {
      return { allowed: false, probe: false, state: s.state, retryAt: s.probeUntil };
    }
    // Cool-down over (or the previous probe's lease expired): this caller is the one probe.
    s.state = "half_open";
    s.probeUntil = now + settings.probeLeaseMs;
    s.changedAt = now;
    this.save(s);
    return { allowed: true, probe: true, state: s.state, retryAt: 0 };
  }

  /** The upstream answered (or failed in a way that is not an outage). Closes a half-open breaker. */
  recordSuccess(settings: BreakerSettings = defaultBreakerSettings): BreakerSnapshot {
    const now = Date.now();
    const s = this.load(now);
    if (s.state === "open") return this.snapshot(s, now, settings); // a late answer from before it opened
    if (s.state === "half_open") {
      s.state = "closed";
      s.buckets = [];
      s.changedAt = now;
    }
    s.consecutiveFailures = 0;
    this.count(s, now, settings, false);
    this.save(s);
    return this.snapshot(s, now, settings);
  }

  /** A transient failure (5xx, timeout, network, rate limit after retries). May open the breaker. */
  recordFailure(settings: BreakerSettings = defaultBreakerSettings): BreakerSnapshot {
    const now = Date.now();
    const s = this.load(now);
    if (s.state === "open") return this.snapshot(s, now, settings);
    if (s.state === "half_open") {
      this.open(s, now, settings);
    } else {
      s.consecutiveFailures += 1;
      const { calls, failures } = this.count(s, now, settings, true);
      const rateTripped = calls >= settings.minCallsInWindow && failures * 100 >= settings.failureRatePercent * calls;
      if (s.consecutiveFailures >= settings.failureThreshold || rateTripped) this.open(s, now, settings);
    }
    this.save(s);
    return this.snapshot(s, now, settings);
  }

  /** The current state, for health pages and tests. */
  status(settings: BreakerSettings = defaultBreakerSettings): BreakerSnapshot {
    const now = Date.now();
    return this.snapshot(this.load(now), now, settings);
  }

  /** Back to closed with empty counters (an operator's override). */
  reset(): BreakerSnapshot {
    const now = Date.now();
    const s = initial(now);
    this.save(s);
    return this.snapshot(s, now, defaultBreakerSettings);
  }

  private open(s: Stored, now: number, settings: BreakerSettings) {
    s.state = "open";
    s.openUntil = now + settings.coolDownMs;
    s.probeUntil = 0;
    s.timesOpened += 1;
    s.changedAt = now;
    s.buckets = [];
  }

  /** Adds one outcome to the window and returns the window's totals. */
  private count(s: Stored, now: number, settings: BreakerSettings, failed: boolean) {
    const width = Math.max(1, Math.floor(settings.windowMs / BUCKETS_PER_WINDOW));
    const start = now - (now % width);
    s.buckets = s.buckets.filter(([at]) => at > now - settings.windowMs);
    let bucket = s.buckets[s.buckets.length - 1];
    if (!bucket || bucket[0] !== start) {
      bucket = [start, 0, 0];
      s.buckets.push(bucket);
    }
    bucket[1] += 1;
    if (failed) bucket[2] += 1;
    return this.totals(s, now, settings);
  }

  private totals(s: Stored, now: number, settings: BreakerSettings) {
    let calls = 0;
    let failures = 0;
    for (const [at, c, f] of s.buckets) {
      if (at <= now - settings.windowMs) continue;
      calls += c;
      failures += f;
    }
    return { calls, failures };
  }

  private snapshot(s: Stored, now: number, settings: BreakerSettings): BreakerSnapshot {
    const { calls, failures } = this.totals(s, now, settings);
    return {
      state: s.state,
      consecutiveFailures: s.consecutiveFailures,
      openUntil: s.state === "open" ? s.openUntil : 0,
      windowCalls: calls,
      windowFailures: failures,
      timesOpened: s.timesOpened,
      changedAt: s.changedAt,
    };
  }

  private load(now: number): Stored {
    return this.ctx.storage.kv.get<Stored>(KEY) ?? initial(now);
  }

  private save(s: Stored) {
    this.ctx.storage.kv.put(KEY, s);
  }
}
