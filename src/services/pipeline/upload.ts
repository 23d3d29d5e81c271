import { eq } from "drizzle-orm";
import {
  type ChannelRow,
  channelAuthorizations,
  channels,
  type VideoRow,
  type VideoUploadRow,
  videos,
  videoUploads,
} from "../../db/schema";
import { openSecret, sealSecret } from "../../lib/secret-box";
import { type ProviderContext, providerContext } from "../../providers/call";
import { ProviderError } from "../../providers/errors";
import { openRenderedFile } from "../../providers/n8n";
import {
  queryUploadStatus,
  setThumbnail,
  startResumableUpload,
  type UploadProgress,
  uploadChunk,
  type VideoMetadata,
  type YouTubeVideo,
  youtubeTagsLength,
} from "../../providers/youtube";
import { reserveUploadSlot } from "../account-selection";
import { accessTokenFor } from "../channel-tokens";
import type { ServiceDeps } from "../deps";
import { getAccount, quotaCounter } from "../upload-accounts";
import { mediaKey } from "./media";
import { runClaimedStep } from "./run-step";
import { completeStep, failStep, STEP_LEASE_MS, waitForQuota } from "./state";
import { ack, type StepMessage, type StepOutcome } from "./steps";

/**
 * The youtube-upload step: quota reserved first, the rendered file streamed from R2 through YouTube's
 * resumable protocol (resuming from the byte YouTube confirms), the thumbnail set, then published or
 * scheduled. Every stage leaves a mark (video_uploads, youtube_video_id, thumbnail_state), so a
 * redelivered message continues where the last one stopped and never uploads twice.
 */
const CHANNEL_CAP_WAIT_MS = 24 * 60 * 60 * 1000;
const UPLOAD_METHODS = ["videos.insert", "thumbnails.set"] as const;
/** Chunk failures in a row, each followed by a status query, before the message goes back to the queue. */
const MAX_CHUNK_FAILURES = 3;

export function runUploadStep(deps: ServiceDeps, message: StepMessage, deliveries: number): Promise<StepOutcome> {
  return runClaimedStep(deps, message, deliveries, async ({ video, attempt }) => {
    const channel = await deps.db.select().from(channels).where(eq(channels.id, video.channelId)).get();
    if (!channel) return ack;
    const now = Date.now();
    if (channel.uploadLimitedUntil && channel.uploadLimitedUntil > now && !video.youtubeVideoId) {
      await waitForQuota(deps, video, attempt, channel.uploadLimitedUntil, "channel_upload_limit");
      return ack;
    }
    await ensureRenderedFile(deps, video);

    let upload = await deps.db.select().from(videoUploads).where(eq(videoUploads.videoId, video.id)).get();
    if (!upload) {
      const slot = await reserveUploadSlot(deps, channel.id, UPLOAD_METHODS, `video:${video.id}`);
      if (slot.kind === "wait") {
        if (slot.reason === "no_authorization") return await needsReconnect(deps, video, attempt, channel);
        await waitForQuota(deps, video, attempt, slot.until, "quota_exhausted");
        return ack;
      }
      const now2 = Date.now();
      upload = await deps.db
        .insert(videoUploads)
        .values({
          videoId: video.id,
          accountId: slot.account.id,
          authorizationId: slot.authorizationId,
          reservationId: slot.reservation.reservationId,
          totalBytes: video.renderedBytes ?? 0,
          createdAt: now2,
          updatedAt: now2,
        })
        .returning()
        .get();
    }

    const authorization = await deps.db
      .select()
      .from(channelAuthorizations)
      .where(eq(channelAuthorizations.id, upload.authorizationId))
      .get();
    const token = authorization ? await accessTokenFor(deps, authorization) : ({ ok: false } as const);
    if (!token.ok) {
      await forgetUpload(deps, upload, "refund");
      return await needsReconnect(deps, video, attempt, channel);
    }

    // One breaker per upload account: a project-level rate limit must not stop the other accounts.
    const ctx = providerContext(deps.env, { logger: deps.logger, breakerScope: upload.accountId });
    let outcome: PublishOutcome;
    try {
      outcome = await publishToYouTube(deps, ctx, video.id, token.accessToken);
    } catch (error) {
      if (!(error instanceof ProviderError && error.code === "authError") || !authorization) throw error;
      // YouTube refused a token that had not expired (revoked early, password changed): refresh once.
      const fresh = await accessTokenFor(deps, authorization, Date.now(), { forceRefresh: true });
      if (!fresh.ok) return await needsReconnect(deps, video, attempt, channel);
      outcome = await publishToYouTube(deps, ctx, video.id, fresh.accessToken);
    }
    if (outcome.kind === "wait") {
      await waitForQuota(deps, video, attempt, outcome.until, outcome.reason);
      return ack;
    }
    await completeStep(
      deps,
      outcome.video,
      "upload",
      attempt,
      { provider: "youtube" },
      outcome.video.publishAt ? "scheduled" : "published",
    );
    return ack;
  });
}

