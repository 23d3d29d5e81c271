import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/errors";
import { chatJson, image, speech } from "../../src/providers/openai";
import { chatCostMicros } from "../../src/providers/pricing";
import { clearFaultsAfterEach } from "../emulator";
import { countRequests, injectFault, rejection, testContext, wait } from "./support";

clearFaultsAfterEach();

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["title", "points"],
  properties: { title: { type: "string" }, points: { type: "array", items: { type: "string" } } },
};

const chat = (ctx = testContext(), maxTokens = 800) =>
  chatJson<{ title: string; points: string[] }>(ctx, {
    model: "gpt-4.1-mini",
    system: "You answer in JSON.",
    user: "Topic: why the sky is blue",
    schema,
    schemaName: "answer",
    maxTokens,
  });

describe("openai.chatJson", () => {
  it("returns parsed JSON, the model and the usage; the cost is exact", async () => {
    const result = await chat();
    expect(typeof result.data.title).toBe("string");
    expect(Array.isArray(result.data.points)).toBe(true);
    expect(result.model).toMatch(/^gpt-4\.1-mini/);
    const { promptTokens, completionTokens } = result.usage;
    expect(promptTokens).toBeGreaterThan(0);
    expect(completionTokens).toBeGreaterThan(0);
    // gpt-4.1-mini: $0.40 / 1M in, $1.60 / 1M out, ceil once per call (BigInt: independent arithmetic).
    const exact = (BigInt(promptTokens) * 400_000n + BigInt(completionTokens) * 1_600_000n + 999_999n) / 1_000_000n;
    expect(chatCostMicros("gpt-4.1-mini", result.usage)).toBe(Number(exact));
  });

  it("429 rate_limit_exceeded: waits the retry-after, then succeeds", async () => {
    const before = await countRequests("openai", "/chat/completions");
    await injectFault({
      upstream: "openai",
      pathIncludes: "/chat/completions",
      preset: "rate_limit",
      headers: { "retry-after-ms": "150", "retry-after": "1" },
      times: 1,
    });
    const started = Date.now();
    const result = await chat();
    expect(result.data.title).toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await countRequests("openai", "/chat/completions")) - before).toBeGreaterThanOrEqual(2);
  });

  it("insufficient_quota: not retried, disposition failover", async () => {
    await injectFault({
      upstream: "openai",
      pathIncludes: "/chat/completions",
      preset: "insufficient_quota",
      times: 1,
    });
    const error = await rejection<ProviderError>(chat());
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: "openai",
      disposition: "failover",
      code: "insufficient_quota",
      status: 429,
    });
  });

  it("repeated 500s open the breaker: the next call fails fast without touching the upstream; later it half-opens and closes", async () => {
    const ctx = testContext({ retry: { maxAttempts: 3 }, breaker: { failureThreshold: 3, coolDownMs: 400 } });
    await injectFault({ upstream: "openai", pathIncludes: "/chat/completions", preset: "server_error", times: 3 });
    const first = await rejection<ProviderError>(chat(ctx));
    expect(first).toMatchObject({ disposition: "retry", code: "server_error", status: 500 });

    const before = await countRequests("openai", "/chat/completions");
    const fast = await rejection<ProviderError>(chat(ctx));
    expect(fast).toMatchObject({ disposition: "retry", code: "circuit_open" });
    expect(fast.retryAfterMs).toBeGreaterThan(0);
    expect(await countRequests("openai", "/chat/completions")).toBe(before);

    // The shared state is in the Durable Object, where every isolate reads it.
    const stub = ctx.env.CIRCUIT_BREAKER.get(ctx.env.CIRCUIT_BREAKER.idFromName(`openai:${ctx.breakerScope}`));
    expect(await stub.status()).toMatchObject({ state: "open", timesOpened: 1 });

    await wait(450);
    const probe = await chat(ctx);
    expect(probe.data.title).toBeTruthy();
    expect(await countRequests("openai", "/chat/completions")).toBe(before + 1);
    expect(await stub.status()).toMatchObject({ state: "closed", timesOpened: 1 });
  });

  it("a non-retry error does not count against the breaker", async () => {
    const ctx = testContext({ breaker: { failureThreshold: 1 } });
    await injectFault({
      upstream: "openai",
      pathIncludes: "/chat/completions",
      preset: "insufficient_quota",
      times: 1,
    });
    await rejection(chat(ctx));
    const result = await chat(ctx);
    expect(result.data.title).toBeTruthy();
  });

  it("times out when headers do not come, and when the body stalls after them", async () => {
    const ctx = testContext({ timeoutMs: 300, retry: { maxAttempts: 1 } });
    await injectFault({ upstream: "openai", pathIncludes: "/chat/completions", latencyMs: 3_000, times: 1 });
    expect(await rejection(chat(ctx))).toMatchObject({ disposition: "retry", code: "timeout" });

    await injectFault({ upstream: "openai", pathIncludes: "/chat/completions", stallBodyMs: 3_000, times: 1 });
    const started = Date.now();
    expect(await rejection(chat(ctx))).toMatchObject({ disposition: "retry", code: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a malformed body is a clear malformed_response error, not a crash", async () => {
    const ctx = testContext({ retry: { maxAttempts: 1 } });
    await injectFault({
      upstream: "openai",
      pathIncludes: "/chat/completions",
      status: 200,
      body: "<html>gateway hiccup</html>",
      headers: { "content-type": "application/json" },
      times: 1,
    });
    expect(await rejection(chat(ctx))).toMatchObject({ disposition: "retry", code: "malformed_response" });

    await injectFault({
      upstream: "openai",
      pathIncludes: "/chat/completions",
      status: 200,
      body: { id: "x", object: "chat.completion", choices: [] },
      times: 1,
    });
    expect(await rejection(chat(ctx))).toMatchObject({ code: "malformed_response" });
  });

  it("finish_reason length: fail with output_truncated, carrying what it cost", async () => {
    const error = await rejection<ProviderError>(chat(testContext(), 5));
    expect(error).toMatchObject({ disposition: "fail", code: "output_truncated" });
    expect(error.costMicros).toBeGreaterThan(0);
  });
});

