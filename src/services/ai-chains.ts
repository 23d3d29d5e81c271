import { z } from "zod";
import { ApiError } from "../lib/errors";
import type { ProviderContext } from "../providers/call";
import { elevenLabsMaxCharacters, textToSpeech as elevenLabsSpeech } from "../providers/elevenlabs";
import { ProviderError, type ProviderName, toProviderError } from "../providers/errors";
import {
  chatJson,
  OPENAI_SPEECH_MAX_CHARACTERS,
  image as openaiImage,
  speech as openaiSpeech,
} from "../providers/openai";
import {
  type ChatUsage,
  chatCostMicros,
  countCharacters,
  elevenLabsCostMicros,
  openaiImageCostMicros,
  openaiSpeechCostMicros,
  stabilityCostMicros,
  stabilityCredits,
  stabilityPriceKey,
} from "../providers/pricing";
import { generateImage as stabilityImage } from "../providers/stability";

/**
 * The AI steps of the pipeline as fallback chains (ADR 0009): script (SCRIPT_MODEL ->
 * SCRIPT_FALLBACK_MODEL), voice (ElevenLabs -> OpenAI TTS), thumbnail (Stability -> OpenAI images).
 *
 * A chain tries its candidates in order. It moves on after a `failover`-class error, and after a
 * `retry`-class error once callProvider has spent its retries or the breaker is open; a `fail`-class
 * error stops it (our request is wrong; another provider would not help). With a budget, a candidate
 * whose projected cost exceeds what is left of it is skipped, so the cheaper one is chosen; when
 * none fits the chain refuses before spending anything.
 *
 * Every result and every ChainError says which providers were tried, why each failed, and what each
 * cost (a truncated completion or half a narration is billed too), so the caller records exact costs.
 */

export type ChainName = "script" | "voice" | "thumbnail";

export type Usage =
  | ({ kind: "tokens" } & ChatUsage)
  | { kind: "characters"; characters: number }
  | { kind: "image"; size: string; quality: string }
  | { kind: "credits"; credits: number };

export interface ChainAttempt {
  provider: ProviderName;
  model: string;
  /** ProviderError code (`insufficient_quota`, `circuit_open`...) or `over_budget` when skipped. */
  code: string;
  /** What the failed attempt was billed, if anything. */
  costMicros: number;
}

export interface ChainResult<T> {
  output: T;
  provider: ProviderName;
  model: string;
  usage: Usage;
  costMicros: number;
  /** The candidates that did not serve, in order. Empty when the first one did. */
  attempts: ChainAttempt[];
}

export interface Candidate {
  provider: ProviderName;
  model: string;
}

export interface ChainOptions<I> {
  /** What is left of the caller's budget (e.g. the per-video cap minus what the video spent), in µ$. */
  maxCostMicros?: number;
  /** Projected cost of a candidate for this input, in µ$; each chain has a conservative default. */
  estimate?: (candidate: Candidate, input: I) => number;
}

