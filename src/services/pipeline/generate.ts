import { and, eq, isNull } from "drizzle-orm";
import { type PipelineStep, type VideoRow, videos } from "../../db/schema";
import { providerContext } from "../../providers/call";
import { ProviderError } from "../../providers/errors";
import { startRender } from "../../providers/n8n";
import {
  type ChainAttempt,
  ChainError,
  type ChainResult,
  generateScript,
  generateThumbnail,
  type Script,
  scriptSchema,
  synthesizeVoice,
} from "../ai-chains";
import type { ServiceDeps } from "../deps";
import { costFloors, stepBudget } from "./budget";
import { type Charge, recordCharge } from "./costs";
import { type MediaKind, mediaKey, signedMediaUrl } from "./media";
import { enqueueStep } from "./queue";
import { type Claim, claimStep, completeStep, failStep, releaseStep } from "./state";
import { ack, retryOutcome, type StepMessage, type StepOutcome } from "./steps";

/**
 * The ai-generation steps: script -> voice -> thumbnail -> render. One step per message. Each step
 * writes its output to R2 under a deterministic key with what it cost in the object's metadata, then
 * records the cost (deduplicated), then advances the video. A redelivery after a crash finds the
 * output in R2 and only finishes the bookkeeping: a provider is never paid twice for one step.
 */
export async function runGenerationStep(
  deps: ServiceDeps,
  message: StepMessage,
  deliveries: number,
): Promise<StepOutcome> {
  const claim = await claimStep(deps, message);
  if (claim.kind === "skip") return ack;
  if (claim.kind === "busy")
    return { kind: "retry", delaySeconds: Math.ceil(claim.retryInMs / 1000), reason: "step leased" };
  const { video, attempt } = claim;
  try {
    if (message.step === "render") return await requestRender(deps, video, attempt);
    const produced = await produce(deps, video, message.step as AiStep);
    const changes = produced.changes ?? {};
    const next = await completeStep(deps, video, message.step, attempt, { ...changes, provider: produced.provider });
    if (next?.step) await enqueueStep(deps.env, { videoId: video.id, step: next.step });
    return ack;
  } catch (error) {
    return handleFailure(deps, claim, message.step, error, deliveries);
  }
}

type AiStep = "script" | "voice" | "thumbnail";

interface Produced {
  provider: string;
  changes?: Partial<typeof videos.$inferInsert>;
}

const outputKind: Record<AiStep, MediaKind> = { script: "script", voice: "audio", thumbnail: "thumbnail" };

async function produce(deps: ServiceDeps, video: VideoRow, step: AiStep): Promise<Produced> {
  const key = mediaKey(video.userId, video.id, outputKind[step]);
  const existing = await deps.env.MEDIA.head(key);
  if (existing) {
    // Output stored before a crash: settle its costs (idempotent) and move on without a provider call.
    const charges = JSON.parse(existing.customMetadata?.charges ?? "[]") as Charge[];
    for (const charge of charges) await recordCharge(deps, video, step, charge);
    const provider = existing.customMetadata?.provider ?? "unknown";
    if (step !== "script") return { provider };
    const script = scriptSchema.parse(await (await deps.env.MEDIA.get(key))?.json());
    return { provider, changes: metadataFrom(video, script) };
  }

  const ctx = providerContext(deps.env, { logger: deps.logger });
  const floors = costFloors(deps.config, video.targetSeconds);
  const maxCostMicros = stepBudget(video.costCapMicros, video.costMicros, floors, step);
  let result: ChainResult<unknown>;
  let body: ArrayBuffer | string;
  let contentType: string;
  if (step === "script") {
    const script = await generateScript(
      ctx,
      { topic: video.topic, language: video.language, targetDurationSeconds: video.targetSeconds, style: video.style },
      { maxCostMicros },
    );
    result = script;
    body = JSON.stringify(script.output);
    contentType = "application/json";
  } else if (step === "voice") {
    const script = await readScript(deps, video);
    const voice = await synthesizeVoice(
      ctx,
      { text: script.narration, languageCode: video.language },
      { maxCostMicros },
    );
    result = voice;
    body = voice.output.audio;
    contentType = voice.output.contentType;
  } else {
    const script = await readScript(deps, video);
    const image = await generateThumbnail(ctx, { prompt: script.thumbnailPrompt }, { maxCostMicros });
    result = image;
    body = image.output.bytes;
    contentType = image.output.contentType;
  }

  const charges = chargesOf(result);
  await deps.env.MEDIA.put(key, body, {
    httpMetadata: { contentType },
    customMetadata: { provider: result.provider, model: result.model, charges: JSON.stringify(charges) },
  });
  for (const charge of charges) await recordCharge(deps, video, step, charge);
  const changes = step === "script" ? metadataFrom(video, result.output as Script) : undefined;
  return { provider: result.provider, changes };
}

