import type { Admission, BreakerSettings, BreakerSnapshot } from "../../durable-objects/circuit-breaker";
import type { Env } from "../env";
import type { Logger } from "../lib/logger";
import { ProviderError, type ProviderName } from "./errors";

/**
 * The Worker side of the shared circuit breaker (durable-objects/circuit-breaker.ts, ADR 0006).
 *
 * Hot path: while a breaker is known to be open, this isolate refuses calls from memory until the
 * "open until" instant, without a round trip to the object. Otherwise each call costs one `admit`
 * and one `record*` RPC. If the object cannot be reached the breaker fails open (the call goes
 * ahead): it protects upstreams and our latency, it must never become an outage of its own.
 */

/** `openUntil` per breaker name, as last seen by this isolate. */
const openUntilByName = new Map<string, number>();

export interface BreakerHandle {
  /** Throws ProviderError `circuit_open` when the breaker refuses the call. */
  admit(): Promise<void>;
  /** The upstream answered: success, or a failure that is not an outage. */
  recordSuccess(): Promise<void>;
  /** A transient failure. */
  recordFailure(): Promise<void>;
}

export function breakerFor(
  env: Env,
  provider: ProviderName,
  name: string,
  settings: BreakerSettings,
  logger?: Logger,
): BreakerHandle {
  const stub = () => env.CIRCUIT_BREAKER.get(env.CIRCUIT_BREAKER.idFromName(name));
  const remember = (snapshot: BreakerSnapshot) => {
    if (snapshot.state === "open") openUntilByName.set(name, snapshot.openUntil);
    else openUntilByName.delete(name);
  };
  const refused = (retryAt: number) =>
    new ProviderError({
      provider,
      disposition: "retry",
      code: "circuit_open",
      retryAfterMs: Math.max(0, retryAt - Date.now()),
      message: "circuit breaker open: the upstream has been failing; not calling it until the cool-down ends",
    });
  const unreachable = (error: unknown) =>
    logger?.warn("circuit_breaker_unreachable", {
      provider,
      error_message: error instanceof Error ? error.message : String(error),
    });

  return {
    async admit() {
      const cachedUntil = openUntilByName.get(name);
      if (cachedUntil !== undefined && Date.now() < cachedUntil) throw refused(cachedUntil);
      let admission: Admission;
      try {
        admission = await stub().admit(settings);
      } catch (error) {
        unreachable(error);
        return;
      }
      if (admission.allowed) {
        openUntilByName.delete(name);
        return;
      }
      if (admission.state === "open") openUntilByName.set(name, admission.retryAt);
      throw refused(admission.retryAt);
    },
    async recordSuccess() {
      try {
        remember(await stub().recordSuccess(settings));
      } catch (error) {
        unreachable(error);
      }
    },
    async recordFailure() {
      try {
        remember(await stub().recordFailure(settings));
      } catch (error) {
        unreachable(error);
      }
    },
  };
}
