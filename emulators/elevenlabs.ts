// ElevenLabs (https://elevenlabs.io/docs/api-reference/text-to-speech): text-to-speech, voices and the
// user's subscription, with its error body {"detail": {"status", "message"}}.
import { mp3, mp3Supported, pcm, speechSeconds, wav } from "./audio";
import {
  bytesReply,
  type EmulatorContext,
  type EmuRequest,
  header,
  isRecord,
  jsonReply,
  parseJsonBody,
  type Reply,
  str,
  type Upstream,
  unixNow,
} from "./http";
import { HEX, randomId } from "./ids";

export function elevenError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(status, { detail: { status: code, message } }, headers);
}

const presets: Record<string, () => Reply> = {
  quota_exceeded: () =>
    elevenError(
      401,
      "quota_exceeded",
      "This request exceeds your quota of 100000. You have 12 credits remaining, while 450 credits are required for this request.",
    ),
  too_many_concurrent: () =>
    elevenError(
      429,
      "too_many_concurrent_requests",
      "Too many concurrent requests. Your current subscription is associated with a maximum of 5 concurrent requests. Please upgrade your subscription or try again later.",
    ),
  system_busy: () =>
    elevenError(429, "system_busy", "We're experiencing a high volume of requests right now. Please try again later."),
  invalid_api_key: () => elevenError(401, "invalid_api_key", "Invalid API key"),
};

/** Characters per request by model (https://elevenlabs.io/docs/models). */
const MODEL_LIMITS: Record<string, number> = {
  eleven_multilingual_v2: 10_000,
  eleven_flash_v2_5: 40_000,
  eleven_turbo_v2_5: 40_000,
  eleven_flash_v2: 30_000,
  eleven_turbo_v2: 30_000,
  eleven_v3: 5_000,
  eleven_monolingual_v1: 10_000,
};

/** Credits per character: Flash and Turbo cost half (https://elevenlabs.io/pricing/api). */
const creditRate = (model: string) => (/flash|turbo/.test(model) ? 0.5 : 1);

const VOICES: Array<{ voice_id: string; name: string; gender: string; accent: string }> = [
  { voice_id: "21m00Tcm4TlvDq8ikWAM", name: "Rachel", gender: "female", accent: "american" },
  { voice_id: "EXAVITQu4vr4xnSDxMaL", name: "Sarah", gender: "female", accent: "american" },
  { voice_id: "pNInz6obpgDQGcFmaJgB", name: "Adam", gender: "male", accent: "american" },
  { voice_id: "ErXwobaYiN019PkySvjV", name: "Antoni", gender: "male", accent: "american" },
  { voice_id: "TxGEqnHWrfWFTfGW9XjX", name: "Josh", gender: "male", accent: "american" },
  { voice_id: "onwK4e9ZLuTAKqWW03F9", name: "Daniel", gender: "male", accent: "british" },
];

const DEFAULT_LIMIT = 1_800_000;

export class ElevenLabsEmulator implements Upstream {
  readonly name = "elevenlabs" as const;
  readonly presets = presets;
  readonly behaviours = [] as const;
  characterCount = 0;
  characterLimit = DEFAULT_LIMIT;

  constructor(private readonly ctx: EmulatorContext) {}

  reset(): void {
    this.characterCount = 0;
    this.characterLimit = DEFAULT_LIMIT;
  }

  errorReply(status: number, message: string): Reply {
    return elevenError(status, status >= 500 ? "internal_server_error" : "bad_request", message);
  }

  /** Control API: set the subscription's used and available credits. */
  setSubscription(input: { character_count?: number; character_limit?: number }): Record<string, number> {
    if (typeof input.character_count === "number") this.characterCount = input.character_count;
    if (typeof input.character_limit === "number") this.characterLimit = input.character_limit;
    return { character_count: this.characterCount, character_limit: this.characterLimit };
  }

  handle(req: EmuRequest): Reply {
    const key = header(req, "xi-api-key");
    const expected = this.ctx.secrets.ELEVENLABS_API_KEY;
    if (!key || (expected ? key !== expected : key.length < 4)) {
      return elevenError(401, "invalid_api_key", "Invalid API key");
    }
    if (req.method === "GET" && req.path === "/v1/voices") return this.voices();
    if (req.method === "GET" && (req.path === "/v1/user" || req.path === "/v1/user/subscription")) {
      const subscription = this.subscription();
      return jsonReply(200, req.path === "/v1/user" ? { user_id: "emulator-user", subscription } : subscription);
    }
    const tts = req.path.match(/^\/v1\/text-to-speech\/([^/]+)(\/with-timestamps|\/stream)?$/);
    if (req.method === "POST" && tts?.[1]) return this.textToSpeech(req, tts[1], tts[2] === "/with-timestamps");
    return jsonReply(404, { detail: "Not Found" });
  }

