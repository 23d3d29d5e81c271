import { describe, expect, it } from "vitest";
import { hmacSha256Hex, signTimestamped, verifyTimestampedSignature } from "../../src/lib/hmac";
import { createPkcePair, pkceChallenge } from "../../src/lib/pkce";

describe("PKCE", () => {
  it("matches the RFC 7636 Appendix B test vector", async () => {
    expect(await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("creates a 43-character verifier and its S256 challenge", async () => {
    const pair = await createPkcePair();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.method).toBe("S256");
    expect(pair.challenge).toBe(await pkceChallenge(pair.verifier));
    expect((await createPkcePair()).verifier).not.toBe(pair.verifier);
  });
});

describe("timestamped HMAC signatures", () => {
  const secret = "a-webhook-secret-of-some-length";
  const body = '{"videoId":"vid_1","status":"rendered"}';

  it("HMAC-SHA256 matches RFC 4231 test case 2", async () => {
    expect(await hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("accepts a fresh, correct signature (any of several v1)", async () => {
    const now = 1_800_000_000;
    const header = await signTimestamped(secret, body, now);
    expect(await verifyTimestampedSignature(body, header, secret, { now })).toEqual({ timestamp: now });
    const rotated = `t=${now},v1=${"0".repeat(64)},${header.split(",")[1]}`;
    await expect(verifyTimestampedSignature(body, rotated, secret, { now })).resolves.toBeDefined();
  });

  it("refuses a changed body, a wrong secret, a stale or future timestamp, a malformed header", async () => {
    const now = 1_800_000_000;
    const header = await signTimestamped(secret, body, now);
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => "accepted",
        (e: { reason?: string }) => e.reason,
      );
    expect(await reason(verifyTimestampedSignature(`${body} `, header, secret, { now }))).toBe("bad_signature");
    expect(await reason(verifyTimestampedSignature(body, header, `${secret}x`, { now }))).toBe("bad_signature");
    expect(await reason(verifyTimestampedSignature(body, header, secret, { now: now + 301 }))).toBe("stale_timestamp");
    expect(await reason(verifyTimestampedSignature(body, header, secret, { now: now - 301 }))).toBe("stale_timestamp");
    expect(await reason(verifyTimestampedSignature(body, header, secret, { now: now + 300 }))).toBe("accepted");
    expect(await reason(verifyTimestampedSignature(body, "v1=abc", secret, { now }))).toBe("malformed_header");
    expect(await reason(verifyTimestampedSignature(body, null, secret, { now }))).toBe("missing_header");
  });
});
