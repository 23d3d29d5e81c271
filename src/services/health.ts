import type { Env } from "../env";

export interface CheckResult {
  ok: boolean;
  latency_ms: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 2_000;

async function timed(probe: () => Promise<unknown>): Promise<CheckResult> {
  const started = Date.now();
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS)),
    ]);
    return { ok: true, latency_ms: Date.now() - started };
  } catch (error) {
    // The name only: a readiness report is public and must not carry internals.
    const reason = error instanceof Error && error.message === "timed out" ? "timeout" : "unreachable";
    return { ok: false, latency_ms: Date.now() - started, error: reason };
  }
}

/** Readiness: D1, KV and R2 each answer a cheap read. */
export async function checkReadiness(env: Env) {
  const [d1, kv, r2] = await Promise.all([
    timed(() => env.DB.prepare("SELECT 1").first()),
    timed(() => env.CACHE.get("health:probe")),
    timed(() => env.MEDIA.head("health/probe")),
  ]);
  const checks = { d1, kv, r2 };
  const ready = d1.ok && kv.ok && r2.ok;
  return { status: ready ? ("ready" as const) : ("unavailable" as const), checks };
}