type PublishOutcome = { kind: "done"; video: VideoRow } | { kind: "wait"; until: number; reason: string };

/**
 * The YouTube side of the step, from the stored marks (so it can run again after a refresh): the
 * bytes unless YouTube already has them, then the thumbnail unless it was already settled.
 */
async function publishToYouTube(
  deps: ServiceDeps,
  ctx: ProviderContext,
  videoId: string,
  accessToken: string,
): Promise<PublishOutcome> {
  let video = await deps.db.select().from(videos).where(eq(videos.id, videoId)).get();
  const upload = await deps.db.select().from(videoUploads).where(eq(videoUploads.videoId, videoId)).get();
  if (!video || !upload) throw new Error(`upload state of ${videoId} is missing`);
  if (!video.youtubeVideoId) {
    const uploaded = await uploadBytes(deps, ctx, video, upload, accessToken);
    if (uploaded.kind === "wait") return uploaded;
    video = await recordUploaded(deps, video, upload, uploaded.video);
  }
  if (upload.thumbnailState === "pending") video = await applyThumbnail(deps, ctx, video, accessToken);
  return { kind: "done", video };
}

async function needsReconnect(
  deps: ServiceDeps,
  video: VideoRow,
  attempt: number,
  channel: ChannelRow,
): Promise<StepOutcome> {
  await failStep(deps, video.id, "upload", attempt, {
    code: "channel_reauth_required",
    message: `Channel ${channel.id} must be connected to YouTube again before this video can upload.`,
    retryable: true,
  });
  return ack;
}

/**
 * The rendered file must be in R2 before the upload. The N8N callback only names it; it is copied
 * here, streamed, with R2 verifying the SHA-256 the workflow reported.
 */
async function ensureRenderedFile(deps: ServiceDeps, video: VideoRow): Promise<void> {
  const key = mediaKey(video.userId, video.id, "video");
  const stored = await deps.env.MEDIA.head(key);
  if (stored && stored.size === video.renderedBytes) return;
  if (!video.renderFileUrl || !video.renderedBytes || !video.renderedSha256) {
    throw new ProviderError({
      provider: "n8n",
      disposition: "fail",
      code: "render_missing",
      message: "no rendered file was reported",
    });
  }
  const body = await openRenderedFile(providerContext(deps.env, { logger: deps.logger }), video.renderFileUrl);
  const sized = new FixedLengthStream(video.renderedBytes);
  const piping = body.pipeTo(sized.writable);
  await deps.env.MEDIA.put(key, sized.readable, {
    httpMetadata: { contentType: "video/mp4" },
    sha256: video.renderedSha256,
  });
  await piping;
}

type UploadResult = { kind: "done"; video: YouTubeVideo } | { kind: "wait"; until: number; reason: string };

