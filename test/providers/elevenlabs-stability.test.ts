import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/env";
import { listVoices, textToSpeech } from "../../src/providers/elevenlabs";
import { generateImage } from "../../src/providers/stability";
import { clearFaultsAfterEach } from "../emulator";
import { countRequests, injectFault, rejection, testContext } from "./support";

clearFaultsAfterEach();

const voiceId = getConfig(env).ELEVENLABS_VOICE_ID;
const say = (ctx = testContext(), text = "A short line of narration.") =>
  textToSpeech(ctx, { voiceId, modelId: "eleven_flash_v2_5", text });

describe("elevenlabs", () => {
  it("text to speech returns MP3 bytes and the billed characters", async () => {
    const result = await say();
    expect(result.contentType).toBe("audio/mpeg");
    expect(result.characters).toBe(26);
    expect(result.audio.byteLength).toBeGreaterThan(100);
  });

  it("lists voices, including the configured one", async () => {
    const voices = await listVoices(testContext());
    expect(voices.map((v) => v.voiceId)).toContain(voiceId);
    expect(voices[0]).toMatchObject({ name: expect.any(String), labels: expect.any(Object) });
  });

  it("system_busy is retried, then succeeds", async () => {
    const before = await countRequests("elevenlabs", "/text-to-speech/");
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", preset: "system_busy", times: 2 });
    const result = await say();
    expect(result.audio.byteLength).toBeGreaterThan(0);
    expect((await countRequests("elevenlabs", "/text-to-speech/")) - before).toBe(3);
  });

  it("too_many_concurrent_requests that lasts runs out of retries as a retry-class error", async () => {
    const ctx = testContext({ retry: { maxAttempts: 2 } });
    await injectFault({
      upstream: "elevenlabs",
      pathIncludes: "/text-to-speech/",
      preset: "too_many_concurrent",
      times: 2,
    });
    expect(await rejection(say(ctx))).toMatchObject({ disposition: "retry", code: "too_many_concurrent_requests" });
  });

  it("quota_exceeded fails over without a retry", async () => {
    const before = await countRequests("elevenlabs", "/text-to-speech/");
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", preset: "quota_exceeded", times: 1 });
    expect(await rejection(say())).toMatchObject({ disposition: "failover", code: "quota_exceeded", status: 401 });
    expect((await countRequests("elevenlabs", "/text-to-speech/")) - before).toBe(1);
  });

  it("an unknown voice is our mistake: fail", async () => {
    const error = await rejection(
      textToSpeech(testContext(), { voiceId: "no-such-voice", modelId: "eleven_flash_v2_5", text: "hi" }),
    );
    expect(error).toMatchObject({ disposition: "fail", code: "voice_not_found", status: 404 });
  });

  it("audio that is not audio is malformed", async () => {
    const ctx = testContext({ retry: { maxAttempts: 1 } });
    await injectFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech/", status: 200, body: "{}", times: 1 });
    expect(await rejection(say(ctx))).toMatchObject({ code: "malformed_response" });
  });
});

describe("stability", () => {
  const draw = (ctx = testContext(), engine: "core" | "ultra" | "sd3" = "core") =>
    generateImage(ctx, { engine, prompt: "a lighthouse at dusk", aspectRatio: "16:9", outputFormat: "jpeg", seed: 42 });

  it("returns the image, its seed and credits from the engine table", async () => {
    const core = await draw();
    expect(core).toMatchObject({ contentType: "image/jpeg", seed: 42, credits: 3, costMicros: 30_000 });
    expect([...new Uint8Array(core.bytes.slice(0, 2))]).toEqual([0xff, 0xd8]);
    expect(await draw(testContext(), "ultra")).toMatchObject({ credits: 8, costMicros: 80_000 });
    expect(await draw(testContext(), "sd3")).toMatchObject({ credits: 6.5, costMicros: 65_000 });
  });

  it("CONTENT_FILTERED fails over", async () => {
    await injectFault({ upstream: "stability", pathIncludes: "/generate/core", preset: "content_filtered", times: 1 });
    expect(await rejection(draw())).toMatchObject({ disposition: "failover", code: "content_filtered" });
  });

  it("402 payment required fails over", async () => {
    await injectFault({ upstream: "stability", pathIncludes: "/generate/core", preset: "payment_required", times: 1 });
    expect(await rejection(draw())).toMatchObject({ disposition: "failover", status: 402 });
  });

  it("429 is retried, then succeeds", async () => {
    await injectFault({ upstream: "stability", pathIncludes: "/generate/core", status: 429, times: 1 });
    expect((await draw()).credits).toBe(3);
  });

  it("a connection cut mid-image is a retryable network error", async () => {
    const ctx = testContext({ retry: { maxAttempts: 1 } });
    await injectFault({ upstream: "stability", pathIncludes: "/generate/core", cutAfterBytes: 100, times: 1 });
    const error = await rejection(draw(ctx));
    expect(error).toMatchObject({ disposition: "retry" });
    expect(["network_error", "malformed_response"]).toContain(error.code);
  });
});
