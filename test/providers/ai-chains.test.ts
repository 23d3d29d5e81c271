import { describe, expect, it } from "vitest";
import {
  ChainError,
  generateScript,
  generateThumbnail,
  normalizeScript,
  splitForSpeech,
  synthesizeVoice,
} from "../../src/services/ai-chains";
import { clearFaultsAfterEach } from "../emulator";
import { countRequests, injectFault, rejection, testContext } from "./support";

clearFaultsAfterEach();

const scriptInput = { topic: "How lighthouses work", language: "en", targetDurationSeconds: 60 };
const narration =
  "Lighthouses guided ships for centuries. Each one flashes its own pattern, so sailors know exactly where they are.";

/** µ$ of a chat call from its reported usage, with BigInt arithmetic independent of pricing.ts. */
function chatMicros(
  inPerMillion: bigint,
  outPerMillion: bigint,
  usage: { promptTokens: number; completionTokens: number },
) {
  const total = BigInt(usage.promptTokens) * inPerMillion + BigInt(usage.completionTokens) * outPerMillion;
  return Number((total + 999_999n) / 1_000_000n);
}

describe("generateScript", () => {
  it("the primary model writes a valid script; cost exact from usage", async () => {
    const result = await generateScript(testContext(), scriptInput);
    expect(result).toMatchObject({ provider: "openai", model: "gpt-4.1-mini", attempts: [] });
    expect(result.output.title.length).toBeGreaterThan(0);
    expect([...result.output.title].length).toBeLessThanOrEqual(100);
    expect(result.output.narration.length).toBeGreaterThan(0);
    expect(result.output.scenes.length).toBeGreaterThan(0);
    if (result.usage.kind !== "tokens") throw new Error("chat usage expected");
    expect(result.costMicros).toBe(chatMicros(400_000n, 1_600_000n, result.usage));
  });

  it("falls back to SCRIPT_FALLBACK_MODEL when the primary is out of quota, and records it", async () => {
    await injectFault({
      upstream: "openai",
      pathIncludes: "/chat/completions",
      preset: "insufficient_quota",
      times: 1,
    });
    const result = await generateScript(testContext(), scriptInput);
    expect(result.model).toBe("gpt-4o-mini");
    expect(result.attempts).toEqual([
      { provider: "openai", model: "gpt-4.1-mini", code: "insufficient_quota", costMicros: 0 },
    ]);
    if (result.usage.kind !== "tokens") throw new Error("chat usage expected");
    expect(result.costMicros).toBe(chatMicros(150_000n, 600_000n, result.usage));
  });
});