/** The serving provider's charge plus whatever failed attempts were billed (a cut-off narration is paid). */
function chargesOf(result: ChainResult<unknown>): Charge[] {
  const served: Charge = {
    provider: result.provider,
    operation: result.usage.kind === "tokens" ? "chat" : result.usage.kind === "characters" ? "speech" : "image",
    model: result.model,
    usage: usageNumbers(result.usage),
    costMicros: result.costMicros,
  };
  return [served, ...result.attempts.filter((a) => a.costMicros > 0).map(failedCharge)];
}

function failedCharge(attempt: ChainAttempt): Charge {
  return {
    provider: attempt.provider,
    operation: `failed:${attempt.code}`,
    model: attempt.model,
    usage: {},
    costMicros: attempt.costMicros,
  };
}

function usageNumbers(usage: ChainResult<unknown>["usage"]): Record<string, number> {
  const numbers: Record<string, number> = {};
  for (const [key, value] of Object.entries(usage)) if (typeof value === "number") numbers[key] = value;
  return numbers;
}

function metadataFrom(video: VideoRow, script: Script): Partial<typeof videos.$inferInsert> {
  // The user's own edits (PATCH before upload) win over the generated metadata.
  if (video.metadataEdited) return {};
  return { title: script.title, description: script.description, tags: script.tags };
}

async function readScript(deps: ServiceDeps, video: VideoRow): Promise<Script> {
  const object = await deps.env.MEDIA.get(mediaKey(video.userId, video.id, "script"));
  if (!object)
    throw new ProviderError({
      provider: "openai",
      disposition: "fail",
      code: "script_missing",
      message: "the script is not in storage",
    });
  return scriptSchema.parse(await object.json());
}

/**
 * Hands the assets to the N8N render workflow with short-lived signed links. The video stays in
 * `rendering` until the workflow calls back (/v1/webhooks/n8n). A redelivered render message finds
 * the execution id and does nothing: one render per video.
 */
async function requestRender(deps: ServiceDeps, video: VideoRow, attempt: number): Promise<StepOutcome> {
  if (video.renderExecutionId) return ack;
  const base = deps.config.PUBLIC_BASE_URL;
  const secret = deps.config.SIGNING_SECRET;
  const link = async (kind: MediaKind) => (await signedMediaUrl(base, secret, video.id, kind, Date.now(), 60 * 60)).url;
  const { executionId } = await startRender(providerContext(deps.env, { logger: deps.logger }), {
    videoId: video.id,
    callbackUrl: new URL("/v1/webhooks/n8n", base).href,
    assets: { scriptUrl: await link("script"), audioUrl: await link("audio"), thumbnailUrl: await link("thumbnail") },
    title: video.title ?? undefined,
    format: { width: 1920, height: 1080, fps: 30 },
  });
  await deps.db
    .update(videos)
    .set({ renderExecutionId: executionId, leaseUntil: null, updatedAt: Date.now() })
    .where(and(eq(videos.id, video.id), isNull(videos.renderExecutionId)));
  await releaseStep(deps, video, "render", attempt, `submitted to N8N as ${executionId}`, "running");
  return ack;
}

/**
 * Failures are classified, not just retried: transient ones go back to the queue with backoff (the
 * queue's max_retries then hands the message to pipeline-dlq, whose consumer fails the video with the
 * last reason); the rest fail the video now, with a code and whether a retry could help.
 */
export async function handleFailure(
  deps: ServiceDeps,
  claim: Extract<Claim, { kind: "claimed" }>,
  step: PipelineStep,
  error: unknown,
  deliveries: number,
): Promise<StepOutcome> {
  const { video, attempt } = claim;
  const reason = describe(error);
  if (reason.retryable) {
    await releaseStep(deps, video, step, attempt, `${reason.code}: ${reason.message}`);
    deps.logger.warn("step_retry", { video_id: video.id, step, code: reason.code, deliveries });
    return retryOutcome(deliveries, reason.code, reason.retryAfterMs);
  }
  await failStep(deps, video.id, step, attempt, {
    code: reason.code,
    message: reason.message,
    retryable: reason.helpsLater,
  });
  await deps.env.DLQ_QUEUE.send({ videoId: video.id, step, reason: reason.code });
  return ack;
}

interface Reason {
  code: string;
  message: string;
  /** Back to the queue now. */
  retryable: boolean;
  /** A manual retry later could succeed (an outage) even though retrying now is pointless. */
  helpsLater: boolean;
  retryAfterMs?: number;
}

function describe(error: unknown): Reason {
  if (error instanceof ChainError) {
    if (error.code === "budget_exceeded") {
      return { code: "budget_exceeded", message: error.message, retryable: false, helpsLater: false };
    }
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      helpsLater: true,
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (error instanceof ProviderError) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.disposition === "retry",
      helpsLater: error.disposition !== "fail",
      retryAfterMs: error.retryAfterMs,
    };
  }
  // Our own bug or a binding hiccup: retry a few times, then the DLQ records it.
  return {
    code: "internal_error",
    message: error instanceof Error ? error.message : String(error),
    retryable: true,
    helpsLater: true,
  };
}
