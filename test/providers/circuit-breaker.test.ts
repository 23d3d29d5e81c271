import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type BreakerSettings, defaultBreakerSettings } from "../../durable-objects/circuit-breaker";

const settings: BreakerSettings = {
  ...defaultBreakerSettings,
  failureThreshold: 3,
  coolDownMs: 150,
  probeLeaseMs: 1_000,
};
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function breaker() {
  return env.CIRCUIT_BREAKER.get(env.CIRCUIT_BREAKER.idFromName(`test:${crypto.randomUUID()}`));
}

describe("CircuitBreaker", () => {
  it("opens after N consecutive failures, refuses during the cool-down, half-opens one probe, closes on success", async () => {
    const stub = breaker();
    expect((await stub.admit(settings)).allowed).toBe(true);
    await stub.recordFailure(settings);
    await stub.recordFailure(settings);
    expect((await stub.status(settings)).state).toBe("closed");
    const opened = await stub.recordFailure(settings);
    expect(opened.state).toBe("open");
    expect(opened.openUntil).toBeGreaterThan(Date.now());

    const refused = await stub.admit(settings);
    expect(refused).toMatchObject({ allowed: false, state: "open" });
    expect(refused.retryAt).toBe(opened.openUntil);

    await wait(settings.coolDownMs + 20);
    const probe = await stub.admit(settings);
    expect(probe).toMatchObject({ allowed: true, probe: true, state: "half_open" });
    // Only one probe at a time.
    expect(await stub.admit(settings)).toMatchObject({ allowed: false, state: "half_open" });

    const closed = await stub.recordSuccess(settings);
    expect(closed).toMatchObject({ state: "closed", consecutiveFailures: 0, timesOpened: 1 });
    expect((await stub.admit(settings)).allowed).toBe(true);
  });

  it("a failed probe opens it again for another cool-down", async () => {
    const stub = breaker();
    for (let i = 0; i < 3; i++) await stub.recordFailure(settings);
    await wait(settings.coolDownMs + 20);
    expect((await stub.admit(settings)).probe).toBe(true);
    const reopened = await stub.recordFailure(settings);
    expect(reopened).toMatchObject({ state: "open", timesOpened: 2 });
    expect((await stub.admit(settings)).allowed).toBe(false);
  });

  it("a success resets the consecutive count", async () => {
    const stub = breaker();
    await stub.recordFailure(settings);
    await stub.recordFailure(settings);
    await stub.recordSuccess(settings);
    await stub.recordFailure(settings);
    await stub.recordFailure(settings);
    expect(await stub.status(settings)).toMatchObject({ state: "closed", consecutiveFailures: 2 });
  });

  it("opens on a failure rate over the window even without a long streak", async () => {
    const stub = breaker();
    const rate: BreakerSettings = { ...settings, failureThreshold: 100, minCallsInWindow: 10, failureRatePercent: 50 };
    let state = "closed";
    for (let i = 0; i < 10 && state === "closed"; i++) {
      // alternate: success, failure, success, failure...
      state = (i % 2 === 0 ? await stub.recordSuccess(rate) : await stub.recordFailure(rate)).state;
    }
    expect(state).toBe("open");
    expect((await stub.status(rate)).timesOpened).toBe(1);
  });

  it("a probe that never reports back frees the slot after its lease", async () => {
    const stub = breaker();
    const short = { ...settings, probeLeaseMs: 100 };
    for (let i = 0; i < 3; i++) await stub.recordFailure(short);
    await wait(short.coolDownMs + 20);
    expect((await stub.admit(short)).probe).toBe(true);
    expect((await stub.admit(short)).allowed).toBe(false);
    await wait(short.probeLeaseMs + 20);
    expect((await stub.admit(short)).probe).toBe(true);
  });

  it("state survives in storage and reset closes it", async () => {
    const stub = breaker();
    for (let i = 0; i < 3; i++) await stub.recordFailure(settings);
    const stored = await runInDurableObject(stub, (_instance, state) =>
      state.storage.kv.get<{ state: string }>("breaker"),
    );
    expect(stored?.state).toBe("open");
    expect(await stub.reset()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    expect((await stub.admit(settings)).allowed).toBe(true);
  });
});
