import { describe, expect, it } from "vitest";
import {
  chatCostMicros,
  chatPrices,
  countCharacters,
  elevenLabsCostMicros,
  elevenLabsPrices,
  openaiImageCostMicros,
  openaiImagePrices,
  openaiSpeechCostMicros,
  openaiSpeechPrices,
  PricingError,
  stabilityCostMicros,
  stabilityCredits,
  stabilityPriceKey,
  stabilityPrices,
  youtubeCallCost,
} from "../../src/providers/pricing";

describe("chat", () => {
  it("prices prompt and completion tokens exactly, in integer micro-dollars", () => {
    // gpt-4o-mini: $0.15 / 1M in, $0.60 / 1M out: 1,000 in + 500 out = 150 + 300 µ$
    expect(chatCostMicros("gpt-4o-mini", { promptTokens: 1_000, completionTokens: 500 })).toBe(450);
    // gpt-4o: 1,000,000 in + 1,000,000 out = $2.50 + $10.00
    expect(chatCostMicros("gpt-4o", { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBe(12_500_000);
    // gpt-4.1-mini: 1,234 x 0.4 + 567 x 1.6 = 493.6 + 907.2 = 1,400.8 -> ceil 1,401
    expect(chatCostMicros("gpt-4.1-mini", { promptTokens: 1_234, completionTokens: 567 })).toBe(1_401);
  });

  it("rounds up once per call: a single token is never free", () => {
    expect(chatCostMicros("gpt-4.1-nano", { promptTokens: 1, completionTokens: 0 })).toBe(1);
    expect(chatCostMicros("gpt-4.1-nano", { promptTokens: 0, completionTokens: 0 })).toBe(0);
    // 10 x 0.1 = 1.0 exactly: no rounding up of an exact value
    expect(chatCostMicros("gpt-4.1-nano", { promptTokens: 10, completionTokens: 0 })).toBe(1);
  });

  it("bills cached prompt tokens at the cached rate", () => {
    // gpt-4.1: 2,000 prompt of which 1,000 cached: 1,000 x 2 + 1,000 x 0.5 + 100 x 8 = 3,300
    expect(chatCostMicros("gpt-4.1", { promptTokens: 2_000, completionTokens: 100, cachedPromptTokens: 1_000 })).toBe(
      3_300,
    );
    expect(() => chatCostMicros("gpt-4.1", { promptTokens: 1, completionTokens: 0, cachedPromptTokens: 2 })).toThrow(
      PricingError,
    );
  });

  it("prices dated snapshots as their model; refuses unknown models and bad usage", () => {
    expect(chatCostMicros("gpt-4o-mini-2024-07-18", { promptTokens: 1_000, completionTokens: 500 })).toBe(450);
    expect(() => chatCostMicros("gpt-9", { promptTokens: 1, completionTokens: 1 })).toThrow(
      /No price for chat model "gpt-9"/,
    );
    expect(() => chatCostMicros("toString", { promptTokens: 1, completionTokens: 1 })).toThrow(PricingError);
    expect(() => chatCostMicros("gpt-4o", { promptTokens: -1, completionTokens: 1 })).toThrow(PricingError);
    expect(() => chatCostMicros("gpt-4o", { promptTokens: 1.5, completionTokens: 1 })).toThrow(PricingError);
  });
});

describe("speech, images, credits", () => {
  it("prices TTS per character", () => {
    expect(openaiSpeechCostMicros("tts-1", 900)).toBe(13_500);
    expect(openaiSpeechCostMicros("tts-1-hd", 900)).toBe(27_000);
    expect(elevenLabsCostMicros("eleven_flash_v2_5", 900)).toBe(45_000);
    expect(elevenLabsCostMicros("eleven_multilingual_v2", 7_800)).toBe(780_000);
    expect(() => openaiSpeechCostMicros("gpt-4o-mini-tts", 10)).toThrow(PricingError);
    expect(() => elevenLabsCostMicros("eleven_v9", 10)).toThrow(PricingError);
  });

  it("prices images by model, size and quality", () => {
    expect(openaiImageCostMicros("gpt-image-1", "1536x1024", "high")).toBe(250_000);
    expect(openaiImageCostMicros("gpt-image-1-mini", "1536x1024", "medium")).toBe(15_000);
    expect(openaiImageCostMicros("dall-e-3", "1792x1024", "hd", 2)).toBe(240_000);
    expect(() => openaiImageCostMicros("gpt-image-1", "4096x4096", "high")).toThrow(/size/);
    expect(() => openaiImageCostMicros("gpt-image-1", "1536x1024", "ultra")).toThrow(/quality/);
  });

  it("prices Stability by engine credits, including half credits", () => {
    expect(stabilityCostMicros("core")).toBe(30_000);
    expect(stabilityCostMicros("ultra")).toBe(80_000);
    expect(stabilityCostMicros(stabilityPriceKey("sd3"))).toBe(65_000);
    expect(stabilityCredits("sd3.5-large")).toBe(6.5);
    expect(stabilityCostMicros(stabilityPriceKey("sd3", "sd3.5-medium"), 3)).toBe(105_000);
    expect(() => stabilityCostMicros("sdxl")).toThrow(PricingError);
  });

  it("YouTube costs quota units, not money", () => {
    const legacy = { YOUTUBE_QUOTA_MODEL: "legacy" as const, YOUTUBE_QUOTA_TABLE: undefined };
    const buckets = { YOUTUBE_QUOTA_MODEL: "buckets" as const, YOUTUBE_QUOTA_TABLE: undefined };
    expect(youtubeCallCost(legacy, "videos.insert")).toEqual({ quota: { units: 1_600 }, costMicros: 0 });
    expect(youtubeCallCost(buckets, "videos.insert")).toEqual({ quota: { uploads: 1 }, costMicros: 0 });
    expect(youtubeCallCost(buckets, "thumbnails.set")).toEqual({ quota: { units: 50 }, costMicros: 0 });
  });

  it("counts characters as code points", () => {
    expect(countCharacters("héllo")).toBe(5);
    expect(countCharacters("🎬 go")).toBe(4);
  });

  it("every row is dated and sourced, every rate an integer", () => {
    const rows = [chatPrices, openaiSpeechPrices, elevenLabsPrices, openaiImagePrices, stabilityPrices].flatMap((t) =>
      Object.values(t),
    );
    for (const row of rows) {
      expect(row.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.source).toMatch(/^https:\/\//);
      const numbers = JSON.stringify(row).match(/-?\d+(\.\d+)?(?=[,}])/g) ?? [];
      expect(numbers.every((n) => Number.isInteger(Number(n)))).toBe(true);
    }
  });
});