export class ChainError extends Error {
  override name = "ChainError";
  constructor(
    readonly chain: ChainName,
    /** `budget_exceeded`: nothing fits; `provider_failed`: a fail-class error; `providers_exhausted`: all failed. */
    readonly code: "budget_exceeded" | "provider_failed" | "providers_exhausted",
    message: string,
    readonly attempts: ChainAttempt[],
    /** True when some provider failed transiently: the step may succeed later (queue retry). */
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Money spent by the failed attempts, to be recorded as cost events all the same. */
  get spentMicros(): number {
    return this.attempts.reduce((sum, attempt) => sum + attempt.costMicros, 0);
  }

  toApiError(): ApiError {
    if (this.code === "budget_exceeded") return new ApiError("budget_exceeded", this.message);
    return new ApiError(this.retryable ? "provider_unavailable" : "upstream_error", this.message, { cause: this });
  }
}

interface Served<T> {
  output: T;
  usage: Usage;
  costMicros: number;
}

interface Step<I, T> extends Candidate {
  defaultEstimate(input: I): number;
  run(input: I): Promise<Served<T>>;
}

async function runChain<I, T>(
  ctx: ProviderContext,
  chain: ChainName,
  steps: Step<I, T>[],
  input: I,
  options: ChainOptions<I>,
): Promise<ChainResult<T>> {
  const attempts: ChainAttempt[] = [];
  let spent = 0;
  let lastError: ProviderError | undefined;
  let retryable = false;
  let retryAfterMs: number | undefined;
  // Pricing every candidate first makes an unpriced model a loud configuration error (PricingError)
  // before anything is spent, not a cost that cannot be recorded after the call.
  const defaultEstimates = steps.map((step) => step.defaultEstimate(input));

  for (const [index, step] of steps.entries()) {
    const candidate = { provider: step.provider, model: step.model };
    if (options.maxCostMicros !== undefined) {
      const projected = options.estimate ? options.estimate(candidate, input) : (defaultEstimates[index] ?? 0);
      if (projected > options.maxCostMicros - spent) {
        attempts.push({ ...candidate, code: "over_budget", costMicros: 0 });
        continue;
      }
    }
    try {
      const served = await step.run(input);
      return { ...served, ...candidate, attempts };
    } catch (thrown) {
      const error = toProviderError(step.provider, thrown);
      const costMicros = error.costMicros ?? 0;
      spent += costMicros;
      attempts.push({ ...candidate, code: error.code, costMicros });
      lastError = error;
      ctx.logger?.warn("chain_attempt_failed", {
        chain,
        ...candidate,
        code: error.code,
        disposition: error.disposition,
      });
      if (error.disposition === "retry") {
        retryable = true;
        if (error.retryAfterMs !== undefined) retryAfterMs = Math.min(retryAfterMs ?? Infinity, error.retryAfterMs);
      }
      if (error.disposition === "fail") {
        throw new ChainError(chain, "provider_failed", `${chain}: ${error.message}`, attempts, false, undefined, {
          cause: error,
        });
      }
    }
  }

  if (!lastError) {
    const budget = options.maxCostMicros ?? 0;
    throw new ChainError(
      chain,
      "budget_exceeded",
      `${chain}: no provider fits the remaining budget of ${budget} µ$ (${steps.map((s) => s.model).join(", ")} projected over it)`,
      attempts,
      false,
    );
  }
  const tried = attempts.map((a) => `${a.provider}/${a.model}: ${a.code}`).join("; ");
  throw new ChainError(
    chain,
    "providers_exhausted",
    `${chain}: every provider failed (${tried})`,
    attempts,
    retryable,
    retryAfterMs,
    {
      cause: lastError,
    },
  );
}

/** A copy of a ProviderError carrying what was billed before it happened. */
function withSpent(error: unknown, provider: ProviderName, costMicros: number): ProviderError {
  const e = toProviderError(provider, error);
  if (costMicros === 0) return e;
  return new ProviderError({
    provider: e.provider,
    disposition: e.disposition,
    code: e.code,
    status: e.status,
    retryAfterMs: e.retryAfterMs,
    message: e.message.replace(/^[a-z_]+: /, ""),
    costMicros: costMicros + (e.costMicros ?? 0),
    cause: e,
  });
}

// ---------------------------------------------------------------------------------------------
// Script

/** What the script model returns. Title and description follow YouTube's limits (validateVideoMetadata). */
export const scriptSchema = z.object({
  title: z.string().min(1).max(100),
  description: z.string().max(5_000),
  tags: z.array(z.string().min(1).max(100)).max(30),
  narration: z.string().min(1),
  scenes: z
    .array(
      z.object({ summary: z.string().min(1), imagePrompt: z.string().min(1), durationSeconds: z.number().positive() }),
    )
    .min(1)
    .max(60),
  thumbnailPrompt: z.string().min(1).max(2_000),
});

export type Script = z.infer<typeof scriptSchema>;

/**
 * The same shape as JSON Schema for OpenAI structured outputs (strict: every property required,
 * no additional properties). Length limits are stated in descriptions rather than as `maxLength`,
 * which strict mode has not accepted for strings; normalizeScript enforces them afterwards.
 */
export const scriptJsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["title", "description", "tags", "narration", "scenes", "thumbnailPrompt"],
  properties: {
    title: { type: "string", description: "YouTube title, at most 100 characters, no < or >." },
    description: { type: "string", description: "YouTube description, at most 4,500 characters, no < or >." },
    tags: { type: "array", items: { type: "string" }, description: "5 to 15 search tags." },
    narration: { type: "string", description: "The complete voice-over text, read as is." },
    scenes: {
      type: "array",
      description: "The visual scenes in order, covering the whole narration.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["summary", "imagePrompt", "durationSeconds"],
        properties: {
          summary: { type: "string" },
          imagePrompt: { type: "string", description: "A prompt for an image model, no text in the image." },
          durationSeconds: { type: "number" },
        },
      },
    },
    thumbnailPrompt: { type: "string", description: "A prompt for a 16:9 thumbnail image, bold and legible." },
  },
} as const;

