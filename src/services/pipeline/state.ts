import { and, count, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { type PipelineStep, type VideoRow, type VideoStatus, videoSteps, videos } from "../../db/schema";
import { newId } from "../../lib/ids";
import type { ServiceDeps } from "../deps";
import { publishVideo } from "../realtime";
import { nextStep, type StepMessage, statusOfStep, stepOrder, terminalStatuses } from "./steps";

/**
 * The video row is the pipeline's state machine. Every transition is one conditional UPDATE, so two
 * deliveries of the same message (queues deliver at least once) cannot both run a step, and nothing
 * moves a video backwards.
 */

/** How long a consumer holds a step before another delivery may take it over. */
export const STEP_LEASE_MS = 5 * 60 * 1000;

/** Column updates of a transition: values, or SQL evaluated at write time. */
export type VideoChanges = SQLiteUpdateSetSource<typeof videos>;

export type Claim =
  | { kind: "claimed"; video: VideoRow; attempt: number }
  | { kind: "skip"; reason: "missing" | "finished" | "cancelled" | "failed" | "other_step" }
  | { kind: "busy"; retryInMs: number };

/** Statuses from which a step may start (or resume after a crash or a redelivery). */
function claimableFrom(step: PipelineStep): VideoStatus[] {
  if (step === "script") return ["queued", "scripting"];
  if (step === "upload") return ["rendering", "uploading", "waiting_quota"];
  return [statusOfStep[step]];
}

export async function claimStep(deps: ServiceDeps, message: StepMessage, now = Date.now()): Promise<Claim> {
  const status = statusOfStep[message.step];
  const claimed = await deps.db
    .update(videos)
    .set({
      status,
      leaseUntil: now + STEP_LEASE_MS,
      stepStartedAt: sql`COALESCE(${videos.stepStartedAt}, ${now})`,
      waitUntil: null,
      waitReason: null,
      updatedAt: now,
    })
    .where(
      and(
        eq(videos.id, message.videoId),
        eq(videos.step, message.step),
        inArray(videos.status, claimableFrom(message.step)),
        or(isNull(videos.leaseUntil), lt(videos.leaseUntil, now)),
      ),
    )
    .returning()
    .get();
  if (claimed) {
    const [row] = await deps.db
      .select({ n: count() })
      .from(videoSteps)
      .where(and(eq(videoSteps.videoId, claimed.id), eq(videoSteps.step, message.step)));
    const attempt = (row?.n ?? 0) + 1;
    await deps.db.insert(videoSteps).values({
      id: newId("stp", now),
      videoId: claimed.id,
      step: message.step,
      attempt,
      status: "running",
      startedAt: now,
    });
    if (claimed.status !== status || attempt === 1) await publishVideo(deps.env, deps.logger, claimed);
    return { kind: "claimed", video: claimed, attempt };
  }

  const video = await deps.db.select().from(videos).where(eq(videos.id, message.videoId)).get();
  if (!video) return { kind: "skip", reason: "missing" };
  if (video.status === "cancelled") return { kind: "skip", reason: "cancelled" };
  if (video.status === "failed") return { kind: "skip", reason: "failed" };
  if (terminalStatuses.has(video.status)) return { kind: "skip", reason: "finished" };
  if (video.step !== message.step) {
    // A duplicate of a step that already finished (or one not reached yet): nothing to do.
    return {
      kind: "skip",
      reason: video.step && stepOrder.indexOf(video.step) > stepOrder.indexOf(message.step) ? "finished" : "other_step",
    };
  }
  return { kind: "busy", retryInMs: Math.max(1_000, (video.leaseUntil ?? now) - now) };
}

async function closeAttempt(
  deps: ServiceDeps,
  videoId: string,
  step: PipelineStep,
  attempt: number | null,
  outcome: { status: "running" | "succeeded" | "failed" | "skipped"; provider?: string | null; detail?: string | null },
) {
  await deps.db
    .update(videoSteps)
    .set({
      status: outcome.status,
      ...(outcome.provider !== undefined ? { provider: outcome.provider } : {}),
      ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
      finishedAt: outcome.status === "running" ? null : Date.now(),
    })
    .where(
      and(
        eq(videoSteps.videoId, videoId),
        eq(videoSteps.step, step),
        // null: whichever attempt is still open (render finishes on the N8N callback, not in a consumer).
        attempt === null ? eq(videoSteps.status, "running") : eq(videoSteps.attempt, attempt),
      ),
    );
}

/**
 * Finishes `step` and moves to the next one (or to `final` after the last). Returns the updated row, or
 * null when the video left the step meanwhile (cancelled): then the caller must not enqueue anything.
 */
export async function completeStep(
  deps: ServiceDeps,
  video: VideoRow,
  step: PipelineStep,
  attempt: number | null,
  changes: VideoChanges & { provider?: string | null },
  final?: "published" | "scheduled",
): Promise<VideoRow | null> {
  const now = Date.now();
  const { provider, ...patch } = changes;
  const next = nextStep(step);
  const updated = await deps.db
    .update(videos)
    .set({
      ...patch,
      step: next,
      status: next ? statusOfStep[next] : (final ?? "published"),
      leaseUntil: null,
      stepStartedAt: next ? now : null,
      updatedAt: now,
    })
    .where(and(eq(videos.id, video.id), eq(videos.step, step), eq(videos.status, statusOfStep[step])))
    .returning()
    .get();
  await closeAttempt(deps, video.id, step, attempt, { status: updated ? "succeeded" : "skipped", provider });
  if (updated) await publishVideo(deps.env, deps.logger, updated);
  return updated ?? null;
}

export interface StepFailure {
  code: string;
  message: string;
  /** Whether POST /v1/videos/:id/retry can help (an outage, a reconnect) or not (a refused topic). */
  retryable: boolean;
}

export async function failStep(
  deps: ServiceDeps,
  videoId: string,
  step: PipelineStep,
  attempt: number | null,
  failure: StepFailure,
): Promise<VideoRow | null> {
  const now = Date.now();
  const updated = await deps.db
    .update(videos)
    .set({
      status: "failed",
      leaseUntil: null,
      errorStep: step,
      errorCode: failure.code,
      errorMessage: failure.message.slice(0, 1000),
      errorRetryable: failure.retryable,
      updatedAt: now,
    })
    .where(
      and(
        eq(videos.id, videoId),
        eq(videos.step, step),
        inArray(videos.status, [...claimableFrom(step), statusOfStep[step]]),
      ),
    )
    .returning()
    .get();
  if (attempt !== null)
    await closeAttempt(deps, videoId, step, attempt, {
      status: "failed",
      detail: `${failure.code}: ${failure.message}`,
    });
  if (updated) {
    deps.logger.warn("video_failed", { video_id: videoId, step, code: failure.code });
    await publishVideo(deps.env, deps.logger, updated, failure.message);
  }
  return updated ?? null;
}

/** Closes whatever attempts are still open (a cancel, a re-drive): history never shows a dead step running. */
export async function closeOpenAttempts(deps: ServiceDeps, videoId: string, detail: string) {
  await deps.db
    .update(videoSteps)
    .set({ status: "skipped", detail, finishedAt: Date.now() })
    .where(and(eq(videoSteps.videoId, videoId), eq(videoSteps.status, "running")));
}

/**
 * Gives the step back (lease released) so the next delivery can take it: after a retryable error, or
 * (attempt left `running`) when the step continues elsewhere, like a render waiting for N8N.
 */
export async function releaseStep(
  deps: ServiceDeps,
  video: VideoRow,
  step: PipelineStep,
  attempt: number,
  detail: string,
  attemptStatus: "failed" | "running" = "failed",
) {
  await deps.db
    .update(videos)
    .set({ leaseUntil: null, updatedAt: Date.now() })
    .where(and(eq(videos.id, video.id), eq(videos.step, step)));
  await closeAttempt(deps, video.id, step, attempt, { status: attemptStatus, detail });
}

/** No quota (or the channel's 24-hour cap): park the video until `until`; the scheduler re-drives it. */
export async function waitForQuota(
  deps: ServiceDeps,
  video: VideoRow,
  attempt: number,
  until: number,
  reason: string,
): Promise<VideoRow | null> {
  const updated = await deps.db
    .update(videos)
    .set({ status: "waiting_quota", waitUntil: until, waitReason: reason, leaseUntil: null, updatedAt: Date.now() })
    .where(and(eq(videos.id, video.id), eq(videos.step, "upload"), eq(videos.status, "uploading")))
    .returning()
    .get();
  await closeAttempt(deps, video.id, "upload", attempt, { status: "skipped", detail: `waiting: ${reason}` });
  if (updated) await publishVideo(deps.env, deps.logger, updated, reason);
  return updated ?? null;
}
