import { z } from "zod";
import { verifyTimestampedSignature } from "../lib/hmac";
import { fetchAll } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { classifyByStatus, parseJsonSafely } from "./errors";
import { answerOf, isSuccess, parseBody } from "./upstream";

/**
 * The render workflow: an N8N Webhook node at N8N_RENDER_URL, authenticated by header
 * (`X-N8N-API-Key`, N8N's Header Auth credential). The workflow is ours, and so is its wire format
 * (snake_case, as emulators/n8n.ts implements it): `{video_id, callback_url, assets: {script_url,
 * audio_url, thumbnail_url}, title?, format?}` in, `{execution_id}` out of a "Respond to Webhook"
 * node. The workflow fetches each asset URL and calls back `callback_url` signed with
 * N8N_WEBHOOK_SECRET (`X-N8N-Signature: t=..,v1=..`, shared/reference/webhooks.md).
 */

export interface RenderRequest {
  videoId: string;
  /** Where the workflow posts the result (our `/v1/webhooks/n8n`). */
  callbackUrl: string;
  /** Short-lived signed URLs of the assets in R2. */
  assets: { scriptUrl: string; audioUrl: string; thumbnailUrl: string };
  title?: string;
  format?: { width: number; height: number; fps: number };
}

const renderStarted = z.object({ execution_id: z.union([z.string().min(1), z.number()]).transform(String) });

/**
 * Starts a render. Not retried after a timeout (a second POST could start a second render); the
 * `Idempotency-Key` lets the workflow drop a duplicate, and the callback is deduplicated on our side.
 */
export async function startRender(ctx: ProviderContext, request: RenderRequest): Promise<{ executionId: string }> {
  const body = JSON.stringify({
    video_id: request.videoId,
    callback_url: request.callbackUrl,
    assets: {
      script_url: request.assets.scriptUrl,
      audio_url: request.assets.audioUrl,
      thumbnail_url: request.assets.thumbnailUrl,
    },
    ...(request.title ? { title: request.title } : {}),
    ...(request.format ? { format: request.format } : {}),
  });
  return callProvider(ctx, "n8n", { operation: "render.start", idempotent: false }, async (signal) => {
    const response = await fetchAll(
      ctx.config.N8N_RENDER_URL,
      {
        method: "POST",
        headers: {
          "x-n8n-api-key": ctx.config.N8N_API_KEY,
          "content-type": "application/json",
          "idempotency-key": `render:${request.videoId}`,
        },
        body,
      },
      signal,
    );
    if (!isSuccess(response.status)) throw classifyByStatus("n8n", answerOf(response));
    return { executionId: parseBody("n8n", response, renderStarted).execution_id };
  });
}

/**
 * Verifies the workflow's callback: header `t=<unix>,v1=<hex>`, HMAC-SHA256 over `"<t>.<raw body>"`,
 * constant-time, stale timestamps refused. Throws WebhookSignatureError (src/lib/hmac.ts).
 */
export function verifyN8nSignature(
  rawBody: string,
  header: string | null | undefined,
  secret: string,
  toleranceSeconds = 300,
): Promise<{ timestamp: number }> {
  return verifyTimestampedSignature(rawBody, header, secret, { toleranceSeconds });
}

/**
 * Opens the rendered file the workflow reported, for streaming into R2. Only the answer's headers
 * are under the provider deadline: a large file takes as long as it takes, and R2 verifies its
 * SHA-256 at the end.
 */
export async function openRenderedFile(ctx: ProviderContext, fileUrl: string): Promise<ReadableStream<Uint8Array>> {
  return callProvider(ctx, "n8n", { operation: "render.download" }, async (signal) => {
    const response = await fetch(fileUrl, { signal });
    if (!isSuccess(response.status) || !response.body) {
      const text = await response.text().catch(() => "");
      throw classifyByStatus("n8n", {
        status: response.status,
        headers: response.headers,
        body: parseJsonSafely(text),
      });
    }
    return response.body;
  });
}
