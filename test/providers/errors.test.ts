import { describe, expect, it } from "vitest";
import { UpstreamNetworkError, UpstreamTimeoutError } from "../../src/lib/http";
import {
  classifyElevenLabs,
  classifyGoogleApi,
  classifyGoogleOAuth,
  classifyOpenAI,
  classifyStability,
  redactSecrets,
  toProviderError,
} from "../../src/providers/errors";

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers(headers),
  body,
});

const pick = (e: { disposition: string; code: string; status?: number; retryAfterMs?: number }) => ({
  disposition: e.disposition,
  code: e.code,
  status: e.status,
  retryAfterMs: e.retryAfterMs,
});

const openaiError = (code: string | null, type = "requests") => ({ error: { message: "m", type, param: null, code } });
const youtubeError = (code: number, reason: string) => ({
  error: { code, message: reason, errors: [{ domain: "youtube.quota", reason, message: reason }] },
});

describe("classification", () => {
  it("OpenAI: two kinds of 429, content policy, bad key, 5xx", () => {
    expect(pick(classifyOpenAI(answer(429, openaiError("rate_limit_exceeded"), { "retry-after-ms": "250" })))).toEqual({
      disposition: "retry",
      code: "rate_limit_exceeded",
      status: 429,
      retryAfterMs: 250,
    });
    expect(classifyOpenAI(answer(429, openaiError("insufficient_quota", "insufficient_quota"))).disposition).toBe(
      "failover",
    );
    expect(pick(classifyOpenAI(answer(400, openaiError("content_policy_violation"))))).toMatchObject({
      disposition: "failover",
      code: "content_policy_violation",
    });
    expect(pick(classifyOpenAI(answer(401, openaiError("invalid_api_key"))))).toMatchObject({ disposition: "fail" });
    expect(pick(classifyOpenAI(answer(404, openaiError("model_not_found"))))).toMatchObject({
      disposition: "failover",
      code: "model_not_found",
    });
    expect(pick(classifyOpenAI(answer(400, openaiError(null, "invalid_request_error"))))).toMatchObject({
      disposition: "fail",
      code: "invalid_request_error",
    });
    expect(pick(classifyOpenAI(answer(503, "<html>bad gateway</html>")))).toMatchObject({
      disposition: "retry",
      code: "http_503",
    });
  });

  it("ElevenLabs: quota fails over, busy and concurrency retry, bad voice fails", () => {
    const el = (status: number, code: string) =>
      classifyElevenLabs(answer(status, { detail: { status: code, message: "m" } }));
    expect(el(401, "quota_exceeded").disposition).toBe("failover");
    expect(el(429, "system_busy").disposition).toBe("retry");
    expect(el(429, "too_many_concurrent_requests").disposition).toBe("retry");
    expect(el(401, "invalid_api_key").disposition).toBe("fail");
    expect(el(404, "voice_not_found")).toMatchObject({ disposition: "fail", code: "voice_not_found" });
    expect(el(400, "max_character_limit_exceeded").disposition).toBe("fail");
    expect(classifyElevenLabs(answer(422, { detail: [{ loc: ["body"], msg: "x" }] })).disposition).toBe("fail");
  });

  it("Stability: 402 and moderation fail over, 429 and 5xx retry, 400 fails", () => {
    const st = (status: number, name: string) => classifyStability(answer(status, { id: "x", name, errors: ["m"] }));
    expect(st(402, "payment_required").disposition).toBe("failover");
    expect(st(403, "content_moderation")).toMatchObject({ disposition: "failover", code: "content_filtered" });
    expect(st(429, "rate_limit_exceeded").disposition).toBe("retry");
    expect(st(500, "internal_error").disposition).toBe("retry");
    expect(st(400, "bad_request").disposition).toBe("fail");
  });

  it("YouTube carries its reason as the code", () => {
    const yt = (status: number, reason: string) =>
      classifyGoogleApi("youtube", answer(status, youtubeError(status, reason)));
    expect(yt(403, "quotaExceeded")).toMatchObject({ disposition: "failover", code: "quotaExceeded" });
    expect(yt(403, "dailyLimitExceeded")).toMatchObject({ disposition: "failover", code: "dailyLimitExceeded" });
    expect(yt(400, "uploadLimitExceeded")).toMatchObject({ disposition: "fail", code: "uploadLimitExceeded" });
    expect(yt(403, "rateLimitExceeded")).toMatchObject({ disposition: "retry", code: "rateLimitExceeded" });
    expect(yt(429, "userRateLimitExceeded")).toMatchObject({ disposition: "retry" });
    expect(yt(401, "authError")).toMatchObject({ disposition: "fail", code: "authError" });
    expect(yt(403, "forbidden")).toMatchObject({ disposition: "fail", code: "forbidden" });
    expect(yt(503, "backendError")).toMatchObject({ disposition: "retry" });
    expect(classifyGoogleApi("youtube", answer(502, undefined))).toMatchObject({
      disposition: "retry",
      code: "http_502",
    });
  });

  it("Google OAuth: invalid_grant fails with its code; 5xx retries", () => {
    expect(
      pick(
        classifyGoogleOAuth(
          answer(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." }),
        ),
      ),
    ).toMatchObject({ disposition: "fail", code: "invalid_grant" });
    expect(classifyGoogleOAuth(answer(401, { error: "invalid_client" }))).toMatchObject({ disposition: "fail" });
    expect(classifyGoogleOAuth(answer(503, undefined))).toMatchObject({ disposition: "retry" });
  });

  it("transport failures are transient; anything unknown is ours", () => {
    expect(toProviderError("openai", new UpstreamTimeoutError(10))).toMatchObject({
      disposition: "retry",
      code: "timeout",
    });
    expect(toProviderError("openai", new UpstreamNetworkError("reset"))).toMatchObject({
      disposition: "retry",
      code: "network_error",
    });
    expect(toProviderError("openai", new SyntaxError("Unexpected token <"))).toMatchObject({
      code: "malformed_response",
    });
    expect(toProviderError("openai", new TypeError("x is undefined"))).toMatchObject({ disposition: "fail" });
  });

  it("never carries a secret in its message", () => {
    const e = classifyOpenAI(
      answer(401, {
        error: {
          message: "Incorrect API key provided: sk-proj-abcdef123456. Bearer ya29.a0AfH6SM",
          code: "invalid_api_key",
        },
      }),
    );
    expect(e.message).not.toMatch(/abcdef123456|a0AfH6SM/);
    expect(redactSecrets("key SG.abc.def and whsec_123 and 1//0gRefresh")).toBe("key SG.*** and whsec_*** and 1//***");
  });
});