async function uploadBytes(
  deps: ServiceDeps,
  ctx: ProviderContext,
  video: VideoRow,
  upload: VideoUploadRow,
  accessToken: string,
): Promise<UploadResult> {
  const key = deps.config.ENCRYPTION_KEY;
  const aad = `upload-session:${video.id}`;
  const total = upload.totalBytes;
  let sessionUri = upload.sessionUriEnc ? await openSecret(key, upload.sessionUriEnc, aad) : null;
  let progress: UploadProgress = { done: false, nextByte: 0 };

  if (sessionUri) {
    try {
      progress = await queryUploadStatus(ctx, sessionUri, total, accessToken);
    } catch (error) {
      throw await restartIfExpired(deps, upload, error);
    }
  } else {
    try {
      sessionUri = await startResumableUpload(ctx, accessToken, {
        metadata: metadataOf(deps, video),
        contentLength: total,
        contentType: "video/mp4",
      });
    } catch (error) {
      return await onInsertRefused(deps, video, upload, error);
    }
    // YouTube charged the insert when it opened the session: the reservation is spent now.
    await quotaCounter(deps.env, upload.accountId).commit(upload.reservationId);
    await deps.db
      .update(videoUploads)
      .set({ sessionUriEnc: await sealSecret(key, sessionUri, aad), updatedAt: Date.now() })
      .where(eq(videoUploads.videoId, video.id));
  }

  let failures = 0;
  while (!progress.done) {
    const start = progress.nextByte;
    const end = Math.min(start + deps.config.UPLOAD_CHUNK_BYTES, total) - 1;
    const object = await deps.env.MEDIA.get(mediaKey(video.userId, video.id, "video"), {
      range: { offset: start, length: end - start + 1 },
    });
    if (!object)
      throw new ProviderError({
        provider: "n8n",
        disposition: "fail",
        code: "render_missing",
        message: "the rendered file left storage",
      });
    try {
      progress = await uploadChunk(ctx, sessionUri, { body: object.body, start, end, total, accessToken });
      failures = 0;
    } catch (error) {
      const transient = !(error instanceof ProviderError) || error.disposition === "retry";
      failures += 1;
      if (!transient || failures > MAX_CHUNK_FAILURES) throw await restartIfExpired(deps, upload, error);
      deps.logger.warn("upload_chunk_failed", { video_id: video.id, start, end, failures });
      // Where did the bytes stop? Resume from the byte YouTube confirms, never from zero.
      try {
        progress = await queryUploadStatus(ctx, sessionUri, total, accessToken);
      } catch (queryError) {
        throw await restartIfExpired(deps, upload, queryError);
      }
    }
    if (!progress.done) {
      const now = Date.now();
      // Progress renews the step's lease: a long upload is alive; a dead one's lease runs out.
      await deps.db.batch([
        deps.db
          .update(videoUploads)
          .set({ confirmedBytes: progress.nextByte, updatedAt: now })
          .where(eq(videoUploads.videoId, video.id)),
        deps.db
          .update(videos)
          .set({ leaseUntil: now + STEP_LEASE_MS })
          .where(eq(videos.id, video.id)),
      ]);
    }
  }
  return { kind: "done", video: progress.video };
}

/**
 * YouTube forgot the session (sessions expire, a server can lose one): the next delivery starts a new
 * one. That is a new videos.insert, so the old reservation is settled and the next attempt reserves.
 */
async function restartIfExpired(deps: ServiceDeps, upload: VideoUploadRow, error: unknown): Promise<unknown> {
  if (!(error instanceof ProviderError && error.code === "session_expired")) return error;
  await forgetUpload(deps, upload, "commit");
  return new ProviderError({
    provider: "youtube",
    disposition: "retry",
    code: "session_expired",
    message: "the upload session expired; a new one starts on the next attempt",
  });
}

/** The session could not open: quota and channel caps park the video; anything else propagates. */
async function onInsertRefused(
  deps: ServiceDeps,
  video: VideoRow,
  upload: VideoUploadRow,
  error: unknown,
): Promise<UploadResult> {
  if (!(error instanceof ProviderError)) throw error;
  const counter = quotaCounter(deps.env, upload.accountId);
  if (error.code === "quotaExceeded" || error.code === "dailyLimitExceeded") {
    // Someone else spent this project today; another account of the channel may still have room.
    await counter.markExhausted();
    await forgetUpload(deps, upload, "refund");
    throw new ProviderError({
      provider: "youtube",
      disposition: "retry",
      code: "quotaExceeded",
      message: "account quota spent; choosing again",
    });
  }
  if (error.code === "uploadLimitExceeded") {
    const until = Date.now() + CHANNEL_CAP_WAIT_MS;
    await deps.db
      .update(channels)
      .set({ uploadLimitedUntil: until, updatedAt: Date.now() })
      .where(eq(channels.id, video.channelId));
    await forgetUpload(deps, upload, "commit");
    return { kind: "wait", until, reason: "channel_upload_limit" };
  }
  await counter.commit(upload.reservationId);
  throw error;
}