describe("synthesizeVoice", () => {
  it("ElevenLabs serves first; cost = characters x $0.05 / 1k", async () => {
    const result = await synthesizeVoice(testContext(), { text: narration });
    expect(result).toMatchObject({ provider: "elevenlabs", model: "eleven_flash_v2_5", attempts: [] });
    expect(result.usage).toEqual({ kind: "characters", characters: narration.length });
    expect(result.costMicros).toBe(narration.length * 50);
    expect(result.output.contentType).toBe("audio/mpeg");
  });

  it("ElevenLabs out of credits -> OpenAI TTS, recorded, priced as tts-1", async () => {
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", preset: "quota_exceeded", times: 1 });
    const result = await synthesizeVoice(testContext(), { text: narration });
    expect(result).toMatchObject({ provider: "openai", model: "tts-1" });
    expect(result.attempts).toEqual([
      { provider: "elevenlabs", model: "eleven_flash_v2_5", code: "quota_exceeded", costMicros: 0 },
    ]);
    expect(result.costMicros).toBe(narration.length * 15);
  });

  it("fails over after retries run out on a 5xx", async () => {
    const ctx = testContext({ retry: { maxAttempts: 2 } });
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", status: 503, times: 2 });
    const result = await synthesizeVoice(ctx, { text: narration });
    expect(result.provider).toBe("openai");
    expect(result.attempts[0]).toMatchObject({ provider: "elevenlabs" });
  });

  it("fails over at once when ElevenLabs' breaker is open, without calling it", async () => {
    const ctx = testContext();
    const stub = ctx.env.CIRCUIT_BREAKER.get(ctx.env.CIRCUIT_BREAKER.idFromName(`elevenlabs:${ctx.breakerScope}`));
    for (let i = 0; i < ctx.breaker.failureThreshold; i++) await stub.recordFailure(ctx.breaker);
    const before = await countRequests("elevenlabs", "/text-to-speech/");
    const result = await synthesizeVoice(ctx, { text: narration });
    expect(result.provider).toBe("openai");
    expect(result.attempts).toEqual([
      { provider: "elevenlabs", model: "eleven_flash_v2_5", code: "circuit_open", costMicros: 0 },
    ]);
    expect(await countRequests("elevenlabs", "/text-to-speech/")).toBe(before);
  });

  it("a fail-class error stops the chain: no fallback is tried", async () => {
    const before = await countRequests("openai", "/audio/speech");
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", status: 400, times: 1 });
    const error = await rejection<ChainError>(synthesizeVoice(testContext(), { text: narration }));
    expect(error).toBeInstanceOf(ChainError);
    expect(error).toMatchObject({ chain: "voice", code: "provider_failed", retryable: false });
    expect(error.attempts).toHaveLength(1);
    expect(await countRequests("openai", "/audio/speech")).toBe(before);
  });

  it("a long narration is split for OpenAI's 4,096-character limit and billed in full", async () => {
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", preset: "quota_exceeded", times: 1 });
    const long = `${narration} `.repeat(80).trim();
    const before = await countRequests("openai", "/audio/speech");
    const result = await synthesizeVoice(testContext(), { text: long });
    expect(result.provider).toBe("openai");
    expect((await countRequests("openai", "/audio/speech")) - before).toBeGreaterThanOrEqual(3);
    expect(result.usage.kind === "characters" && result.usage.characters).toBeLessThanOrEqual(long.length);
    expect(result.costMicros).toBe((result.usage.kind === "characters" ? result.usage.characters : -1) * 15);
  });

  it("a failure half-way through a long narration records what the finished pieces cost", async () => {
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", preset: "quota_exceeded", times: 1 });
    // The first speech request passes (a 1 ms delay consumes this fault), the second is refused.
    await injectFault({ upstream: "openai", pathIncludes: "/audio/speech", latencyMs: 1, times: 1 });
    await injectFault({ upstream: "openai", pathIncludes: "/audio/speech", status: 400, times: 1 });
    const long = `${narration} `.repeat(80).trim();
    const firstPiece = splitForSpeech(long, 4_096)[0] ?? "";
    const error = await rejection<ChainError>(synthesizeVoice(testContext(), { text: long }));
    expect(error).toMatchObject({ code: "provider_failed", retryable: false });
    expect(error.attempts).toEqual([
      { provider: "elevenlabs", model: "eleven_flash_v2_5", code: "quota_exceeded", costMicros: 0 },
      { provider: "openai", model: "tts-1", code: "invalid_request_error", costMicros: [...firstPiece].length * 15 },
    ]);
    expect(error.spentMicros).toBe([...firstPiece].length * 15);
  });

  it("budget: skips ElevenLabs when its projected cost exceeds what is left, takes the cheaper OpenAI", async () => {
    // 113 characters: ElevenLabs Flash 5,650 µ$, tts-1 1,695 µ$.
    const result = await synthesizeVoice(testContext(), { text: narration }, { maxCostMicros: 3_000 });
    expect(result.provider).toBe("openai");
    expect(result.attempts).toEqual([
      { provider: "elevenlabs", model: "eleven_flash_v2_5", code: "over_budget", costMicros: 0 },
    ]);
    expect(result.costMicros).toBeLessThanOrEqual(3_000);
  });

  it("budget: refuses when nothing fits, before calling anyone", async () => {
    const before = (await countRequests("elevenlabs")) + (await countRequests("openai", "/audio/speech"));
    const error = await rejection<ChainError>(
      synthesizeVoice(testContext(), { text: narration }, { maxCostMicros: 1_000 }),
    );
    expect(error).toMatchObject({ code: "budget_exceeded", spentMicros: 0 });
    expect(error.toApiError()).toMatchObject({ code: "budget_exceeded", status: 402 });
    expect((await countRequests("elevenlabs")) + (await countRequests("openai", "/audio/speech"))).toBe(before);
  });

  it("budget: a custom estimate decides", async () => {
    const result = await synthesizeVoice(
      testContext(),
      { text: narration },
      { maxCostMicros: 10, estimate: (candidate) => (candidate.provider === "elevenlabs" ? 5 : 50) },
    );
    expect(result.provider).toBe("elevenlabs");
  });
});