  private subscription() {
    return {
      tier: "creator",
      character_count: this.characterCount,
      character_limit: this.characterLimit,
      can_extend_character_limit: false,
      allowed_to_extend_character_limit: false,
      next_character_count_reset_unix: unixNow() + 30 * 86_400,
      voice_limit: 30,
      status: "active",
    };
  }

  private voices(): Reply {
    return jsonReply(200, {
      voices: VOICES.map((v) => ({
        voice_id: v.voice_id,
        name: v.name,
        category: "premade",
        labels: { gender: v.gender, accent: v.accent, age: "young", use_case: "narration" },
        preview_url: `${this.ctx.baseUrl()}/elevenlabs/previews/${v.voice_id}.mp3`,
        available_for_tiers: [],
        settings: null,
      })),
    });
  }

  private textToSpeech(req: EmuRequest, voiceId: string, withTimestamps: boolean): Reply {
    const parsed = parseJsonBody(req);
    const body = parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
    const text = str(body?.text);
    if (!body || !text) {
      // FastAPI validation error, as ElevenLabs answers for a malformed body.
      return jsonReply(422, {
        detail: [{ loc: ["body", "text"], msg: "field required", type: "value_error.missing" }],
      });
    }
    if (!VOICES.some((v) => v.voice_id === voiceId)) {
      return elevenError(404, "voice_not_found", `A voice with the voice_id ${voiceId} was not found.`);
    }
    const model = str(body.model_id) ?? "eleven_multilingual_v2";
    const limit = MODEL_LIMITS[model];
    if (limit === undefined)
      return elevenError(400, "model_not_found", `A model with model ID ${model} does not exist.`);
    if (text.length > limit) {
      return elevenError(
        400,
        "max_character_limit_exceeded",
        `You are sending ${text.length} characters. The maximum for a single request with model ${model} is ${limit} characters.`,
      );
    }
    const cost = Math.ceil(text.length * creditRate(model));
    if (this.characterCount + cost > this.characterLimit) {
      return elevenError(
        401,
        "quota_exceeded",
        `This request exceeds your quota of ${this.characterLimit}. You have ${Math.max(0, this.characterLimit - this.characterCount)} credits remaining, while ${cost} credits are required for this request.`,
      );
    }
    const format = req.query.get("output_format") ?? "mp3_44100_128";
    const speed =
      isRecord(body.voice_settings) && typeof body.voice_settings.speed === "number" ? body.voice_settings.speed : 1;
    const seconds = speechSeconds(text, speed);
    const audio = this.render(format, seconds);
    if (!audio) {
      return elevenError(
        400,
        "invalid_output_format",
        `output_format ${format} is not produced by the local emulator (use mp3_<rate>_<kbps>, pcm_<rate> or wav_<rate>)`,
      );
    }
    this.characterCount += cost;
    // ElevenLabs reports the credits charged in `character-cost` (already halved for Flash/Turbo).
    // `x-character-count` (plain characters of the text) is this emulator's addition.
    const headers = {
      "character-cost": String(cost),
      "x-character-count": String(text.length),
      "request-id": randomId(20, HEX),
      "history-item-id": randomId(20),
    };
    if (withTimestamps) {
      const step = seconds / text.length;
      const characters = [...text];
      const starts = characters.map((_, i) => Math.round(i * step * 1000) / 1000);
      const ends = characters.map((_, i) => Math.round((i + 1) * step * 1000) / 1000);
      const alignment = { characters, character_start_times_seconds: starts, character_end_times_seconds: ends };
      return jsonReply(
        200,
        { audio_base64: audio.bytes.toString("base64"), alignment, normalized_alignment: alignment },
        headers,
      );
    }
    return bytesReply(200, audio.bytes, audio.contentType, headers);
  }

  private render(format: string, seconds: number): { bytes: Buffer; contentType: string } | undefined {
    const mp3Format = format.match(/^mp3_(\d+)_(\d+)$/);
    if (mp3Format) {
      const rate = Number(mp3Format[1]);
      const kbps = Number(mp3Format[2]);
      return mp3Supported(rate, kbps) ? { bytes: mp3(seconds, rate, kbps), contentType: "audio/mpeg" } : undefined;
    }
    const pcmFormat = format.match(/^pcm_(\d+)$/);
    if (pcmFormat) return { bytes: pcm(seconds, Number(pcmFormat[1])), contentType: "audio/pcm" };
    const wavFormat = format.match(/^wav_(\d+)$/);
    if (wavFormat) return { bytes: wav(seconds, Number(wavFormat[1])), contentType: "audio/wav" };
    return undefined;
  }
}
