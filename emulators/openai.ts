// OpenAI (https://platform.openai.com/docs/api-reference): chat completions with structured outputs,
// text-to-speech and image generation, with OpenAI's error body {"error": {message, type, param, code}}.
import { mp3, pcm, speechSeconds, wav } from "./audio";
import {
  bearerToken,
  bytesReply,
  type EmulatorContext,
  type EmuRequest,
  isRecord,
  jsonReply,
  parseJsonBody,
  type Reply,
  str,
  type Upstream,
  unixNow,
} from "./http";
import { randomId } from "./ids";
import { jpeg, png } from "./images";
import { fillSchema, strictSchemaProblem } from "./schema-fill";
import { plainAnswer, writingContext } from "./script-writer";

export function openaiError(
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(status, { error: { message, type, param, code } }, requestHeaders(headers));
}

function requestHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "x-request-id": `req_${randomId(32, "0123456789abcdef")}`, "openai-version": "2020-10-01", ...extra };
}

const presets: Record<string, () => Reply> = {
  // https://platform.openai.com/docs/guides/error-codes: 429 rate limit, with retry-after headers.
  rate_limit: () =>
    openaiError(
      429,
      "Rate limit reached for requests in organization org-emulator on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.",
      "requests",
      "rate_limit_exceeded",
      null,
      { "retry-after": "1", "retry-after-ms": "1000", "x-ratelimit-remaining-requests": "0" },
    ),
  insufficient_quota: () =>
    openaiError(
      429,
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
      "insufficient_quota",
      "insufficient_quota",
    ),
  server_error: () =>
    openaiError(500, "The server had an error while processing your request. Sorry about that!", "server_error"),
  content_policy: () =>
    openaiError(
      400,
      "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.",
      "invalid_request_error",
      "content_policy_violation",
      "prompt",
    ),
};

interface ChatMessage {
  role: string;
  text: string;
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("\n");
  }
  return "";
}

const tokens = (text: string) => Math.ceil(text.length / 4);

export class OpenAIEmulator implements Upstream {
  readonly name = "openai" as const;
  readonly presets = presets;
  readonly behaviours = [] as const;
  /** Images answered as `url` (dall-e `response_format: "url"`), served under /openai/images/. */
  private images = new Map<string, Buffer>();

  constructor(private readonly ctx: EmulatorContext) {}

  reset(): void {
    this.images.clear();
  }

  errorReply(status: number, message: string): Reply {
    return openaiError(status, message, status >= 500 ? "server_error" : "invalid_request_error");
  }

