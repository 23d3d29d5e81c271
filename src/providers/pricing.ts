import {
  type BucketAmounts,
  costOf,
  type QuotaConfig,
  type QuotaMethod,
  quotaTableFor,
} from "../lib/youtube-quota-table";

/**
 * List prices of every model and engine the chains may call, in one dated table (ADR 0008), and the
 * functions from reported usage to integer micro-dollars (1 USD = 1,000,000 µ$).
 *
 * Exactness: rates are stored as integers (µ$ per million tokens, µ$ per character, µ$ per image,
 * tenths of a Stability credit), usage is multiplied in integers, and a call's total is divided once,
 * rounding up to the next micro-dollar (ceil per call): a recorded cost is never below the bill, and
 * is off by less than 1 µ$ per call. Products stay below 2^53 for any real call (10^7 tokens x
 * 10^7 µ$/M = 10^14). An unknown model, size or quality is an error, never a silent zero.
 *
 * Prices change: when a provider changes one, change the row, its `asOf` and its source.
 */

const OPENAI_PRICING = "https://openai.com/api/pricing";
const ELEVENLABS_PRICING = "https://elevenlabs.io/pricing/api";
const STABILITY_PRICING = "https://platform.stability.ai/pricing";

/** Checked against shared/reference/ai-providers.md (list prices published 2025-2026). */
const AS_OF = "2026-12-03";

export class PricingError extends Error {
  override name = "PricingError";
}

interface Row {
  asOf: string;
  source: string;
}

/** OpenAI chat: µ$ per 1M tokens (= USD per 1M tokens x 10^6). */
export interface ChatPrice extends Row {
  inputPerMillion: number;
  cachedInputPerMillion: number;
  outputPerMillion: number;
}

