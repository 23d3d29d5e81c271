import { and, asc, count, desc, eq, gt, gte, inArray, isNull, lt, lte, or } from "drizzle-orm";
import { z } from "zod";
import { costEvents, users, type VideoRow, type VideoStatus, videoSteps, videos } from "../db/schema";
import { ApiError, type Problem, problemBody } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, encodeCursor } from "../lib/pagination";
import { planLimits } from "../lib/plans";
import { getOwnedChannel } from "./channels";
import type { ServiceDeps } from "./deps";
import { costFloors, minimumVideoCost } from "./pipeline/budget";
import { deleteVideoMedia, type MediaKind, mediaKey, mediaKinds, signedMediaUrl } from "./pipeline/media";
import { enqueueStep } from "./pipeline/queue";
import { closeOpenAttempts } from "./pipeline/state";
import { isUploadRunning, statusOfStep } from "./pipeline/steps";
import { publishVideo } from "./realtime";

export interface NewVideo {
  channel_id: string;
  topic: string;
  language?: string;
  style: string;
  target_seconds: number;
  privacy?: "private" | "unlisted" | "public";
  publish_at?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function toVideoResponse(video: VideoRow) {
  return {
    id: video.id,
    channel_id: video.channelId,
    topic: video.topic,
    language: video.language,
    style: video.style,
    target_seconds: video.targetSeconds,
    privacy: video.privacy,
    publish_at: video.publishAt === null ? null : new Date(video.publishAt).toISOString(),
    status: video.status,
    step: video.step,
    title: video.title,
    description: video.description,
    tags: video.tags ?? [],
    waiting:
      video.status === "waiting_quota"
        ? { reason: video.waitReason, until: video.waitUntil === null ? null : new Date(video.waitUntil).toISOString() }
        : null,
    error:
      video.status === "failed"
        ? {
            step: video.errorStep,
            code: video.errorCode,
            message: video.errorMessage,
            retryable: video.errorRetryable ?? false,
          }
        : null,
    youtube: video.youtubeVideoId
      ? {
          video_id: video.youtubeVideoId,
          url: `https://www.youtube.com/watch?v=${video.youtubeVideoId}`,
          locked_private: video.lockedPrivate,
        }
      : null,
    warnings: video.warnings,
    cost_micros: video.costMicros,
    cost_cap_micros: video.costCapMicros,
    created_at: new Date(video.createdAt).toISOString(),
    updated_at: new Date(video.updatedAt).toISOString(),
  };
}

export type VideoResponse = ReturnType<typeof toVideoResponse>;

export async function getOwnedVideo(deps: ServiceDeps, userId: string, videoId: string): Promise<VideoRow> {
  const video = await deps.db
    .select()
    .from(videos)
    .where(and(eq(videos.id, videoId), eq(videos.userId, userId)))
    .get();
  if (!video) throw new ApiError("video_not_found", `No video ${videoId}.`);
  return video;
}

/**
 * Creates a video and queues its first step. Everything that can refuse it (channel, plan, budget,
 * schedule) is checked before the row is written, so a refused request leaves nothing behind.
 */
export async function createVideo(deps: ServiceDeps, userId: string, input: NewVideo): Promise<VideoRow> {
  const channel = await getOwnedChannel(deps, userId, input.channel_id);
  if (channel.status !== "connected") {
    throw new ApiError(
      "channel_not_connected",
      `Channel ${channel.id} is ${channel.status}: connect it to YouTube first.`,
    );
  }
  const now = Date.now();
  const [owner, today] = await deps.db.batch([
    deps.db.select({ plan: users.plan, cap: users.videoCostCapMicros }).from(users).where(eq(users.id, userId)),
    deps.db
      .select({ n: count() })
      .from(videos)
      .where(and(eq(videos.userId, userId), gt(videos.createdAt, now - DAY_MS))),
  ]);
  const account = owner[0];
  if (!account) throw new ApiError("unauthenticated", "This account no longer exists.");
  const perDay = planLimits[account.plan].videosPerDay;
  if ((today[0]?.n ?? 0) >= perDay) {
    throw new ApiError("plan_limit_reached", `The ${account.plan} plan allows ${perDay} videos a day.`);
  }
  const floor = minimumVideoCost(costFloors(deps.config, input.target_seconds));
  if (floor > account.cap) {
    throw new ApiError(
      "budget_exceeded",
      `A ${input.target_seconds}-second video costs at least $${(floor / 1e6).toFixed(2)}, over your per-video cap of $${(account.cap / 1e6).toFixed(2)}. Shorten it or raise video_cost_cap_micros.`,
    );
  }
  const video = await deps.db
    .insert(videos)
    .values({
      id: newId("vid", now),
      userId,
      channelId: channel.id,
      topic: input.topic,
      language: input.language ?? channel.language,
      style: input.style,
      targetSeconds: input.target_seconds,
      privacy: input.publish_at ? "public" : (input.privacy ?? channel.defaultPrivacy),
      publishAt: input.publish_at ? Date.parse(input.publish_at) : null,
      status: "queued",
      step: "script",
      costCapMicros: account.cap,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  // If this send is lost the sweeper finds the queued video and sends it again.
  await enqueueStep(deps.env, { videoId: video.id, step: "script" });
  return video;
}

export const videoSortFields = ["created", "cost"] as const;

export interface VideoListQuery {
  limit: number;
  cursor?: string;
  status?: VideoStatus[];
  channel_id?: string;
  created_after?: string;
  created_before?: string;
  sort: (typeof videoSortFields)[number];
  order: "asc" | "desc";
}

const cursorSchema = z.object({
  id: z.string(),
  v: z.number(),
  s: z.enum(videoSortFields),
  o: z.enum(["asc", "desc"]),
});

export async function listVideos(deps: ServiceDeps, userId: string, query: VideoListQuery) {
  const after = decodeCursor(query.cursor, cursorSchema);
  if (after && (after.s !== query.sort || after.o !== query.order)) {
    throw new ApiError("validation_failed", "This cursor belongs to another sort order.", {
      errors: [{ path: "query.cursor", message: `Issued for sort=${after.s}&order=${after.o}` }],
    });
  }
  const column = query.sort === "cost" ? videos.costMicros : videos.createdAt;
  const beyond = query.order === "desc" ? lt : gt;
  const rows = await deps.db
    .select()
    .from(videos)
    .where(
      and(
        eq(videos.userId, userId),
        query.status?.length ? inArray(videos.status, query.status) : undefined,
        query.channel_id ? eq(videos.channelId, query.channel_id) : undefined,
        query.created_after ? gte(videos.createdAt, Date.parse(query.created_after)) : undefined,
        query.created_before ? lte(videos.createdAt, Date.parse(query.created_before)) : undefined,
        // Keyset pagination on (sort value, id): stable while rows change.
        after ? or(beyond(column, after.v), and(eq(column, after.v), beyond(videos.id, after.id))) : undefined,
      ),
    )
    .orderBy(...(query.order === "desc" ? [desc(column), desc(videos.id)] : [asc(column), asc(videos.id)]))
    .limit(query.limit + 1);
  const hasMore = rows.length > query.limit;
  const page = hasMore ? rows.slice(0, query.limit) : rows;
  const last = page.at(-1);
  const sortValue = (row: VideoRow) => (query.sort === "cost" ? row.costMicros : row.createdAt);
  return {
    data: page.map(toVideoResponse),
    next_cursor:
      hasMore && last ? encodeCursor({ id: last.id, v: sortValue(last), s: query.sort, o: query.order }) : null,
  };
}

/** The video with its step history: what ran, who served it, how each attempt ended. */
export async function videoDetail(deps: ServiceDeps, userId: string, videoId: string) {
  const video = await getOwnedVideo(deps, userId, videoId);
  const steps = await deps.db
    .select()
    .from(videoSteps)
    .where(eq(videoSteps.videoId, video.id))
    .orderBy(asc(videoSteps.startedAt), asc(videoSteps.attempt));
  return {
    ...toVideoResponse(video),
    history: steps.map((s) => ({
      step: s.step,
      attempt: s.attempt,
      status: s.status,
      provider: s.provider,
      detail: s.detail,
      started_at: new Date(s.startedAt).toISOString(),
      finished_at: s.finishedAt === null ? null : new Date(s.finishedAt).toISOString(),
    })),
  };
}

/** Statuses in which the metadata is still ours to change (the upload has not started). */
const editable: ReadonlySet<VideoStatus> = new Set(["queued", "scripting", "voicing", "thumbnailing", "rendering"]);

export interface VideoPatch {
  title?: string;
  description?: string;
  tags?: string[];
  privacy?: "private" | "unlisted" | "public";
  publish_at?: string | null;
}

export async function updateVideo(deps: ServiceDeps, userId: string, videoId: string, patch: VideoPatch) {
  const video = await getOwnedVideo(deps, userId, videoId);
  // A video that failed before YouTube had it can be repaired (say, metadata YouTube refused), then retried.
  const repairable = video.status === "failed" && !video.youtubeVideoId;
  if (!editable.has(video.status) && !repairable) {
    throw new ApiError(
      "conflict",
      `The video is ${video.status}: its metadata can only change before the upload starts.`,
    );
  }
  const updated = await deps.db
    .update(videos)
    .set({
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      ...(patch.privacy !== undefined ? { privacy: patch.privacy } : {}),
      ...(patch.publish_at !== undefined
        ? { publishAt: patch.publish_at === null ? null : Date.parse(patch.publish_at) }
        : {}),
      metadataEdited:
        video.metadataEdited ||
        patch.title !== undefined ||
        patch.description !== undefined ||
        patch.tags !== undefined,
      updatedAt: Date.now(),
    })
    // Guarded on the status again: the upload may have started since the read.
    .where(
      and(
        eq(videos.id, video.id),
        or(inArray(videos.status, [...editable]), and(eq(videos.status, "failed"), isNull(videos.youtubeVideoId))),
      ),
    )
    .returning()
    .get();
  if (!updated) throw new ApiError("conflict", "The upload started meanwhile: the metadata can no longer change.");
  return updated;
}

/**
 * Stops the video at the next step boundary. An upload a consumer is working on cannot be cancelled
 * (YouTube may be taking the bytes); one whose consumer is gone (lease expired) can.
 */
export async function cancelVideo(deps: ServiceDeps, userId: string, videoId: string) {
  const video = await getOwnedVideo(deps, userId, videoId);
  const now = Date.now();
  const cancellable: VideoStatus[] = ["queued", "scripting", "voicing", "thumbnailing", "rendering", "waiting_quota"];
  const updated = await deps.db
    .update(videos)
    .set({ status: "cancelled", leaseUntil: null, updatedAt: now })
    .where(
      and(
        eq(videos.id, video.id),
        or(inArray(videos.status, cancellable), and(eq(videos.status, "uploading"), unleased(now))),
      ),
    )
    .returning()
    .get();
  if (!updated) {
    throw new ApiError(
      "conflict",
      `A video that is ${video.status} cannot be cancelled${video.status === "uploading" ? " while its upload runs" : ""}.`,
    );
  }
  await closeOpenAttempts(deps, video.id, "cancelled");
  await publishVideo(deps.env, deps.logger, updated);
  return updated;
}

function unleased(now: number) {
  return or(isNull(videos.leaseUntil), lt(videos.leaseUntil, now));
}

/** Runs a failed video again from the step that failed. */
export async function retryVideo(deps: ServiceDeps, userId: string, videoId: string) {
  const video = await getOwnedVideo(deps, userId, videoId);
  if (video.status !== "failed" || !video.step)
    throw new ApiError("conflict", `Only failed videos can be retried; this one is ${video.status}.`);
  const step = video.step;
  const updated = await deps.db
    .update(videos)
    .set({
      status: statusOfStep[step],
      errorStep: null,
      errorCode: null,
      errorMessage: null,
      errorRetryable: null,
      leaseUntil: null,
      stepStartedAt: Date.now(),
      // A render that failed is submitted again.
      ...(step === "render" ? { renderExecutionId: null } : {}),
      updatedAt: Date.now(),
    })
    .where(and(eq(videos.id, video.id), eq(videos.status, "failed")))
    .returning()
    .get();
  if (!updated) throw new ApiError("conflict", "The video changed meanwhile; reload it.");
  await enqueueStep(deps.env, { videoId: video.id, step });
  await publishVideo(deps.env, deps.logger, updated);
  return updated;
}

/** Deletes the video and its media. A video whose upload is running must finish (or fail) first. */
export async function deleteVideo(deps: ServiceDeps, userId: string, videoId: string) {
  const video = await getOwnedVideo(deps, userId, videoId);
  if (isUploadRunning(video)) throw new ApiError("conflict", "The video is being uploaded; delete it afterwards.");
  await deleteVideoMedia(deps.env.MEDIA, video.userId, video.id);
  await deps.db.delete(videos).where(and(eq(videos.id, video.id), eq(videos.userId, userId)));
}

export async function videoAssets(deps: ServiceDeps, userId: string, videoId: string) {
  const video = await getOwnedVideo(deps, userId, videoId);
  const present = await Promise.all(
    mediaKinds.map((kind) => deps.env.MEDIA.head(mediaKey(video.userId, video.id, kind))),
  );
  const assets: { kind: MediaKind; url: string; expires_at: string; size: number; content_type: string | null }[] = [];
  for (const [i, kind] of mediaKinds.entries()) {
    const object = present[i];
    if (!object) continue;
    const link = await signedMediaUrl(deps.config.PUBLIC_BASE_URL, deps.config.SIGNING_SECRET, video.id, kind);
    assets.push({
      kind,
      url: link.url,
      expires_at: new Date(link.expiresAt).toISOString(),
      size: object.size,
      content_type: object.httpMetadata?.contentType ?? null,
    });
  }
  return { data: assets };
}

export async function videoCosts(deps: ServiceDeps, userId: string, videoId: string) {
  const video = await getOwnedVideo(deps, userId, videoId);
  const events = await deps.db
    .select()
    .from(costEvents)
    .where(eq(costEvents.videoId, video.id))
    .orderBy(asc(costEvents.createdAt), asc(costEvents.id));
  return {
    video_id: video.id,
    total_micros: video.costMicros,
    cap_micros: video.costCapMicros,
    data: events.map((e) => ({
      id: e.id,
      step: e.step,
      provider: e.provider,
      operation: e.operation,
      model: e.model,
      usage: e.usage,
      cost_micros: e.costMicros,
      created_at: new Date(e.createdAt).toISOString(),
    })),
  };
}

const BATCH_PATH = "/v1/videos/batch";

export interface BatchItemResult {
  index: number;
  status: number;
  video?: VideoResponse;
  error?: Problem;
}

/** Each item validated by `schema` and created on its own; one failing item never blocks the others. */
export async function createVideoBatch(
  deps: ServiceDeps,
  userId: string,
  items: unknown[],
  schema: z.ZodType<NewVideo, unknown>,
) {
  const results: BatchItemResult[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      const error = new ApiError("validation_failed", `Item ${index} is invalid.`, {
        errors: parsed.error.issues.map((i) => ({
          path: ["items", index, ...i.path].map(String).join("."),
          message: i.message,
        })),
      });
      results.push({ index, status: error.status, error: problemBody(error, BATCH_PATH) });
      continue;
    }
    try {
      const video = await createVideo(deps, userId, parsed.data);
      results.push({ index, status: 201, video: toVideoResponse(video) });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      results.push({ index, status: error.status, error: problemBody(error, BATCH_PATH) });
    }
  }
  const created = results.filter((r) => r.status === 201).length;
  return { created, failed: results.length - created, results };
}