describe("generateThumbnail", () => {
  it("Stability core serves first: 3 credits = 30,000 µ$", async () => {
    const result = await generateThumbnail(testContext(), { prompt: "a lighthouse in a storm, bold" });
    expect(result).toMatchObject({ provider: "stability", model: "core", costMicros: 30_000, attempts: [] });
    expect(result.usage).toEqual({ kind: "credits", credits: 3 });
    expect(result.output.contentType).toBe("image/jpeg");
  });

  it("content filtered by Stability -> OpenAI images, recorded with the credits Stability billed", async () => {
    await injectFault({ upstream: "stability", pathIncludes: "/generate/core", preset: "content_filtered", times: 1 });
    const result = await generateThumbnail(testContext(), { prompt: "a lighthouse in a storm, bold" });
    expect(result).toMatchObject({ provider: "openai", model: "gpt-image-1-mini", costMicros: 15_000 });
    expect(result.usage).toEqual({ kind: "image", size: "1536x1024", quality: "medium" });
    expect(result.attempts).toEqual([
      // Stability spent the 3 credits ($0.03) before withholding the image: a real cost.
      { provider: "stability", model: "core", code: "content_filtered", costMicros: 30_000 },
    ]);
  });

  it("when every provider fails transiently the error says so, for the queue to retry later", async () => {
    const ctx = testContext({ retry: { maxAttempts: 1 } });
    await injectFault({ upstream: "stability", pathIncludes: "/generate/core", status: 503, times: 1 });
    await injectFault({ upstream: "openai", pathIncludes: "/images/generations", preset: "server_error", times: 1 });
    const error = await rejection<ChainError>(generateThumbnail(ctx, { prompt: "x" }));
    expect(error).toMatchObject({ chain: "thumbnail", code: "providers_exhausted", retryable: true });
    expect(error.attempts.map((a) => a.provider)).toEqual(["stability", "openai"]);
  });
});

describe("pure helpers", () => {
  it("splitForSpeech cuts at sentence ends within the limit and loses no words", () => {
    const text = "One two three. Four five six! Seven eight nine? Ten eleven twelve.";
    const pieces = splitForSpeech(text, 30);
    expect(pieces.every((p) => p.length <= 30)).toBe(true);
    expect(pieces[0]).toBe("One two three. Four five six!");
    expect(pieces.join(" ")).toBe(text);
    expect(splitForSpeech("short", 100)).toEqual(["short"]);
    const noStops = "word ".repeat(50).trim();
    expect(splitForSpeech(noStops, 42).join(" ")).toBe(noStops);
  });

  it("normalizeScript keeps YouTube's limits without a second model call", () => {
    const script = normalizeScript({
      title: `<b>${"Lighthouse ".repeat(12)}</b>`,
      description: "Uses <tags> and more",
      tags: ["a,b", "  sea  ", ""],
      narration: "Text.",
      scenes: [{ summary: "s", imagePrompt: "p", durationSeconds: 5 }],
      thumbnailPrompt: "t",
    });
    expect([...script.title].length).toBeLessThanOrEqual(100);
    expect(script.title).not.toMatch(/[<>]/);
    expect(script.title.endsWith("Lighthouse")).toBe(true);
    expect(script.description).toBe("Uses tags and more");
    expect(script.tags).toEqual(["ab", "sea"]);
    expect(() => normalizeScript({ title: "t", description: "d", tags: [], narration: "", scenes: [] })).toThrow();
  });
});
