import { env } from "cloudflare:workers";
import { type ProviderContext, type ProviderOptions, providerContext } from "../../src/providers/call";
import { emulator, type FaultSpec, type Upstream } from "../emulator";

/**
 * What the provider suites share: the emulator's control API (test/emulator.ts) and provider contexts
 * with short waits and a breaker of their own, so tests stay fast and independent. Each suite calls
 * clearFaultsAfterEach(); faults are also bounded by `times`.
 */

export const injectFault = (spec: FaultSpec) => emulator.addFault(spec);

export async function countRequests(upstream: Upstream, pathIncludes?: string): Promise<number> {
  return (await emulator.requests({ upstream, pathIncludes })).length;
}

/** Short waits, a breaker of its own (unique scope), and options on top. */
export function testContext(options: ProviderOptions = {}): ProviderContext {
  return providerContext(env, {
    timeoutMs: 3_000,
    breakerScope: crypto.randomUUID(),
    ...options,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000, deadlineMs: 15_000, ...options.retry },
    breaker: { coolDownMs: 300, ...options.breaker },
  });
}

/** Resolves to the error a promise rejects with; fails the test if it resolves. */
export async function rejection<E = Error & Record<string, unknown>>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

export const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