/** Drops the upload record so the next delivery chooses an account again; settles its reservation. */
async function forgetUpload(deps: ServiceDeps, upload: VideoUploadRow, settle: "refund" | "commit") {
  const counter = quotaCounter(deps.env, upload.accountId);
  if (settle === "refund") await counter.refund(upload.reservationId);
  else await counter.commit(upload.reservationId);
  await deps.db.delete(videoUploads).where(eq(videoUploads.videoId, upload.videoId));
}

function truncateBytes(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  let result = text;
  while (encoder.encode(result).length > maxBytes) result = result.slice(0, -1);
  return result;
}

/** Generated tags can break YouTube's rules: keep the ones that pass, within the 500-character total. */
function uploadableTags(tags: readonly string[]): string[] {
  const kept: string[] = [];
  for (const tag of tags.map((t) => t.trim())) {
    if (!tag || /[<>,]/.test(tag)) continue;
    if (youtubeTagsLength([...kept, tag]) > 500) break;
    kept.push(tag);
  }
  return kept;
}

function metadataOf(deps: ServiceDeps, video: VideoRow): VideoMetadata {
  return {
    title: (video.title ?? video.topic).replace(/[<>]/g, "").slice(0, 100),
    description: truncateBytes((video.description ?? "").replace(/[<>]/g, ""), 5_000),
    tags: uploadableTags(video.tags ?? []),
    categoryId: deps.config.YOUTUBE_CATEGORY_ID,
    defaultLanguage: video.language,
    // publishAt is only allowed on private videos; YouTube makes them public at that time.
    privacyStatus: video.publishAt ? "private" : video.privacy,
    ...(video.publishAt ? { publishAt: new Date(video.publishAt).toISOString() } : {}),
    selfDeclaredMadeForKids: false,
    containsSyntheticMedia: true,
  };
}

async function recordUploaded(
  deps: ServiceDeps,
  video: VideoRow,
  upload: VideoUploadRow,
  uploaded: YouTubeVideo,
): Promise<VideoRow> {
  const account = await getAccount(deps, upload.accountId);
  const requested = video.publishAt ? "private" : video.privacy;
  const privacy = uploaded.status?.privacyStatus;
  // Unaudited projects' uploads are locked private whatever was asked (YouTube's rule for API uploads).
  const lockedPrivate = !account.audited || (requested !== "private" && privacy === "private");
  const updated = await deps.db
    .update(videos)
    .set({ youtubeVideoId: uploaded.id, uploadAccountId: account.id, lockedPrivate, updatedAt: Date.now() })
    .where(eq(videos.id, video.id))
    .returning()
    .get();
  await deps.db
    .update(videoUploads)
    .set({ confirmedBytes: upload.totalBytes, updatedAt: Date.now() })
    .where(eq(videoUploads.videoId, video.id));
  return updated ?? video;
}

/** A refused thumbnail is a warning on a video that is already up, never a reason to upload again. */
async function applyThumbnail(
  deps: ServiceDeps,
  ctx: ProviderContext,
  video: VideoRow,
  accessToken: string,
): Promise<VideoRow> {
  const object = await deps.env.MEDIA.get(mediaKey(video.userId, video.id, "thumbnail"));
  let state: "set" | "refused" = "refused";
  let warning: string | null = null;
  if (!object) warning = "thumbnail_missing";
  else {
    const contentType = object.httpMetadata?.contentType === "image/png" ? "image/png" : "image/jpeg";
    try {
      await setThumbnail(ctx, accessToken, video.youtubeVideoId as string, await object.arrayBuffer(), contentType);
      state = "set";
    } catch (error) {
      if (error instanceof ProviderError && error.disposition === "retry") throw error;
      warning = `thumbnail_refused${error instanceof ProviderError ? `:${error.code}` : ""}`;
    }
  }
  await deps.db
    .update(videoUploads)
    .set({ thumbnailState: state, updatedAt: Date.now() })
    .where(eq(videoUploads.videoId, video.id));
  if (!warning) return video;
  const updated = await deps.db
    .update(videos)
    .set({ warnings: [...video.warnings, warning], updatedAt: Date.now() })
    .where(eq(videos.id, video.id))
    .returning()
    .get();
  return updated ?? video;
}