export const chatPrices: Record<string, ChatPrice> = {
  "gpt-4o": {
    inputPerMillion: 2_500_000,
    cachedInputPerMillion: 1_250_000,
    outputPerMillion: 10_000_000,
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
  "gpt-4o-mini": {
    inputPerMillion: 150_000,
    cachedInputPerMillion: 75_000,
    outputPerMillion: 600_000,
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
  "gpt-4.1": {
    inputPerMillion: 2_000_000,
    cachedInputPerMillion: 500_000,
    outputPerMillion: 8_000_000,
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
  "gpt-4.1-mini": {
    inputPerMillion: 400_000,
    cachedInputPerMillion: 100_000,
    outputPerMillion: 1_600_000,
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
  "gpt-4.1-nano": {
    inputPerMillion: 100_000,
    cachedInputPerMillion: 25_000,
    outputPerMillion: 400_000,
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
};

/** Per-character text-to-speech: µ$ per character ($15 / 1M characters = 15 µ$ per character). */
export interface CharacterPrice extends Row {
  perCharacter: number;
}

export const openaiSpeechPrices: Record<string, CharacterPrice> = {
  "tts-1": { perCharacter: 15, asOf: AS_OF, source: OPENAI_PRICING },
  "tts-1-hd": { perCharacter: 30, asOf: AS_OF, source: OPENAI_PRICING },
  // gpt-4o-mini-tts is billed per input and audio token, which /v1/audio/speech does not report:
  // left out on purpose so that choosing it fails loudly instead of recording a guess.
};

/** ElevenLabs API pay-as-you-go: Flash $0.05 / 1k characters = 50 µ$, Multilingual $0.10 / 1k = 100 µ$. */
export const elevenLabsPrices: Record<string, CharacterPrice> = {
  eleven_flash_v2_5: { perCharacter: 50, asOf: AS_OF, source: ELEVENLABS_PRICING },
  eleven_flash_v2: { perCharacter: 50, asOf: AS_OF, source: ELEVENLABS_PRICING },
  eleven_multilingual_v2: { perCharacter: 100, asOf: AS_OF, source: ELEVENLABS_PRICING },
};

/** OpenAI images: µ$ per image by size and quality. Only the landscape sizes thumbnails use are listed. */
export interface ImagePrice extends Row {
  perImage: Record<string, Record<string, number>>;
}

export const openaiImagePrices: Record<string, ImagePrice> = {
  "gpt-image-1": {
    perImage: { "1536x1024": { low: 16_000, medium: 63_000, high: 250_000 } },
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
  "gpt-image-1-mini": {
    perImage: { "1536x1024": { low: 6_000, medium: 15_000, high: 52_000 } },
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
  "dall-e-3": {
    perImage: { "1792x1024": { standard: 80_000, hd: 120_000 } },
    asOf: AS_OF,
    source: OPENAI_PRICING,
  },
};

/** Stability: credits per image in tenths (SD3.5 Large is 6.5 credits); 1 credit = $0.01 = 10,000 µ$. */
export interface CreditPrice extends Row {
  creditTenths: number;
}

export const stabilityPrices: Record<string, CreditPrice> = {
  core: { creditTenths: 30, asOf: AS_OF, source: STABILITY_PRICING },
  ultra: { creditTenths: 80, asOf: AS_OF, source: STABILITY_PRICING },
  "sd3.5-large": { creditTenths: 65, asOf: AS_OF, source: STABILITY_PRICING },
  "sd3.5-large-turbo": { creditTenths: 40, asOf: AS_OF, source: STABILITY_PRICING },
  "sd3.5-medium": { creditTenths: 35, asOf: AS_OF, source: STABILITY_PRICING },
};

const MICROS_PER_CREDIT_TENTH = 1_000;

function ceilDiv(numerator: number, denominator: number): number {
  return Math.floor((numerator + denominator - 1) / denominator);
}

function nonNegativeInt(value: number, what: string) {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new PricingError(`${what} must be a non-negative integer, got ${value}.`);
}

/** `gpt-4o-mini-2024-07-18` is priced as `gpt-4o-mini`: OpenAI answers with dated snapshot names. */
export function baseModelName(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, "");
}

function lookup<T>(table: Record<string, T>, key: string, what: string): T {
  const row = Object.hasOwn(table, key) ? table[key] : undefined;
  if (!row) throw new PricingError(`No price for ${what} "${key}". Known: ${Object.keys(table).join(", ")}.`);
  return row;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  /** Part of promptTokens served from OpenAI's prompt cache, billed at the cached rate. */
  cachedPromptTokens?: number;
}

/** OpenAI chat completion cost: uncached input + cached input + output, ceil to the µ$. */
export function chatCostMicros(model: string, usage: ChatUsage): number {
  const price = lookup(chatPrices, baseModelName(model), "chat model");
  const cached = usage.cachedPromptTokens ?? 0;
  nonNegativeInt(usage.promptTokens, "promptTokens");
  nonNegativeInt(usage.completionTokens, "completionTokens");
  nonNegativeInt(cached, "cachedPromptTokens");
  if (cached > usage.promptTokens) throw new PricingError("cachedPromptTokens exceeds promptTokens.");
  const total =
    (usage.promptTokens - cached) * price.inputPerMillion +
    cached * price.cachedInputPerMillion +
    usage.completionTokens * price.outputPerMillion;
  return ceilDiv(total, 1_000_000);
}

/** OpenAI text-to-speech (tts-1, tts-1-hd): characters x rate. */
export function openaiSpeechCostMicros(model: string, characters: number): number {
  nonNegativeInt(characters, "characters");
  return characters * lookup(openaiSpeechPrices, model, "OpenAI speech model").perCharacter;
}

/** ElevenLabs text-to-speech: characters x rate of the model. */
export function elevenLabsCostMicros(model: string, characters: number): number {
  nonNegativeInt(characters, "characters");
  return characters * lookup(elevenLabsPrices, model, "ElevenLabs model").perCharacter;
}

/** OpenAI image generation: per image by model, size and quality. */
export function openaiImageCostMicros(model: string, size: string, quality: string, images = 1): number {
  nonNegativeInt(images, "images");
  const price = lookup(openaiImagePrices, model, "image model");
  const bySize = lookup(price.perImage, size, `${model} size`);
  return images * lookup(bySize, quality, `${model} ${size} quality`);
}

/** The Stability model a request is priced as: the engine, or the sd3 `model` parameter. */
export function stabilityPriceKey(engine: "core" | "ultra" | "sd3", model?: string): string {
  return engine === "sd3" ? (model ?? "sd3.5-large") : engine;
}

/** Stability credits of one image (6.5 for SD3.5 Large). */
export function stabilityCredits(priceKey: string): number {
  return lookup(stabilityPrices, priceKey, "Stability engine").creditTenths / 10;
}

/** Stability cost of `images` images, from the engine table (never from a response header). */
export function stabilityCostMicros(priceKey: string, images = 1): number {
  nonNegativeInt(images, "images");
  return images * lookup(stabilityPrices, priceKey, "Stability engine").creditTenths * MICROS_PER_CREDIT_TENTH;
}

/**
 * YouTube calls cost no money; what they draw from the account's quota buckets is recorded instead,
 * from the one quota table (src/lib/youtube-quota-table.ts, which YOUTUBE_QUOTA_MODEL/TABLE configure).
 */
export function youtubeCallCost(config: QuotaConfig, method: QuotaMethod): { quota: BucketAmounts; costMicros: 0 } {
  return { quota: costOf(quotaTableFor(config), method), costMicros: 0 };
}

/** Characters as the TTS providers bill them: Unicode code points, not UTF-16 units. */
export function countCharacters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