describe("openai.speech and image", () => {
  it("speech returns audio bytes and the billed characters", async () => {
    const result = await speech(testContext(), {
      model: "tts-1",
      voice: "alloy",
      input: "Hello from the edge.",
      format: "mp3",
    });
    expect(result.contentType).toBe("audio/mpeg");
    expect(result.characters).toBe(20);
    expect(result.audio.byteLength).toBeGreaterThan(100);
  });

  it("speech: a body that stalls mid-audio times out", async () => {
    const ctx = testContext({ timeoutMs: 300, retry: { maxAttempts: 1 } });
    await injectFault({ upstream: "openai", pathIncludes: "/audio/speech", stallBodyMs: 3_000, times: 1 });
    const error = await rejection(speech(ctx, { model: "tts-1", voice: "alloy", input: "Stalled." }));
    expect(error).toMatchObject({ code: "timeout" });
  });

  it("speech refuses input over 4,096 characters before calling", async () => {
    const error = await rejection(speech(testContext(), { model: "tts-1", voice: "alloy", input: "a".repeat(4_097) }));
    expect(error).toMatchObject({ disposition: "fail", code: "input_too_long" });
  });

  it("image returns decoded bytes of the requested format", async () => {
    const result = await image(testContext(), {
      model: "gpt-image-1-mini",
      prompt: "a bold thumbnail",
      size: "1536x1024",
      quality: "medium",
      outputFormat: "jpeg",
    });
    expect(result.contentType).toBe("image/jpeg");
    const head = new Uint8Array(result.bytes.slice(0, 3));
    expect([...head]).toEqual([0xff, 0xd8, 0xff]);
  });

  it("content policy: failover", async () => {
    await injectFault({ upstream: "openai", pathIncludes: "/images/generations", preset: "content_policy", times: 1 });
    const error = await rejection(
      image(testContext(), { model: "dall-e-3", prompt: "x", size: "1792x1024", quality: "standard" }),
    );
    expect(error).toMatchObject({ disposition: "failover", code: "content_policy_violation" });
  });
});
