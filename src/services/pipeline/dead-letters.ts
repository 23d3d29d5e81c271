import { and, desc, eq } from "drizzle-orm";
import { type PipelineStep, videoSteps } from "../../db/schema";
import type { ServiceDeps } from "../deps";
import { failStep } from "./state";

/**
 * A message the queue gave up on (max_retries spent) or one a consumer sent here. The video is failed
 * with the step and the last reason its attempts recorded, so nothing is ever silently dropped.
 */
export async function handleDeadLetter(deps: ServiceDeps, videoId: string, step: PipelineStep, reason?: string) {
  const last = await deps.db
    .select({ detail: videoSteps.detail })
    .from(videoSteps)
    .where(and(eq(videoSteps.videoId, videoId), eq(videoSteps.step, step)))
    .orderBy(desc(videoSteps.attempt))
    .get();
  const detail = reason ?? last?.detail ?? "the step kept failing";
  const failed = await failStep(deps, videoId, step, null, {
    code: "retries_exhausted",
    message: `The ${step} step kept failing (${detail}).`,
    retryable: true,
  });
  // A video the consumer already failed (a permanent error) is routine; one failed here is news.
  const log = failed === null ? deps.logger.info : deps.logger.error;
  log("dead_letter", { video_id: videoId, step, already_failed: failed === null, detail });
}
