import { z } from "zod";
import { fetchAll } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { classifyElevenLabs, malformedResponse, ProviderError } from "./errors";
import { countCharacters } from "./pricing";
import { answerOf, isSuccess, joinUrl, parseBody } from "./upstream";

/**
 * ElevenLabs text-to-speech over plain fetch (https://elevenlabs.io/docs/api-reference/text-to-speech).
 * ELEVENLABS_BASE_URL is the API origin (`https://api.elevenlabs.io`); paths carry `/v1`.
 */

/** Characters one request may carry, per model (longer text is split by the caller). */
export const elevenLabsMaxCharacters: Record<string, number> = {
  eleven_multilingual_v2: 10_000,
  eleven_flash_v2_5: 40_000,
  eleven_flash_v2: 30_000,
  eleven_turbo_v2_5: 40_000,
};

export interface TextToSpeechInput {
  voiceId: string;
  modelId: string;
  text: string;
  /** ISO 639-1; only some models honour it. */
  languageCode?: string;
  /** `mp3_44100_128` by default. */
  outputFormat?: string;
}

export interface TextToSpeechResult {
  audio: ArrayBuffer;
  contentType: string;
  /** Characters billed (code points of `text`). */
  characters: number;
}

export async function textToSpeech(ctx: ProviderContext, input: TextToSpeechInput): Promise<TextToSpeechResult> {
  const characters = countCharacters(input.text);
  const limit = elevenLabsMaxCharacters[input.modelId] ?? 10_000;
  if (characters === 0 || characters > limit) {
    throw new ProviderError({
      provider: "elevenlabs",
      disposition: "fail",
      code: "max_character_limit_exceeded",
      message: `text must be 1..${limit} characters for ${input.modelId}, got ${characters}`,
    });
  }
  const url = new URL(
    joinUrl(ctx.config.ELEVENLABS_BASE_URL, `/v1/text-to-speech/${encodeURIComponent(input.voiceId)}`),
  );
  url.searchParams.set("output_format", input.outputFormat ?? "mp3_44100_128");
  const body = {
    text: input.text,
    model_id: input.modelId,
    ...(input.languageCode ? { language_code: input.languageCode } : {}),
  };
  return callProvider(ctx, "elevenlabs", { operation: "text-to-speech" }, async (signal) => {
    const response = await fetchAll(
      url,
      {
        method: "POST",
        headers: {
          "xi-api-key": ctx.config.ELEVENLABS_API_KEY,
          "content-type": "application/json",
          accept: "audio/mpeg",
        },
        body: JSON.stringify(body),
      },
      signal,
    );
    if (!isSuccess(response.status)) throw classifyElevenLabs(answerOf(response));
    const contentType = response.headers.get("content-type") ?? "";
    if (!contentType.startsWith("audio/") || response.body.byteLength === 0) {
      throw malformedResponse("elevenlabs", response.status, `expected audio, got ${contentType || "no content type"}`);
    }
    return { audio: response.body, contentType: contentType.split(";")[0] as string, characters };
  });
}

const voicesSchema = z.object({
  voices: z.array(
    z.object({
      voice_id: z.string(),
      name: z.string(),
      category: z.string().optional(),
      labels: z.record(z.string(), z.string()).nullish(),
      preview_url: z.string().nullish(),
    }),
  ),
});

export interface Voice {
  voiceId: string;
  name: string;
  category?: string;
  labels: Record<string, string>;
  previewUrl?: string;
}

/** The voices the account can use (`GET /v1/voices`). */
export async function listVoices(ctx: ProviderContext): Promise<Voice[]> {
  const url = joinUrl(ctx.config.ELEVENLABS_BASE_URL, "/v1/voices");
  return callProvider(ctx, "elevenlabs", { operation: "voices.list" }, async (signal) => {
    const response = await fetchAll(url, { headers: { "xi-api-key": ctx.config.ELEVENLABS_API_KEY } }, signal);
    if (!isSuccess(response.status)) throw classifyElevenLabs(answerOf(response));
    return parseBody("elevenlabs", response, voicesSchema).voices.map((voice) => ({
      voiceId: voice.voice_id,
      name: voice.name,
      category: voice.category,
      labels: voice.labels ?? {},
      previewUrl: voice.preview_url ?? undefined,
    }));
  });
}
