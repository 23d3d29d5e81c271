import { eq, sql } from "drizzle-orm";
import { costEvents, type PipelineStep, type VideoRow, videos } from "../../db/schema";
import { newId } from "../../lib/ids";
import type { ServiceDeps } from "../deps";

export interface Charge {
  provider: string;
  operation: string;
  model: string | null;
  usage: Record<string, number>;
  costMicros: number;
}

/**
 * Records what a provider call cost, once: the dedupe key (video, step, provider, operation) makes a
 * redelivered step unable to charge twice. The video's total is recomputed from its events in the
 * same batch, so it is always exactly their sum. Returns the new total.
 */
export async function recordCharge(
  deps: ServiceDeps,
  video: VideoRow,
  step: PipelineStep,
  charge: Charge,
): Promise<number> {
  const now = Date.now();
  const [, updated] = await deps.db.batch([
    deps.db
      .insert(costEvents)
      .values({
        id: newId("cst", now),
        videoId: video.id,
        userId: video.userId,
        step,
        provider: charge.provider,
        operation: charge.operation,
        model: charge.model,
        usage: charge.usage,
        costMicros: charge.costMicros,
        dedupeKey: `${video.id}:${step}:${charge.provider}:${charge.operation}`,
        createdAt: now,
      })
      .onConflictDoNothing({ target: costEvents.dedupeKey }),
    deps.db
      .update(videos)
      .set({
        costMicros: sql`(SELECT COALESCE(SUM(${costEvents.costMicros}), 0) FROM ${costEvents} WHERE ${costEvents.videoId} = ${video.id})`,
      })
      .where(eq(videos.id, video.id))
      .returning({ costMicros: videos.costMicros }),
  ]);
  return updated[0]?.costMicros ?? video.costMicros;
}
