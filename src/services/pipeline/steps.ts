import type { PipelineStep, VideoStatus } from "../../db/schema";

/** The pipeline's order and the status a video shows while each step runs. */
export const stepOrder: readonly PipelineStep[] = ["script", "voice", "thumbnail", "render", "upload"];

export const statusOfStep: Record<PipelineStep, VideoStatus> = {
  script: "scripting",
  voice: "voicing",
  thumbnail: "thumbnailing",
  render: "rendering",
  upload: "uploading",
};

export const terminalStatuses: ReadonlySet<VideoStatus> = new Set(["published", "scheduled", "failed", "cancelled"]);

/** A consumer holds the upload step right now (its lease is live). */
export function isUploadRunning(video: { status: VideoStatus; leaseUntil: number | null }, now = Date.now()): boolean {
  return video.status === "uploading" && video.leaseUntil !== null && video.leaseUntil > now;
}

export function nextStep(step: PipelineStep): PipelineStep | null {
  return stepOrder[stepOrder.indexOf(step) + 1] ?? null;
}

/** Steps that run on the youtube-upload queue; the rest run on ai-generation. */
export function queueOfStep(step: PipelineStep): "generation" | "upload" {
  return step === "upload" ? "upload" : "generation";
}

/**
 * How long after a step started, with no consumer holding its lease, the sweeper treats it as stuck
 * (a lost message, a crashed consumer). A live upload renews its lease on every chunk, so it is never
 * swept however long it takes. Render waits on the N8N callback.
 */
export const stepDeadlineMs: Record<PipelineStep, number> = {
  script: 10 * 60 * 1000,
  voice: 15 * 60 * 1000,
  thumbnail: 10 * 60 * 1000,
  render: 60 * 60 * 1000,
  upload: 20 * 60 * 1000,
};

export interface StepMessage {
  videoId: string;
  step: PipelineStep;
}

/** What a consumer does with the message after running its step. */
export type StepOutcome = { kind: "ack" } | { kind: "retry"; delaySeconds: number; reason: string };

export const ack: StepOutcome = { kind: "ack" };

/** Backoff between deliveries of a failing step: exponential with full jitter, honouring Retry-After. */
export function retryOutcome(attempts: number, reason: string, retryAfterMs?: number): StepOutcome {
  const ceiling = Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.ceil(Math.random() * ceiling);
  const floor = retryAfterMs ? Math.ceil(retryAfterMs / 1000) : 1;
  return { kind: "retry", delaySeconds: Math.max(floor, jittered), reason };
}
