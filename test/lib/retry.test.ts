import { describe, expect, it } from "vitest";
import { fullJitterDelay, nextDelay, parseRetryAfter, type RetryPolicy, retry } from "../../src/lib/retry";

const policy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 5_000,
  deadlineMs: 10_000,
};

describe("full jitter", () => {
  it("draws uniformly below min(cap, base * 2^n)", () => {
    expect(fullJitterDelay(0, policy, () => 0.999)).toBe(99);
    expect(fullJitterDelay(1, policy, () => 0.5)).toBe(100);
    expect(fullJitterDelay(3, policy, () => 0.5)).toBe(400);
    // 100 * 2^5 = 3,200 is capped at 1,000
    expect(fullJitterDelay(5, policy, () => 0.999)).toBe(999);
    expect(fullJitterDelay(2, policy, () => 0)).toBe(0);
  });

  it("spreads retries: many draws cover the range", () => {
    const draws = Array.from({ length: 500 }, () => fullJitterDelay(3, policy));
    expect(Math.min(...draws)).toBeLessThan(100);
    expect(Math.max(...draws)).toBeGreaterThan(700);
    expect(draws.every((d) => d >= 0 && d < 800)).toBe(true);
  });
});

describe("nextDelay", () => {
  const half = () => 0.5;
  it("stops on a non-retryable failure and after the last attempt", () => {
    expect(nextDelay(1, { retry: false }, policy, 0, half)).toBeNull();
    expect(nextDelay(4, { retry: true }, policy, 0, half)).toBeNull();
    expect(nextDelay(3, { retry: true }, policy, 0, half)).toBe(200);
  });

  it("honours Retry-After as a floor", () => {
    expect(nextDelay(1, { retry: true, retryAfterMs: 2_000 }, policy, 0, half)).toBe(2_000);
    expect(nextDelay(1, { retry: true, retryAfterMs: 10 }, policy, 0, half)).toBe(50);
  });

  it("gives up on a Retry-After over the cap, or a wait that would cross the deadline", () => {
    expect(nextDelay(1, { retry: true, retryAfterMs: 5_001 }, policy, 0, half)).toBeNull();
    expect(nextDelay(1, { retry: true, retryAfterMs: 3_000 }, policy, 7_500, half)).toBeNull();
    expect(nextDelay(1, { retry: true, retryAfterMs: 3_000 }, policy, 6_000, half)).toBe(3_000);
  });
});

describe("retry", () => {
  it("retries transient failures with backoff, then returns the success", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error(`transient ${attempt}`);
        return "ok";
      },
      policy,
      { classify: () => ({ retry: true }), sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(waits).toEqual([50, 100]);
  });

  it("throws the last failure unchanged when attempts run out", async () => {
    let calls = 0;
    const failure = retry(
      async (attempt) => {
        calls++;
        throw new Error(`boom ${attempt}`);
      },
      policy,
      { classify: () => ({ retry: true }), sleep: async () => {} },
    );
    await expect(failure).rejects.toThrow("boom 4");
    expect(calls).toBe(4);
  });

  it("does not retry what the classifier refuses", async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error("bad request");
        },
        policy,
        { classify: () => ({ retry: false }), sleep: async () => {} },
      ),
    ).rejects.toThrow("bad request");
    expect(calls).toBe(1);
  });

  it("passes each attempt the time left before the deadline", async () => {
    let clock = 0;
    const remaining: number[] = [];
    await retry(
      async (attempt, left) => {
        remaining.push(left);
        clock += 3_000;
        if (attempt < 2) throw new Error("slow");
        return 1;
      },
      policy,
      {
        classify: () => ({ retry: true }),
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => clock,
        random: () => 0,
      },
    );
    expect(remaining).toEqual([10_000, 7_000]);
  });

  it("really sleeps between attempts by default", async () => {
    const started = Date.now();
    await retry(
      async (attempt) => {
        if (attempt === 1) throw new Error("once");
        return true;
      },
      { ...policy, baseDelayMs: 1 },
      { classify: () => ({ retry: true, retryAfterMs: 60 }) },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });
});

describe("parseRetryAfter", () => {
  it("reads retry-after-ms, delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "1500" }))).toBe(1_500);
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "20", "retry-after": "9" }))).toBe(20);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }))).toBe(2_000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.5" }))).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), now)).toBe(30_000);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});