const utf8 = new TextEncoder();

function truncateBytes(text: string, maxBytes: number): string {
  if (utf8.encode(text).length <= maxBytes) return text;
  let out = "";
  for (const char of text) {
    if (utf8.encode(out + char).length > maxBytes) break;
    out += char;
  }
  return out;
}

/**
 * Deterministic clean-up of a parsed answer before validation: YouTube refuses `<` and `>` in titles
 * and descriptions, and a title over 100 characters is shortened at a word boundary rather than
 * paying for a second model call.
 */
export function normalizeScript(data: unknown): Script {
  const raw = z
    .object({ title: z.string(), description: z.string(), tags: z.array(z.string()) })
    .passthrough()
    .parse(data);
  let title = raw.title.replace(/[<>]/g, "").trim();
  if ([...title].length > 100) {
    const cut = [...title].slice(0, 100).join("");
    title = (cut.lastIndexOf(" ") > 60 ? cut.slice(0, cut.lastIndexOf(" ")) : cut).trim();
  }
  const description = truncateBytes(raw.description.replace(/[<>]/g, ""), 5_000);
  const tags = raw.tags
    .map((tag) => tag.replace(/[<>,]/g, "").trim())
    .filter(Boolean)
    .slice(0, 30);
  return scriptSchema.parse({ ...raw, title, description, tags });
}

export interface ScriptInput {
  topic: string;
  /** BCP 47, e.g. `en`, `es-MX`. */
  language: string;
  targetDurationSeconds: number;
  style?: string;
  audience?: string;
}

/** Narration at ~150 words a minute, ~1.35 tokens a word, plus scenes and metadata, with headroom. */
export function scriptMaxTokens(targetDurationSeconds: number): number {
  const narrationTokens = Math.ceil((targetDurationSeconds / 60) * 150 * 1.35);
  return Math.min(16_000, Math.ceil(narrationTokens * 1.5) + 1_500);
}

function scriptPrompts(input: ScriptInput) {
  const system = [
    "You write scripts for faceless YouTube videos: a voice-over narration, visual scenes and the",
    "upload metadata. Write in the requested language. Be factual; do not invent statistics or quotes.",
    "The narration is read by a text-to-speech voice exactly as written: no stage directions, no markdown.",
  ].join(" ");
  const words = Math.round((input.targetDurationSeconds / 60) * 150);
  const user = [
    `Topic: ${input.topic}`,
    `Language: ${input.language}`,
    `Target length: ${input.targetDurationSeconds} seconds (about ${words} words of narration).`,
    input.style ? `Style: ${input.style}` : "",
    input.audience ? `Audience: ${input.audience}` : "",
  ]
    .filter(Boolean)
    .join("\n");
  return { system, user };
}

