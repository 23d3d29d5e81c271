// Stability AI Stable Image (https://platform.stability.ai/docs/api-reference): multipart in, image bytes
// or JSON out, errors as {"id", "name", "errors": [...]}.
import { readFileSync } from "node:fs";
import { type MultipartPart, parseMultipart } from "./forms";
import {
  bearerToken,
  bytesReply,
  type EmulatorContext,
  type EmuRequest,
  header,
  jsonReply,
  type Reply,
  type Upstream,
} from "./http";
import { HEX, hash32, randomId } from "./ids";
import { jpeg, png } from "./images";

export function stabilityError(status: number, name: string, errors: string[]): Reply {
  return jsonReply(status, { id: randomId(32, HEX), name, errors });
}

const presets: Record<string, () => Reply> = {
  payment_required: () =>
    stabilityError(402, "payment_required", [
      "You lack sufficient credits to make this request.  Please purchase more credits at https://platform.stability.ai/account/credits and try again.",
    ]),
  rate_limit: () =>
    stabilityError(429, "rate_limit_exceeded", [
      "You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds.",
    ]),
  server_error: () => stabilityError(500, "internal_error", ["An unexpected server error occurred, please try again."]),
};

/** Credits per image (1 credit = $0.01), https://platform.stability.ai/pricing. */
const SD3_MODELS: Record<string, number> = {
  "sd3.5-large": 6.5,
  "sd3.5-large-turbo": 4,
  "sd3.5-medium": 3.5,
  "sd3.5-flash": 2.5,
};
const ENGINE_CREDITS: Record<string, number> = { core: 3, ultra: 8 };

/** Output sizes by aspect ratio (about one megapixel, as the API returns). */
const ASPECT_SIZES: Record<string, [number, number]> = {
  "16:9": [1344, 768],
  "1:1": [1024, 1024],
  "21:9": [1536, 640],
  "2:3": [832, 1216],
  "3:2": [1216, 832],
  "4:5": [896, 1088],
  "5:4": [1088, 896],
  "9:16": [768, 1344],
  "9:21": [640, 1536],
};

const STYLE_PRESETS = [
  "3d-model",
  "analog-film",
  "anime",
  "cinematic",
  "comic-book",
  "digital-art",
  "enhance",
  "fantasy-art",
  "isometric",
  "line-art",
  "low-poly",
  "modeling-compound",
  "neon-punk",
  "origami",
  "photographic",
  "pixel-art",
  "tile-texture",
];

const DEFAULT_BALANCE = 100_000;

export class StabilityEmulator implements Upstream {
  readonly name = "stability" as const;
  readonly presets = presets;
  readonly behaviours = ["content_filtered"] as const;
  credits = DEFAULT_BALANCE;
  private webp: Buffer | undefined;

  constructor(private readonly ctx: EmulatorContext) {}

  reset(): void {
    this.credits = DEFAULT_BALANCE;
  }

  errorReply(status: number, message: string): Reply {
    return stabilityError(
      status,
      status >= 500 ? "internal_error" : status === 429 ? "rate_limit_exceeded" : "bad_request",
      [message],
    );
  }

  handle(req: EmuRequest): Reply {
    const key = bearerToken(req);
    const expected = this.ctx.secrets.STABILITY_API_KEY;
    if (!key || (expected ? key !== expected : key.length < 4)) {
      return stabilityError(401, "unauthorized", ["Incorrect API key provided"]);
    }
    if (req.method === "GET" && req.path === "/v1/user/balance") return jsonReply(200, { credits: this.credits });
    const route = req.path.match(/^\/v2beta\/stable-image\/generate\/(core|ultra|sd3)$/);
    if (req.method !== "POST" || !route?.[1])
      return stabilityError(404, "not_found", [`${req.method} ${req.path} not found`]);
    return this.generate(req, route[1]);
  }

