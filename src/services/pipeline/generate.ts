import { and, eq, isNull, sql } from "drizzle-orm";
import { type VideoRow, videos } from "../../db/schema";
import { providerContext } from "../../providers/call";
import { ProviderError } from "../../providers/errors";
import { startRender } from "../../providers/n8n";
import {
  type ChainAttempt,
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
import { runClaimedStep } from "./run-step";
import { completeStep, releaseStep, type VideoChanges } from "./state";
import { ack, type StepMessage, type StepOutcome } from "./steps";

/**
 * The ai-generation steps: script -> voice -> thumbnail -> render. One step per message. Each step
 * writes its output to R2 under a deterministic key with what it cost in the object's metadata, then
 * records the cost (deduplicated), then advances the video. A redelivery after a crash finds the
 * output in R2 and only finishes the bookkeeping: a provider is never paid twice for one step.
 */
export function runGenerationStep(deps: ServiceDeps, message: StepMessage, deliveries: number): Promise<StepOutcome> {
  return runClaimedStep(deps, message, deliveries, async ({ video, attempt }) => {
    if (message.step === "render") return requestRender(deps, video, attempt);
    const produced = await produce(deps, video, message.step as AiStep);
    const changes = produced.changes ?? {};
    const next = await completeStep(deps, video, message.step, attempt, { ...changes, provider: produced.provider });
    if (next?.step) await enqueueStep(deps.env, { videoId: video.id, step: next.step });
    return ack;
  });
}

type AiStep = "script" | "voice" | "thumbnail";

interface Produced {
  provider: string;
  changes?: VideoChanges;
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
    return { provider, changes: metadataFrom(script) };
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
  const changes = step === "script" ? metadataFrom(result.output as Script) : undefined;
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

/**
 * The generated metadata fills only what is still empty, decided in SQL at the moment of writing: a
 * PATCH that landed while the script was being written wins, field by field.
 */
function metadataFrom(script: Script): VideoChanges {
  return {
    title: sql`COALESCE(${videos.title}, ${script.title})`,
    description: sql`COALESCE(${videos.description}, ${script.description})`,
    tags: sql`COALESCE(${videos.tags}, ${JSON.stringify(script.tags)})`,
  };
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