/** Conservative: ~3 characters a token for the prompt (real text averages ~4) and every completion token. */
function estimateChat(model: string, input: ScriptInput): number {
  const { system, user } = scriptPrompts(input);
  const promptChars = system.length + user.length + JSON.stringify(scriptJsonSchema).length;
  return chatCostMicros(model, {
    promptTokens: Math.ceil(promptChars / 3) + 50,
    completionTokens: scriptMaxTokens(input.targetDurationSeconds),
  });
}

export function generateScript(
  ctx: ProviderContext,
  input: ScriptInput,
  options: ChainOptions<ScriptInput> = {},
): Promise<ChainResult<Script>> {
  const models = [...new Set([ctx.config.SCRIPT_MODEL, ctx.config.SCRIPT_FALLBACK_MODEL])];
  const steps: Step<ScriptInput, Script>[] = models.map((model) => ({
    provider: "openai",
    model,
    defaultEstimate: (i) => estimateChat(model, i),
    async run(i) {
      const { system, user } = scriptPrompts(i);
      const result = await chatJson(ctx, {
        model,
        system,
        user,
        schema: scriptJsonSchema,
        schemaName: "video_script",
        maxTokens: scriptMaxTokens(i.targetDurationSeconds),
        parse: normalizeScript,
      });
      return {
        output: result.data,
        usage: { kind: "tokens", ...result.usage },
        costMicros: chatCostMicros(model, result.usage),
      };
    },
  }));
  return runChain(ctx, "script", steps, input, options);
}

// ---------------------------------------------------------------------------------------------
// Voice

export interface VoiceInput {
  text: string;
  languageCode?: string;
}

export interface VoiceOutput {
  audio: ArrayBuffer;
  contentType: string;
  characters: number;
}

/**
 * Splits text into pieces of at most `maxChars` code points, at sentence ends when possible, then
 * at spaces. Both providers answer MP3, whose frames concatenate into one playable file.
 */
