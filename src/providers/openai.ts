import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { z } from "zod";
import { base64ToBytes } from "../lib/encoding";
import { UpstreamNetworkError, UpstreamTimeoutError } from "../lib/http";
import { type CallOptions, callProvider, type ProviderContext } from "./call";
import { classifyOpenAI, malformedResponse, ProviderError } from "./errors";
import { type ChatUsage, chatCostMicros, countCharacters, PricingError } from "./pricing";

/**
 * OpenAI through the official SDK (https://platform.openai.com/docs/api-reference): chat completions
 * with structured JSON output, text-to-speech and image generation.
 */

const clients = new WeakMap<object, OpenAI>();

function client(ctx: ProviderContext): OpenAI {
  let openai = clients.get(ctx.config);
  if (!openai) {
    openai = new OpenAI({
      apiKey: ctx.config.OPENAI_API_KEY,
      baseURL: ctx.config.OPENAI_BASE_URL,
      // callProvider owns retries. The SDK's default (2) would turn each of our attempts into up to
      // three requests and wait out a retry-after twice; one layer retries, so retries never multiply.
      maxRetries: 0,
      // Bounds time to headers only; the per-attempt deadline of callProvider also covers the body.
      timeout: ctx.timeoutMs,
      // Resolve the Workers global at call time (the SDK must not bind it to another `this`).
      fetch: (url, init) => fetch(url, init),
    });
    clients.set(ctx.config, openai);
  }
  return openai;
}

/** SDK errors as classified ProviderErrors; the rest is left to callProvider's generic mapping. */
function fromSdk(error: unknown, timeoutMs: number): unknown {
  if (error instanceof APIConnectionTimeoutError) return new UpstreamTimeoutError(timeoutMs);
  if (error instanceof APIConnectionError) return new UpstreamNetworkError(error.message, { cause: error });
  if (error instanceof APIError && typeof error.status === "number") {
    return classifyOpenAI({
      status: error.status,
      headers: error.headers ?? new Headers(),
      body: { error: error.error ?? { message: error.message } },
    });
  }
  return error;
}

function call<T>(
  ctx: ProviderContext,
  options: CallOptions,
  attempt: (openai: OpenAI, signal: AbortSignal) => Promise<T>,
) {
  return callProvider(ctx, "openai", options, async (signal) => {
    try {
      return await attempt(client(ctx), signal);
    } catch (error) {
      throw fromSdk(error, ctx.timeoutMs);
    }
  });
}

export interface ChatJsonInput<T> {
  model: string;
  system: string;
  user: string;
  /** JSON Schema of the answer (structured outputs, strict). */
  schema: Record<string, unknown>;
  schemaName: string;
  maxTokens: number;
  temperature?: number;
  /** Validates the parsed answer further; a throw is treated like unparseable output. */
  parse?: (data: unknown) => T;
}

export interface ChatJsonResult<T> {
  data: T;
  /** The model that answered, as OpenAI reports it (may be a dated snapshot). */
  model: string;
  usage: ChatUsage;
}

const completionSchema = z.object({
  model: z.string(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable(),
        message: z.object({ content: z.string().nullable().optional(), refusal: z.string().nullable().optional() }),
      }),
    )
    .min(1),
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative().optional() }).nullish(),
  }),
});

function billed(model: string, usage: ChatUsage): number | undefined {
  try {
    return chatCostMicros(model, usage);
  } catch (error) {
    if (error instanceof PricingError) return undefined;
    throw error;
  }
}

/**
 * A chat completion whose answer is JSON matching `schema`.
 *
 * Outcomes that are not a usable answer, and why they are classified so (ADR 0007):
 * - finish_reason `length`: truncated by `maxTokens`, which is our setting; the same request would
 *   truncate again and so would the fallback model -> `fail` (`output_truncated`).
 * - finish_reason `content_filter` or a refusal -> `failover` (`content_filter`, `refusal`).
 * - content that does not parse as JSON, or fails `parse` -> `failover` (`invalid_json_output`):
 *   strict structured outputs make it rare, retrying the same model is paid again for the same odds,
 *   and it says nothing about the upstream's health, so the breaker must not count it.
 * Each of these was billed: the error carries `costMicros`.
 */