  private generate(req: EmuRequest, engine: string): Reply {
    const parts = parseMultipart(req.body, header(req, "content-type"));
    if (!parts) return stabilityError(400, "bad_request", ["content-type: must be multipart/form-data"]);
    const field = (name: string) => fieldOf(parts, name);
    const errors: string[] = [];
    const prompt = field("prompt");
    if (!prompt) errors.push("prompt: cannot be empty");
    else if (prompt.length > 10_000) errors.push("prompt: must be at most 10000 characters");
    if ((field("negative_prompt") ?? "").length > 10_000)
      errors.push("negative_prompt: must be at most 10000 characters");
    const aspect = field("aspect_ratio") ?? "1:1";
    if (!ASPECT_SIZES[aspect]) errors.push(`aspect_ratio: must be one of ${Object.keys(ASPECT_SIZES).join(", ")}`);
    const format = field("output_format") ?? "png";
    const formats = engine === "sd3" ? ["png", "jpeg"] : ["png", "jpeg", "webp"];
    if (!formats.includes(format)) errors.push(`output_format: must be one of ${formats.join(", ")}`);
    const style = field("style_preset");
    if (style !== undefined && (engine !== "core" || !STYLE_PRESETS.includes(style))) {
      errors.push(
        engine === "core"
          ? `style_preset: must be one of ${STYLE_PRESETS.join(", ")}`
          : "style_preset: not supported by this engine",
      );
    }
    const seedText = field("seed");
    const seedValue = seedText === undefined ? 0 : Number(seedText);
    if (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > 4_294_967_294)
      errors.push("seed: must be an integer in [0, 4294967294]");
    const model = field("model") ?? "sd3.5-large";
    if (engine === "sd3" && SD3_MODELS[model] === undefined) {
      errors.push(`model: must be one of ${Object.keys(SD3_MODELS).join(", ")}`);
    }
    const accept = header(req, "accept") ?? "image/*";
    const wantsJson = accept.includes("application/json");
    if (!wantsJson && !accept.includes("image/") && !accept.includes("*/*"))
      errors.push("accept: must be image/* or application/json");
    if (errors.length > 0 || !prompt) return stabilityError(400, "bad_request", errors);

    const credits = engine === "sd3" ? (SD3_MODELS[model] ?? 6.5) : (ENGINE_CREDITS[engine] ?? 3);
    if (this.credits < credits) return presets.payment_required?.() ?? stabilityError(402, "payment_required", []);
    this.credits -= credits;
    // seed 0 means "random" to the API; the emulator derives one from the prompt so runs repeat.
    const seed = seedValue === 0 ? hash32(prompt) % 4_294_967_294 : seedValue;
    const filtered = req.preset === "content_filtered";
    const finishReason = filtered ? "CONTENT_FILTERED" : "SUCCESS";
    const [width, height] = ASPECT_SIZES[aspect] ?? [1024, 1024];
    const image = this.image(format, width, height, `${prompt}#${seed}`, filtered);
    // The real API does not report credits; x-credits-used is this emulator's, for tests.
    const headers = { "finish-reason": finishReason, seed: String(seed), "x-credits-used": String(credits) };
    if (wantsJson) {
      return jsonReply(200, { image: image.toString("base64"), finish_reason: finishReason, seed }, headers);
    }
    return bytesReply(200, image, `image/${format}`, headers);
  }

  private image(format: string, width: number, height: number, seed: string, muted: boolean): Buffer {
    if (format === "jpeg") return jpeg(width, height, seed, { muted });
    if (format === "webp") {
      // A committed fixture (1344x768) made with ffmpeg/libwebp: a WebP encoder is out of scope here.
      this.webp ??= readFileSync(new URL("./fixtures/image.webp", import.meta.url));
      return this.webp;
    }
    return png(width, height, seed, { muted });
  }
}

function fieldOf(parts: MultipartPart[], name: string): string | undefined {
  const part = parts.find((p) => p.name === name && p.filename === undefined);
  return part ? part.data.toString("utf8") : undefined;
}
