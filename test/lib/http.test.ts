import { describe, expect, it } from "vitest";
import { UpstreamTimeoutError, withDeadline } from "../../src/lib/http";

describe("withDeadline", () => {
  it("returns the operation's value when it finishes in time", async () => {
    await expect(withDeadline(200, async () => 42)).resolves.toBe(42);
  });

  it("rejects at the deadline even when the operation ignores its signal", async () => {
    let aborted = false;
    const started = Date.now();
    const never = withDeadline(50, (signal) => {
      signal.addEventListener("abort", () => {
        aborted = true;
      });
      return new Promise<never>(() => {});
    });
    await expect(never).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("passes the operation's own failure through", async () => {
    await expect(withDeadline(200, async () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
  });

  it("a parent signal aborts the operation", async () => {
    const parent = new AbortController();
    const pending = withDeadline(5_000, () => new Promise<never>(() => {}), parent.signal);
    parent.abort(new Error("caller gave up"));
    await expect(pending).rejects.toThrow("caller gave up");
  });
});