  handle(req: EmuRequest): Reply {
    const image = req.path.match(/^\/images\/([\w-]+)\.png$/);
    if (req.method === "GET" && image?.[1]) {
      const bytes = this.images.get(image[1]);
      return bytes ? bytesReply(200, bytes, "image/png") : this.errorReply(404, "Not found");
    }
    const key = bearerToken(req);
    if (!key) {
      return openaiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error",
        "invalid_api_key",
      );
    }
    const expected = this.ctx.secrets.OPENAI_API_KEY;
    if (expected ? key !== expected : key.length < 8) {
      return openaiError(
        401,
        `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        "invalid_request_error",
        "invalid_api_key",
      );
    }
    const route = `${req.method} ${req.path}`;
    if (!["POST /v1/chat/completions", "POST /v1/audio/speech", "POST /v1/images/generations"].includes(route)) {
      return openaiError(404, `Invalid URL (${req.method} ${req.path})`, "invalid_request_error");
    }
    const parsed = parseJsonBody(req);
    if (!parsed.ok || !isRecord(parsed.value)) {
      return openaiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        "invalid_request_error",
      );
    }
    if (route === "POST /v1/chat/completions") return this.chat(parsed.value);
    if (route === "POST /v1/audio/speech") return this.speech(parsed.value);
    return this.imageGeneration(parsed.value);
  }

  /** https://platform.openai.com/docs/api-reference/chat/create */
  private chat(body: Record<string, unknown>): Reply {
    const model = str(body.model);
    if (!model) return openaiError(400, "you must provide a model parameter", "invalid_request_error", null, "model");
    if (!/^(gpt-|o\d|chatgpt-)/.test(model)) {
      return openaiError(
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        "invalid_request_error",
        "model_not_found",
      );
    }
    if (body.stream === true) {
      return openaiError(
        400,
        "stream: true is not produced by the local emulator",
        "invalid_request_error",
        null,
        "stream",
      );
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return openaiError(400, "[] is too short - 'messages'", "invalid_request_error", null, "messages");
    }
    const messages: ChatMessage[] = body.messages.map((m) =>
      isRecord(m) ? { role: String(m.role ?? "user"), text: messageText(m.content) } : { role: "user", text: "" },
    );
    const prompt = messages.map((m) => m.text).join("\n");
    const userText = messages
      .filter((m) => m.role === "user")
      .map((m) => m.text)
      .join("\n");
    const writing = writingContext(prompt, userText);
    const format = isRecord(body.response_format) ? body.response_format : undefined;
    let content: string;
    let schemaText = "";
    if (format?.type === "json_schema") {
      const spec = isRecord(format.json_schema) ? format.json_schema : undefined;
      if (!spec || typeof spec.name !== "string") {
        return openaiError(
          400,
          "Missing required parameter: 'response_format.json_schema.name'.",
          "invalid_request_error",
          "missing_required_parameter",
          "response_format.json_schema.name",
        );
      }
      if (spec.strict === true) {
        const problem = strictSchemaProblem(spec.schema);
        if (problem) {
          return openaiError(
            400,
            `Invalid schema for response_format '${spec.name}': ${problem}`,
            "invalid_request_error",
            "invalid_json_schema",
            "response_format",
          );
        }
      }
      schemaText = JSON.stringify(spec.schema ?? {});
      content = JSON.stringify(fillSchema(spec.schema, writing));
    } else if (format?.type === "json_object") {
      if (!/json/i.test(prompt)) {
        return openaiError(
          400,
          "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
          "invalid_request_error",
          null,
          "messages",
        );
      }
      content = JSON.stringify({ topic: writing.topic, text: plainAnswer(writing) });
    } else {
      content = plainAnswer(writing);
    }
    const promptTokens = messages.reduce((sum, m) => sum + tokens(m.text) + 4, 3) + tokens(schemaText);
    let completionTokens = tokens(content);
    let finishReason = "stop";
    const limit = Number(body.max_completion_tokens ?? body.max_tokens ?? Number.POSITIVE_INFINITY);
    if (Number.isFinite(limit) && limit > 0 && completionTokens > limit) {
      // Cut off like the real model: the text stops mid-way and (for JSON) no longer parses.
      content = content.slice(0, limit * 4);
      completionTokens = limit;
      finishReason = "length";
    }
    return jsonReply(
      200,
      {
        id: `chatcmpl-${randomId(29)}`,
        object: "chat.completion",
        created: unixNow(),
        model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: {
            reasoning_tokens: 0,
            audio_tokens: 0,
            accepted_prediction_tokens: 0,
            rejected_prediction_tokens: 0,
          },
        },
        service_tier: "default",
        system_fingerprint: "fp_emulator",
      },
      requestHeaders({ "openai-processing-ms": "42", "x-ratelimit-remaining-requests": "499" }),
    );
  }

  /** https://platform.openai.com/docs/api-reference/audio/createSpeech */
  private speech(body: Record<string, unknown>): Reply {
    const model = str(body.model);
    const input = str(body.input);
    const voice = str(body.voice);
    if (!model || !["tts-1", "tts-1-hd", "gpt-4o-mini-tts"].includes(model)) {
      return openaiError(400, `Invalid model: ${model ?? "(missing)"}`, "invalid_request_error", null, "model");
    }
    if (!input) return openaiError(400, "Missing required parameter: 'input'.", "invalid_request_error", null, "input");
    if (input.length > 4096) {
      return openaiError(
        400,
        "[{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String should have at most 4096 characters', 'ctx': {'max_length': 4096}}]",
        "invalid_request_error",
        "string_above_max_length",
        "input",
      );
    }
    if (!voice) return openaiError(400, "Missing required parameter: 'voice'.", "invalid_request_error", null, "voice");
    const seconds = speechSeconds(input, typeof body.speed === "number" ? body.speed : 1);
    const format = str(body.response_format) ?? "mp3";
    const headers = requestHeaders({ "x-character-count": String(input.length) });
    if (format === "mp3") return bytesReply(200, mp3(seconds, 24_000, 64), "audio/mpeg", headers);
    if (format === "wav") return bytesReply(200, wav(seconds, 24_000), "audio/wav", headers);
    if (format === "pcm") return bytesReply(200, pcm(seconds, 24_000), "audio/pcm", headers);
    return openaiError(
      400,
      `response_format '${format}' is not produced by the local emulator (use mp3, wav or pcm)`,
      "invalid_request_error",
      null,
      "response_format",
    );
  }

  /** https://platform.openai.com/docs/api-reference/images/create */
  private imageGeneration(body: Record<string, unknown>): Reply {
    const model = str(body.model) ?? "dall-e-2";
    const prompt = str(body.prompt);
    if (!prompt)
      return openaiError(400, "Missing required parameter: 'prompt'.", "invalid_request_error", null, "prompt");
    const gptImage = model.startsWith("gpt-image");
    const maxPrompt = gptImage ? 32_000 : model === "dall-e-3" ? 4000 : 1000;
    if (prompt.length > maxPrompt) {
      return openaiError(
        400,
        `Invalid 'prompt': string too long. Expected a string with maximum length ${maxPrompt}, but got a string with length ${prompt.length} instead.`,
        "invalid_request_error",
        "string_above_max_length",
        "prompt",
      );
    }
    const sizes: Record<string, string[]> = {
      "dall-e-2": ["256x256", "512x512", "1024x1024"],
      "dall-e-3": ["1024x1024", "1792x1024", "1024x1792"],
    };
    const allowed = sizes[model] ?? ["1024x1024", "1536x1024", "1024x1536", "auto"];
    const size = str(body.size) ?? (gptImage ? "auto" : "1024x1024");
    if (!allowed.includes(size)) {
      return openaiError(
        400,
        `Invalid value: '${size}'. Supported values are: ${allowed.map((s) => `'${s}'`).join(", ")}.`,
        "invalid_request_error",
        "invalid_value",
        "size",
      );
    }
    const n = typeof body.n === "number" ? body.n : 1;
    if (n < 1 || n > 10 || (model === "dall-e-3" && n !== 1)) {
      return openaiError(400, `Invalid 'n': ${n}.`, "invalid_request_error", "invalid_value", "n");
    }
    const [width, height] = (size === "auto" ? "1024x1024" : size).split("x").map(Number) as [number, number];
    const outputFormat = gptImage ? (str(body.output_format) ?? "png") : "png";
    if (!["png", "jpeg"].includes(outputFormat)) {
      return openaiError(
        400,
        `output_format '${outputFormat}' is not produced by the local emulator (use png or jpeg)`,
        "invalid_request_error",
        null,
        "output_format",
      );
    }
    const quality = str(body.quality) ?? (gptImage ? "auto" : "standard");
    const wantsUrl = !gptImage && str(body.response_format) !== "b64_json";
    const data = Array.from({ length: n }, (_, i) => {
      const seed = `${prompt}#${i}`;
      const bytes = outputFormat === "jpeg" ? jpeg(width, height, seed) : png(width, height, seed);
      if (wantsUrl) {
        const id = randomId(24);
        this.images.set(id, bytes);
        return { url: `${this.ctx.baseUrl()}/openai/images/${id}.png`, revised_prompt: prompt };
      }
      return model === "dall-e-3"
        ? { b64_json: bytes.toString("base64"), revised_prompt: prompt }
        : { b64_json: bytes.toString("base64") };
    });
    const result: Record<string, unknown> = { created: unixNow(), data };
    if (gptImage) {
      // gpt-image models bill tokens: a 1536x1024 image is about 1,584 (medium) output tokens.
      const tiles = Math.ceil(width / 512) * Math.ceil(height / 512);
      const perTile = { low: 45, medium: 176, high: 700, auto: 176 }[quality] ?? 176;
      const outputTokens = tiles * perTile * n;
      const inputTokens = tokens(prompt);
      Object.assign(result, {
        background: "opaque",
        output_format: outputFormat,
        quality: quality === "auto" ? "medium" : quality,
        size: size === "auto" ? "1024x1024" : size,
        usage: {
          input_tokens: inputTokens,
          output_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
          input_tokens_details: { text_tokens: inputTokens, image_tokens: 0 },
        },
      });
    }
    return jsonReply(200, result, requestHeaders());
  }
}
