import { z } from "zod";
import { base64ToBytes } from "../lib/encoding";
import { fetchAll } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { classifyStability, malformedResponse, ProviderError } from "./errors";
import { stabilityCostMicros, stabilityCredits, stabilityPriceKey } from "./pricing";
import { answerOf, isSuccess, joinUrl } from "./upstream";

/**
 * Stability AI Stable Image over plain fetch and multipart forms
 * (https://platform.stability.ai/docs/api-reference). STABILITY_BASE_URL is the API origin; paths
 * carry `/v2beta`.
 */

export type StabilityEngine = "core" | "ultra" | "sd3";

export interface GenerateImageInput {
  engine: StabilityEngine;
  prompt: string;
  aspectRatio: "16:9" | "1:1" | "21:9" | "2:3" | "3:2" | "4:5" | "5:4" | "9:16" | "9:21";
  outputFormat: "png" | "jpeg" | "webp";
  negativePrompt?: string;
  seed?: number;
  /** sd3 only: `sd3.5-large` (default), `sd3.5-large-turbo`, `sd3.5-medium`. */
  model?: string;
  /** core only. */
  stylePreset?: string;
}

export interface GenerateImageResult {
  bytes: ArrayBuffer;
  contentType: string;
  seed: number | undefined;
  /** Credits of this image from the engine table, not from a header. */
  credits: number;
  costMicros: number;
}

const PROMPT_MAX_CHARACTERS = 10_000;

const jsonImageSchema = z.object({
  image: z.string().min(1),
  finish_reason: z.string().optional(),
  seed: z.union([z.number(), z.string()]).optional(),
});

/** The generation ran (and its credits were spent) but the image was withheld: billed all the same. */
function contentFiltered(status: number, costMicros: number) {
  return new ProviderError({
    provider: "stability",
    disposition: "failover",
    code: "content_filtered",
    status,
    costMicros,
    message: "finish_reason CONTENT_FILTERED: the image was withheld; not retryable with the same prompt",
  });
}

function seedOf(value: string | number | null | undefined): number | undefined {
  const seed = typeof value === "number" ? value : Number(value ?? Number.NaN);
  return Number.isSafeInteger(seed) ? seed : undefined;
}

/** One image from `POST /v2beta/stable-image/generate/{engine}`. */
export async function generateImage(ctx: ProviderContext, input: GenerateImageInput): Promise<GenerateImageResult> {
  if (!input.prompt || input.prompt.length > PROMPT_MAX_CHARACTERS) {
    throw new ProviderError({
      provider: "stability",
      disposition: "fail",
      code: "invalid_prompt",
      message: `prompt must be 1..${PROMPT_MAX_CHARACTERS} characters`,
    });
  }
  const priceKey = stabilityPriceKey(input.engine, input.model);
  // Priced before the call: an unknown engine or model is refused without spending anything.
  const credits = stabilityCredits(priceKey);
  const costMicros = stabilityCostMicros(priceKey);
  const url = joinUrl(ctx.config.STABILITY_BASE_URL, `/v2beta/stable-image/generate/${input.engine}`);

  return callProvider(ctx, "stability", { operation: `generate.${input.engine}` }, async (signal) => {
    const form = new FormData();
    form.set("prompt", input.prompt);
    form.set("aspect_ratio", input.aspectRatio);
    form.set("output_format", input.outputFormat);
    if (input.negativePrompt) form.set("negative_prompt", input.negativePrompt);
    if (input.seed !== undefined) form.set("seed", String(input.seed));
    if (input.engine === "sd3") form.set("model", priceKey);
    if (input.stylePreset && input.engine === "core") form.set("style_preset", input.stylePreset);

    const response = await fetchAll(
      url,
      {
        method: "POST",
        headers: { authorization: `Bearer ${ctx.config.STABILITY_API_KEY}`, accept: "image/*" },
        body: form,
      },
      signal,
    );
    if (!isSuccess(response.status)) throw classifyStability(answerOf(response));

    const contentType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (contentType.startsWith("image/")) {
      if (response.headers.get("finish-reason") === "CONTENT_FILTERED")
        throw contentFiltered(response.status, costMicros);
      if (response.body.byteLength === 0) throw malformedResponse("stability", response.status, "empty image");
      return { bytes: response.body, contentType, seed: seedOf(response.headers.get("seed")), credits, costMicros };
    }
    // `Accept: application/json` form of the answer: base64 image plus finish_reason and seed.
    const parsed = jsonImageSchema.safeParse(answerOf(response).body);
    if (!parsed.success) {
      throw malformedResponse(
        "stability",
        response.status,
        `expected an image, got ${contentType || "no content type"}`,
      );
    }
    if (parsed.data.finish_reason === "CONTENT_FILTERED") throw contentFiltered(response.status, costMicros);
    let bytes: ArrayBuffer;
    try {
      bytes = base64ToBytes(parsed.data.image).buffer;
    } catch {
      throw malformedResponse("stability", response.status, "image is not base64");
    }
    return { bytes, contentType: `image/${input.outputFormat}`, seed: seedOf(parsed.data.seed), credits, costMicros };
  });
}
