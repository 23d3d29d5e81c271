import type { VideoEvent } from "../../durable-objects/realtime-hub";
import type { VideoRow } from "../db/schema";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import type { Logger } from "../lib/logger";

/** The user's hub: one Durable Object per user, so an event can only ever reach its owner's sockets. */
export function hubOf(env: Env, userId: string) {
  return env.REALTIME.get(env.REALTIME.idFromName(userId));
}

export function videoEvent(video: VideoRow, detail?: string): VideoEvent {
  return {
    type: "video.updated",
    video: {
      id: video.id,
      status: video.status,
      step: video.step,
      cost_micros: video.costMicros,
      title: video.title,
      youtube_video_id: video.youtubeVideoId,
      error_code: video.errorCode,
      ...(detail ? { detail } : {}),
    },
    at: new Date().toISOString(),
  };
}

/** Pushes a video's new state to its owner. Best effort: a hub hiccup must not fail a pipeline step. */
export async function publishVideo(env: Env, logger: Logger, video: VideoRow, detail?: string): Promise<void> {
  try {
    await hubOf(env, video.userId).publish(videoEvent(video, detail));
  } catch (error) {
    logger.warn("realtime_publish_failed", { video_id: video.id, error: String(error) });
  }
}

const TICKET_FORMAT = /^rt1\.(usr_[0-9A-Z]{26})\.([0-9a-f]{32})$/;

export async function issueRealtimeTicket(env: Env, userId: string) {
  const { ticket, expiresAt } = await hubOf(env, userId).issueTicket();
  return { ticket: `rt1.${userId}.${ticket}`, expires_at: new Date(expiresAt).toISOString() };
}

/** The user a ticket belongs to, spending it; refused tickets are a 401 like any bad credential. */
export async function redeemRealtimeTicket(env: Env, presented: string): Promise<string> {
  const match = presented.match(TICKET_FORMAT);
  const userId = match?.[1];
  if (!userId || !match?.[2] || !(await hubOf(env, userId).redeemTicket(match[2]))) {
    throw new ApiError("unauthenticated", "The realtime ticket is invalid, expired or already used.");
  }
  return userId;
}