export function splitForSpeech(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (countCharacters(rest) > maxChars) {
    const window = [...rest].slice(0, maxChars).join("");
    let cut = Math.max(
      window.lastIndexOf(". "),
      window.lastIndexOf("! "),
      window.lastIndexOf("? "),
      window.lastIndexOf("\n"),
    );
    if (cut > maxChars / 2) cut += 1;
    else cut = window.lastIndexOf(" ") > maxChars / 2 ? window.lastIndexOf(" ") : window.length;
    pieces.push(window.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

function concat(buffers: ArrayBuffer[]): ArrayBuffer {
  const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const buffer of buffers) {
    out.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return out.buffer;
}

/** Synthesises every piece in order; on failure the error carries what the done pieces were billed. */
async function speakInPieces(
  provider: ProviderName,
  pieces: string[],
  pricePerPiece: (characters: number) => number,
  speak: (piece: string) => Promise<{ audio: ArrayBuffer; contentType: string; characters: number }>,
): Promise<Served<VoiceOutput>> {
  const audio: ArrayBuffer[] = [];
  let characters = 0;
  let costMicros = 0;
  let contentType = "audio/mpeg";
  for (const piece of pieces) {
    try {
      const spoken = await speak(piece);
      audio.push(spoken.audio);
      contentType = spoken.contentType;
      characters += spoken.characters;
      costMicros += pricePerPiece(spoken.characters);
    } catch (error) {
      throw withSpent(error, provider, costMicros);
    }
  }
  return {
    output: { audio: concat(audio), contentType, characters },
    usage: { kind: "characters", characters },
    costMicros,
  };
}

export function synthesizeVoice(
  ctx: ProviderContext,
  input: VoiceInput,
  options: ChainOptions<VoiceInput> = {},
): Promise<ChainResult<VoiceOutput>> {
  const { ELEVENLABS_MODEL, ELEVENLABS_VOICE_ID, OPENAI_TTS_MODEL, OPENAI_TTS_VOICE } = ctx.config;
  const steps: Step<VoiceInput, VoiceOutput>[] = [
    {
      provider: "elevenlabs",
      model: ELEVENLABS_MODEL,
      defaultEstimate: (i) => elevenLabsCostMicros(ELEVENLABS_MODEL, countCharacters(i.text)),
      run: (i) =>
        speakInPieces(
          "elevenlabs",
          splitForSpeech(i.text, elevenLabsMaxCharacters[ELEVENLABS_MODEL] ?? 10_000),
          (characters) => elevenLabsCostMicros(ELEVENLABS_MODEL, characters),
          (piece) =>
            elevenLabsSpeech(ctx, {
              voiceId: ELEVENLABS_VOICE_ID,
              modelId: ELEVENLABS_MODEL,
              text: piece,
              languageCode: i.languageCode,
            }),
        ),
    },
    {
      provider: "openai",
      model: OPENAI_TTS_MODEL,
      defaultEstimate: (i) => openaiSpeechCostMicros(OPENAI_TTS_MODEL, countCharacters(i.text)),
      run: (i) =>
        speakInPieces(
          "openai",
          splitForSpeech(i.text, OPENAI_SPEECH_MAX_CHARACTERS),
          (characters) => openaiSpeechCostMicros(OPENAI_TTS_MODEL, characters),
          (piece) =>
            openaiSpeech(ctx, { model: OPENAI_TTS_MODEL, voice: OPENAI_TTS_VOICE, input: piece, format: "mp3" }),
        ),
    },
  ];
  return runChain(ctx, "voice", steps, input, options);
}

// ---------------------------------------------------------------------------------------------
// Thumbnail

export interface ThumbnailInput {
  prompt: string;
  negativePrompt?: string;
  seed?: number;
}

export interface ThumbnailOutput {
  bytes: ArrayBuffer;
  contentType: string;
}

/** Landscape size and default quality of each OpenAI image model for a 16:9-ish thumbnail. */
function openaiThumbnailSpec(model: string): { size: string; quality: string } {
  return model.startsWith("dall-e")
    ? { size: "1792x1024", quality: "standard" }
    : { size: "1536x1024", quality: "medium" };
}

export function generateThumbnail(
  ctx: ProviderContext,
  input: ThumbnailInput,
  options: ChainOptions<ThumbnailInput> = {},
): Promise<ChainResult<ThumbnailOutput>> {
  const engine = ctx.config.STABILITY_ENGINE;
  const stabilityModel = stabilityPriceKey(engine);
  const imageModel = ctx.config.OPENAI_IMAGE_MODEL;
  const spec = openaiThumbnailSpec(imageModel);
  const steps: Step<ThumbnailInput, ThumbnailOutput>[] = [
    {
      provider: "stability",
      model: stabilityModel,
      defaultEstimate: () => stabilityCostMicros(stabilityModel),
      async run(i) {
        const image = await stabilityImage(ctx, {
          engine,
          prompt: i.prompt,
          negativePrompt: i.negativePrompt,
          seed: i.seed,
          aspectRatio: "16:9",
          // JPEG keeps a thumbnail under YouTube's 2 MB limit.
          outputFormat: "jpeg",
        });
        return {
          output: { bytes: image.bytes, contentType: image.contentType },
          usage: { kind: "credits", credits: stabilityCredits(stabilityModel) },
          costMicros: image.costMicros,
        };
      },
    },
    {
      provider: "openai",
      model: imageModel,
      defaultEstimate: () => openaiImageCostMicros(imageModel, spec.size, spec.quality),
      async run(i) {
        const image = await openaiImage(ctx, { model: imageModel, prompt: i.prompt, ...spec, outputFormat: "jpeg" });
        return {
          output: image,
          usage: { kind: "image", ...spec },
          costMicros: openaiImageCostMicros(imageModel, spec.size, spec.quality),
        };
      },
    },
  ];
  return runChain(ctx, "thumbnail", steps, input, options);
}
