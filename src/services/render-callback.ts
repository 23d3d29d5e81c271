import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { videos, webhookEvents } from "../db/schema";
import { ApiError } from "../lib/errors";
import { WebhookSignatureError } from "../lib/hmac";
import { verifyN8nSignature } from "../providers/n8n";
import type { ServiceDeps } from "./deps";
import { enqueueStep } from "./pipeline/queue";
import { completeStep, failStep } from "./pipeline/state";

/**
 * The N8N render workflow's callback. Verified over the raw body before anything is parsed (HMAC with
 * a timestamp: a replay after five minutes is refused), processed once per execution id (N8N can fire
 * twice), and only for a video that is waiting on its render.
 */
const callbackSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("succeeded"),
    execution_id: z.string().min(1).max(200),
    video_id: z.string().min(1).max(64),
    file_url: z.url(),
    size: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    duration_seconds: z.number().positive().optional(),
  }),
  z.object({
    status: z.literal("failed"),
    execution_id: z.string().min(1).max(200),
    video_id: z.string().min(1).max(64),
    error: z.string().max(2000).optional(),
  }),
]);

export type RenderCallbackResult = { outcome: "accepted" | "duplicate" | "ignored"; video_id: string };

export async function handleRenderCallback(
  deps: ServiceDeps,
  rawBody: string,
  signature: string | undefined,
): Promise<RenderCallbackResult> {
  try {
    await verifyN8nSignature(rawBody, signature, deps.config.N8N_WEBHOOK_SECRET);
  } catch (error) {
    if (error instanceof WebhookSignatureError) {
      throw new ApiError("unauthenticated", `Webhook signature rejected: ${error.reason}.`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new ApiError("malformed_json", "The callback body is not valid JSON.");
  }
  const parsed = callbackSchema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError("validation_failed", "The callback body does not match the render result shape.", {
      errors: parsed.error.issues.map((i) => ({ path: ["body", ...i.path.map(String)].join("."), message: i.message })),
    });
  }
  const callback = parsed.data;

  // N8N execution ids are per instance counters: scoped by video, they stay unique across instances.
  const eventId = `${callback.video_id}:${callback.execution_id}:${callback.status}`;
  const seen = await deps.db
    .select({ eventId: webhookEvents.eventId })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.source, "n8n"), eq(webhookEvents.eventId, eventId)))
    .get();
  if (seen) return { outcome: "duplicate", video_id: callback.video_id };
  // Recorded after processing, so a failure midway lets N8N's retry run; two concurrent deliveries
  // are still safe because every transition below is conditional on the video's current state.
  const result = await applyCallback(deps, callback);
  await deps.db.insert(webhookEvents).values({ source: "n8n", eventId, receivedAt: Date.now() }).onConflictDoNothing();
  return result;
}

async function applyCallback(
  deps: ServiceDeps,
  callback: z.infer<typeof callbackSchema>,
): Promise<RenderCallbackResult> {
  const video = await deps.db
    .select()
    .from(videos)
    .where(and(eq(videos.id, callback.video_id), eq(videos.step, "render"), eq(videos.status, "rendering")))
    .get();
  if (!video || video.renderExecutionId !== callback.execution_id) {
    // Cancelled, already past render, or a stale execution: acknowledged so N8N stops retrying.
    deps.logger.warn("render_callback_ignored", { video_id: callback.video_id, execution_id: callback.execution_id });
    return { outcome: "ignored", video_id: callback.video_id };
  }

  if (callback.status === "failed") {
    await failStep(deps, video.id, "render", null, {
      code: "render_failed",
      message: callback.error ?? "The render workflow reported a failure.",
      retryable: true,
    });
    return { outcome: "accepted", video_id: video.id };
  }
  const next = await completeStep(deps, video, "render", null, {
    renderFileUrl: callback.file_url,
    renderedBytes: callback.size,
    renderedSha256: callback.sha256,
    provider: "n8n",
  });
  if (next?.step) await enqueueStep(deps.env, { videoId: video.id, step: next.step });
  return { outcome: "accepted", video_id: video.id };
}
