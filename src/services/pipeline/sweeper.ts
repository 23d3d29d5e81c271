import { and, count, eq, inArray, isNull, lt, lte, or } from "drizzle-orm";
import { type PipelineStep, videoSteps, videos } from "../../db/schema";
import type { ServiceDeps } from "../deps";
import { enqueueStep } from "./queue";
import { failStep } from "./state";
import { statusOfStep, stepDeadlineMs, stepOrder } from "./steps";

/**
 * The cron safety net of the pipeline: videos whose wait is over go back to the upload queue, and
 * videos stuck in a step past its deadline (a lost message, a crashed consumer, a render callback that
 * never came) are re-driven, or failed once they have been re-driven too often.
 */
const MAX_ATTEMPTS_PER_STEP = 6;
/** After re-driving, give the message this long before looking at the video again. */
const REDRIVE_GRACE_MS = 15 * 60 * 1000;
const BATCH = 50;

export interface SweepReport {
  resumed: number;
  redriven: number;
  failed: number;
}

export async function sweepPipeline(deps: ServiceDeps, now = Date.now()): Promise<SweepReport> {
  const report: SweepReport = { resumed: 0, redriven: 0, failed: 0 };

  const due = await deps.db
    .select({ id: videos.id })
    .from(videos)
    .where(and(eq(videos.status, "waiting_quota"), lte(videos.waitUntil, now)))
    .limit(BATCH);
  for (const { id } of due) {
    // Pushing wait_until forward keeps the next sweep from sending it again while this message is queued.
    await deps.db
      .update(videos)
      .set({ waitUntil: now + REDRIVE_GRACE_MS })
      .where(and(eq(videos.id, id), eq(videos.status, "waiting_quota")));
    await enqueueStep(deps.env, { videoId: id, step: "upload" });
    report.resumed += 1;
  }

  for (const step of stepOrder) {
    const stale = await deps.db
      .select({ id: videos.id, renderExecutionId: videos.renderExecutionId })
      .from(videos)
      .where(
        and(
          eq(videos.step, step),
          inArray(videos.status, step === "script" ? ["queued", "scripting"] : [statusOfStep[step]]),
          lt(videos.stepStartedAt, now - stepDeadlineMs[step]),
          or(isNull(videos.leaseUntil), lt(videos.leaseUntil, now)),
        ),
      )
      .limit(BATCH);
    for (const video of stale) {
      const [attempts] = await deps.db
        .select({ n: count() })
        .from(videoSteps)
        .where(and(eq(videoSteps.videoId, video.id), eq(videoSteps.step, step)));
      if ((attempts?.n ?? 0) >= MAX_ATTEMPTS_PER_STEP) {
        await failStep(deps, video.id, step, null, {
          code: step === "render" ? "render_timeout" : "step_stalled",
          message: `The ${step} step did not finish after ${attempts?.n} attempts.`,
          retryable: true,
        });
        report.failed += 1;
        continue;
      }
      await redrive(deps, video.id, step, now);
      report.redriven += 1;
    }
  }
  if (report.resumed + report.redriven + report.failed > 0) deps.logger.info("pipeline_sweep", { ...report });
  return report;
}

async function redrive(deps: ServiceDeps, videoId: string, step: PipelineStep, now: number) {
  await deps.db
    .update(videoSteps)
    .set({ status: "failed", detail: "stalled past its deadline; re-driven", finishedAt: now })
    .where(and(eq(videoSteps.videoId, videoId), eq(videoSteps.step, step), eq(videoSteps.status, "running")));
  await deps.db
    .update(videos)
    .set({
      stepStartedAt: now,
      // A render whose callback never came is submitted again.
      ...(step === "render" ? { renderExecutionId: null } : {}),
      updatedAt: now,
    })
    .where(eq(videos.id, videoId));
  await enqueueStep(deps.env, { videoId, step });
}