export async function chatJson<T = unknown>(ctx: ProviderContext, input: ChatJsonInput<T>): Promise<ChatJsonResult<T>> {
  const raw = await call(ctx, { operation: "chat.completions" }, (openai, signal) =>
    openai.chat.completions.create(
      {
        model: input.model,
        messages: [
          { role: "system", content: input.system },
          { role: "user", content: input.user },
        ],
        response_format: {
          type: "json_schema",
          json_schema: { name: input.schemaName, schema: input.schema, strict: true },
        },
        max_completion_tokens: input.maxTokens,
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      },
      { signal },
    ),
  );
  const parsed = completionSchema.safeParse(raw);
  if (!parsed.success) throw malformedResponse("openai", 200, "chat completion without choices or usage");
  const completion = parsed.data;
  const usage: ChatUsage = {
    promptTokens: completion.usage.prompt_tokens,
    completionTokens: completion.usage.completion_tokens,
    cachedPromptTokens: completion.usage.prompt_tokens_details?.cached_tokens ?? 0,
  };
  const costMicros = billed(input.model, usage);
  const choice = completion.choices[0] as (typeof completion.choices)[number];
  const unusable = (disposition: "fail" | "failover", code: string, message: string) =>
    new ProviderError({ provider: "openai", disposition, code, status: 200, message, costMicros });

  if (choice.finish_reason === "length") {
    throw unusable("fail", "output_truncated", `answer cut at max_tokens=${input.maxTokens}`);
  }
  if (choice.finish_reason === "content_filter") throw unusable("failover", "content_filter", "answer filtered");
  if (choice.message.refusal) throw unusable("failover", "refusal", "the model refused the request");
  let data: T;
  try {
    const json: unknown = JSON.parse(choice.message.content ?? "");
    data = input.parse ? input.parse(json) : (json as T);
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 200) : "unparseable";
    throw unusable("failover", "invalid_json_output", `answer is not the requested JSON: ${reason}`);
  }
  return { data, model: completion.model, usage };
}

export type SpeechFormat = "mp3" | "opus" | "aac" | "flac" | "wav" | "pcm";

const speechContentTypes: Record<SpeechFormat, string> = {
  mp3: "audio/mpeg",
  opus: "audio/ogg",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

/** OpenAI's limit on `input` of /v1/audio/speech. */
export const OPENAI_SPEECH_MAX_CHARACTERS = 4_096;

export interface SpeechInput {
  model: string;
  voice: string;
  input: string;
  format?: SpeechFormat;
}

export interface SpeechResult {
  audio: ArrayBuffer;
  contentType: string;
  /** Characters billed (code points of `input`). */
  characters: number;
}

/** Text to speech (`POST /v1/audio/speech`); the audio is read completely within the deadline. */
export async function speech(ctx: ProviderContext, input: SpeechInput): Promise<SpeechResult> {
  const characters = countCharacters(input.input);
  if (characters === 0 || characters > OPENAI_SPEECH_MAX_CHARACTERS) {
    throw new ProviderError({
      provider: "openai",
      disposition: "fail",
      code: "input_too_long",
      message: `speech input must be 1..${OPENAI_SPEECH_MAX_CHARACTERS} characters, got ${characters}`,
    });
  }
  const format = input.format ?? "mp3";
  return call(ctx, { operation: "audio.speech" }, async (openai, signal) => {
    const response = await openai.audio.speech.create(
      { model: input.model, voice: input.voice, input: input.input, response_format: format },
      { signal },
    );
    const audio = await response.arrayBuffer();
    if (audio.byteLength === 0) throw malformedResponse("openai", response.status, "empty audio");
    return { audio, contentType: speechContentTypes[format], characters };
  });
}

export interface ImageInput {
  model: string;
  prompt: string;
  /** `1536x1024` for gpt-image-1(-mini) thumbnails, `1792x1024` for dall-e-3. */
  size: string;
  /** gpt-image: low | medium | high; dall-e-3: standard | hd. */
  quality: string;
  /** gpt-image models only; dall-e-3 always returns PNG. */
  outputFormat?: "png" | "jpeg" | "webp";
}

export interface ImageResult {
  bytes: ArrayBuffer;
  contentType: string;
}

const imagesSchema = z.object({
  data: z.array(z.object({ b64_json: z.string().min(1) })).min(1),
  output_format: z.string().optional(),
});

/** One image (`POST /v1/images/generations`), returned as bytes (base64 in the JSON answer). */
export async function image(ctx: ProviderContext, input: ImageInput): Promise<ImageResult> {
  const dalle = input.model.startsWith("dall-e");
  const raw = await call(ctx, { operation: "images.generate" }, (openai, signal) =>
    openai.images.generate(
      {
        model: input.model,
        prompt: input.prompt,
        n: 1,
        size: input.size as OpenAI.ImageGenerateParams["size"],
        quality: input.quality as OpenAI.ImageGenerateParams["quality"],
        // dall-e-3 answers with a URL unless asked for base64; gpt-image models only return base64
        // and refuse `response_format`.
        ...(dalle ? { response_format: "b64_json" as const } : { output_format: input.outputFormat ?? "png" }),
      },
      { signal },
    ),
  );
  const parsed = imagesSchema.safeParse(raw);
  if (!parsed.success) throw malformedResponse("openai", 200, "image answer without data[0].b64_json");
  const first = parsed.data.data[0] as { b64_json: string };
  let bytes: ArrayBuffer;
  try {
    bytes = base64ToBytes(first.b64_json).buffer;
  } catch {
    throw malformedResponse("openai", 200, "b64_json is not base64");
  }
  const format = dalle ? "png" : (parsed.data.output_format ?? input.outputFormat ?? "png");
  return { bytes, contentType: `image/${format === "jpg" ? "jpeg" : format}` };
}
