import { z } from "zod";
import { fetchAll } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { classifyGoogleApi, malformedResponse, ProviderError } from "./errors";
import { answerOf, isSuccess, joinUrl, parseBody } from "./upstream";

/**
 * YouTube Data API v3 primitives over plain fetch (https://developers.google.com/youtube/v3/docs).
 * Quota is reserved by the caller (YouTubeQuota object) before each call; errors carry YouTube's
 * `reason` as their code (see classifyGoogleApi). The upload orchestration (chunks from R2,
 * resuming) belongs to the pipeline: these are the protocol steps of
 * https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol.
 */

/** Every chunk but the last must be a multiple of 256 KiB. */
export const UPLOAD_CHUNK_GRANULARITY = 262_144;
const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;

function bearer(accessToken: string) {
  return { authorization: `Bearer ${accessToken}` };
}

function invalid(code: string, message: string) {
  return new ProviderError({ provider: "youtube", disposition: "fail", code, message });
}

const channelsSchema = z.object({
  items: z
    .array(
      z.object({
        id: z.string(),
        snippet: z.object({
          title: z.string(),
          customUrl: z.string().optional(),
          thumbnails: z.record(z.string(), z.object({ url: z.string() })).optional(),
        }),
      }),
    )
    .default([]),
});

export interface ChannelSummary {
  id: string;
  title: string;
  customUrl?: string;
  thumbnailUrl?: string;
}

/** The channel of the token's owner (`channels.list`, 1 unit). */
export async function getMyChannel(ctx: ProviderContext, accessToken: string): Promise<ChannelSummary> {
  const url = new URL(joinUrl(ctx.config.YOUTUBE_API_BASE_URL, "/channels"));
  url.searchParams.set("part", "snippet");
  url.searchParams.set("mine", "true");
  return callProvider(ctx, "youtube", { operation: "channels.list" }, async (signal) => {
    const response = await fetchAll(url, { headers: bearer(accessToken) }, signal);
    if (!isSuccess(response.status)) throw classifyGoogleApi("youtube", answerOf(response));
    const channel = parseBody("youtube", response, channelsSchema).items[0];
    if (!channel) throw invalid("channel_not_found", "the account has no YouTube channel");
    const thumbs = channel.snippet.thumbnails;
    return {
      id: channel.id,
      title: channel.snippet.title,
      customUrl: channel.snippet.customUrl,
      thumbnailUrl: (thumbs?.high ?? thumbs?.medium ?? thumbs?.default)?.url,
    };
  });
}

export interface VideoMetadata {
  title: string;
  description: string;
  tags: string[];
  categoryId: string;
  defaultLanguage: string;
  privacyStatus: "private" | "unlisted" | "public";
  /** ISO 8601; only with privacyStatus `private` (YouTube publishes it then). */
  publishAt?: string;
  selfDeclaredMadeForKids: boolean;
  /** YouTube's disclosure rule: true for AI-generated content. */
  containsSyntheticMedia: boolean;
}

/** YouTube counts a tag with a space as if quoted (+2 characters) and a comma between tags. */
export function youtubeTagsLength(tags: readonly string[]): number {
  return tags.reduce((sum, tag) => sum + tag.length + (tag.includes(" ") ? 2 : 0), 0) + Math.max(0, tags.length - 1);
}

/**
 * YouTube's documented metadata limits, checked before a call that costs quota
 * (https://developers.google.com/youtube/v3/docs/videos#resource): title 1..100 characters,
 * description at most 5,000 bytes, neither with `<` or `>`; tags at most 500 characters together.
 */
export function validateVideoMetadata(metadata: VideoMetadata): string[] {
  const problems: string[] = [];
  const title = metadata.title.trim();
  if (title.length === 0 || [...title].length > 100) problems.push("title must be 1..100 characters");
  if (/[<>]/.test(metadata.title)) problems.push("title must not contain < or >");
  if (new TextEncoder().encode(metadata.description).length > 5_000) problems.push("description over 5,000 bytes");
  if (/[<>]/.test(metadata.description)) problems.push("description must not contain < or >");
  if (youtubeTagsLength(metadata.tags) > 500) problems.push("tags over 500 characters together");
  if (metadata.tags.some((tag) => /[<>,]/.test(tag))) problems.push("tags must not contain <, > or commas");
  if (metadata.publishAt && metadata.privacyStatus !== "private") {
    problems.push("publishAt requires privacyStatus private");
  }
  if (metadata.publishAt && Number.isNaN(Date.parse(metadata.publishAt))) problems.push("publishAt is not a date");
  return problems;
}

export interface StartUploadInput {
  metadata: VideoMetadata;
  contentLength: number;
  /** `video/mp4`, `video/*`... */
  contentType: string;
}

/**
 * Step 1: opens a resumable upload session (`videos.insert`, uploadType=resumable) and returns its
 * session URI (the `Location` of the 200). Retried on transient errors: a session without bytes
 * creates no video.
 */
export async function startResumableUpload(
  ctx: ProviderContext,
  accessToken: string,
  input: StartUploadInput,
): Promise<string> {
  const problems = validateVideoMetadata(input.metadata);
  if (problems.length > 0) throw invalid("invalid_metadata", problems.join("; "));
  if (!Number.isSafeInteger(input.contentLength) || input.contentLength <= 0) {
    throw invalid("invalid_metadata", "contentLength must be a positive integer");
  }
  const m = input.metadata;
  const resource = {
    snippet: {
      title: m.title,
      description: m.description,
      tags: m.tags,
      categoryId: m.categoryId,
      defaultLanguage: m.defaultLanguage,
    },
    status: {
      privacyStatus: m.privacyStatus,
      ...(m.publishAt ? { publishAt: m.publishAt } : {}),
      selfDeclaredMadeForKids: m.selfDeclaredMadeForKids,
      containsSyntheticMedia: m.containsSyntheticMedia,
    },
  };
  const url = new URL(joinUrl(ctx.config.YOUTUBE_UPLOAD_BASE_URL, "/videos"));
  url.searchParams.set("uploadType", "resumable");
  url.searchParams.set("part", "snippet,status");
  return callProvider(ctx, "youtube", { operation: "videos.insert.start" }, async (signal) => {
    const response = await fetchAll(
      url,
      {
        method: "POST",
        headers: {
          ...bearer(accessToken),
          "content-type": "application/json; charset=UTF-8",
          "x-upload-content-length": String(input.contentLength),
          "x-upload-content-type": input.contentType,
        },
        body: JSON.stringify(resource),
      },
      signal,
    );
    if (!isSuccess(response.status)) throw classifyGoogleApi("youtube", answerOf(response));
    const location = response.headers.get("location");
    if (!location || !URL.canParse(location)) {
      throw malformedResponse("youtube", response.status, "no session URI in Location");
    }
    return location;
  });
}

const videoSchema = z.object({
  id: z.string().min(1),
  snippet: z
    .object({
      title: z.string(),
      description: z.string().optional(),
      tags: z.array(z.string()).optional(),
      categoryId: z.string().optional(),
      channelId: z.string().optional(),
      publishedAt: z.string().optional(),
      defaultLanguage: z.string().optional(),
    })
    .optional(),
  status: z
    .object({
      uploadStatus: z.string().optional(),
      privacyStatus: z.string().optional(),
      publishAt: z.string().optional(),
      failureReason: z.string().optional(),
      rejectionReason: z.string().optional(),
      selfDeclaredMadeForKids: z.boolean().optional(),
      containsSyntheticMedia: z.boolean().optional(),
    })
    .optional(),
  statistics: z
    .object({
      viewCount: z.coerce.number().optional(),
      likeCount: z.coerce.number().optional(),
      commentCount: z.coerce.number().optional(),
    })
    .optional(),
});

export type YouTubeVideo = z.infer<typeof videoSchema>;

export type UploadProgress = { done: true; video: YouTubeVideo } | { done: false; nextByte: number };

/** Reads the answer of a session PUT: 308 + Range (bytes stored so far), 200/201 + the video, 404 expired. */
function readProgress(response: Awaited<ReturnType<typeof fetchAll>>): UploadProgress {
  if (response.status === 308) {
    const range = response.headers.get("range");
    if (!range) return { done: false, nextByte: 0 };
    const match = /^bytes=0-(\d+)$/.exec(range.trim());
    if (!match) throw malformedResponse("youtube", 308, `unreadable Range "${range}"`);
    return { done: false, nextByte: Number(match[1]) + 1 };
  }
  if (response.status === 404 || response.status === 410) {
    throw new ProviderError({
      provider: "youtube",
      disposition: "fail",
      code: "session_expired",
      status: response.status,
      message: "the upload session no longer exists: start a new one",
    });
  }
  if (!isSuccess(response.status)) throw classifyGoogleApi("youtube", answerOf(response));
  return { done: true, video: parseBody("youtube", response, videoSchema) };
}

export interface UploadChunkInput {
  /** Exactly `end - start + 1` bytes. */
  body: ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array;
  /** First byte offset, inclusive. */
  start: number;
  /** Last byte offset, inclusive. */
  end: number;
  total: number;
  /** Google's examples send the bearer token on session PUTs too. */
  accessToken?: string;
  /** Deadline of this chunk; default PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * Step 2: one `PUT <session URI>` with `Content-Range: bytes start-end/total`. Never retried here: a
 * stream cannot be replayed, and after a failure the server may hold part of the chunk, so the
 * caller asks queryUploadStatus where to continue. A `retry`-class error means exactly that.
 */
export async function uploadChunk(
  ctx: ProviderContext,
  sessionUri: string,
  input: UploadChunkInput,
): Promise<UploadProgress> {
  const { start, end, total } = input;
  const length = end - start + 1;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= total) {
    throw invalid("invalid_chunk", `bad byte range ${start}-${end}/${total}`);
  }
  if (end + 1 < total && length % UPLOAD_CHUNK_GRANULARITY !== 0) {
    throw invalid(
      "invalid_chunk",
      `a chunk other than the last must be a multiple of ${UPLOAD_CHUNK_GRANULARITY} bytes`,
    );
  }
  if (!(input.body instanceof ReadableStream) && input.body.byteLength !== length) {
    throw invalid("invalid_chunk", `body has ${input.body.byteLength} bytes, range says ${length}`);
  }
  return callProvider(
    ctx,
    "youtube",
    { operation: "videos.insert.chunk", retry: { maxAttempts: 1 }, timeoutMs: input.timeoutMs },
    async (signal) => {
      // A stream of unknown length would go out chunked; FixedLengthStream sends Content-Length.
      let body: BodyInit = input.body;
      if (input.body instanceof ReadableStream) {
        const fixed = new FixedLengthStream(length);
        input.body.pipeTo(fixed.writable).catch(() => {});
        body = fixed.readable;
      }
      const response = await fetchAll(
        sessionUri,
        {
          method: "PUT",
          headers: {
            ...(input.accessToken ? bearer(input.accessToken) : {}),
            "content-range": `bytes ${start}-${end}/${total}`,
          },
          body,
          redirect: "manual",
        },
        signal,
      );
      return readProgress(response);
    },
  );
}

/** Step 3 after an interruption: `PUT` with no body and `Content-Range: bytes *\/total`. */
export async function queryUploadStatus(
  ctx: ProviderContext,
  sessionUri: string,
  total: number,
  accessToken?: string,
): Promise<UploadProgress> {
  return callProvider(ctx, "youtube", { operation: "videos.insert.status" }, async (signal) => {
    const response = await fetchAll(
      sessionUri,
      {
        method: "PUT",
        headers: { ...(accessToken ? bearer(accessToken) : {}), "content-range": `bytes */${total}` },
        redirect: "manual",
      },
      signal,
    );
    return readProgress(response);
  });
}

const thumbnailSchema = z.object({
  items: z.array(z.record(z.string(), z.object({ url: z.string() }))).default([]),
});

/**
 * `thumbnails.set` (50 units). A 403 `forbidden` (channel not allowed custom thumbnails) is a `fail`:
 * the video is already up, so it is a warning on the video, never a reason to upload again.
 */
export async function setThumbnail(
  ctx: ProviderContext,
  accessToken: string,
  videoId: string,
  bytes: ArrayBuffer | Uint8Array,
  contentType: "image/jpeg" | "image/png",
): Promise<{ thumbnailUrl?: string }> {
  if (bytes.byteLength === 0 || bytes.byteLength > THUMBNAIL_MAX_BYTES) {
    throw invalid("thumbnail_too_large", `thumbnail must be 1 byte..2 MB, got ${bytes.byteLength}`);
  }
  const url = new URL(joinUrl(ctx.config.YOUTUBE_UPLOAD_BASE_URL, "/thumbnails/set"));
  url.searchParams.set("videoId", videoId);
  return callProvider(ctx, "youtube", { operation: "thumbnails.set" }, async (signal) => {
    const response = await fetchAll(
      url,
      { method: "POST", headers: { ...bearer(accessToken), "content-type": contentType }, body: bytes },
      signal,
    );
    if (!isSuccess(response.status)) throw classifyGoogleApi("youtube", answerOf(response));
    const item = parseBody("youtube", response, thumbnailSchema).items[0];
    return { thumbnailUrl: (item?.maxres ?? item?.high ?? item?.default)?.url };
  });
}

/** `videos.list` (1 unit) for up to 50 ids; ids YouTube does not know are simply absent. */
export async function listVideos(
  ctx: ProviderContext,
  accessToken: string,
  ids: string[],
  parts: ("snippet" | "status" | "statistics")[] = ["snippet", "status", "statistics"],
): Promise<YouTubeVideo[]> {
  if (ids.length === 0) return [];
  if (ids.length > 50) throw invalid("too_many_ids", "videos.list takes at most 50 ids");
  const url = new URL(joinUrl(ctx.config.YOUTUBE_API_BASE_URL, "/videos"));
  url.searchParams.set("part", parts.join(","));
  url.searchParams.set("id", ids.join(","));
  url.searchParams.set("maxResults", "50");
  return callProvider(ctx, "youtube", { operation: "videos.list" }, async (signal) => {
    const response = await fetchAll(url, { headers: bearer(accessToken) }, signal);
    if (!isSuccess(response.status)) throw classifyGoogleApi("youtube", answerOf(response));
    return parseBody("youtube", response, z.object({ items: z.array(videoSchema).default([]) })).items;
  });
}

export interface VideoUpdate {
  id: string;
  /** When present, replaces the snippet: title and categoryId are required by YouTube. */
  snippet?: { title: string; categoryId: string; description?: string; tags?: string[]; defaultLanguage?: string };
  status?: {
    privacyStatus?: "private" | "unlisted" | "public";
    publishAt?: string;
    selfDeclaredMadeForKids?: boolean;
    containsSyntheticMedia?: boolean;
  };
}

/** `videos.update` (50 units); `part` is the set of top-level properties sent. */
export async function updateVideo(
  ctx: ProviderContext,
  accessToken: string,
  resource: VideoUpdate,
): Promise<YouTubeVideo> {
  const parts = (["snippet", "status"] as const).filter((part) => resource[part] !== undefined);
  if (parts.length === 0) throw invalid("invalid_metadata", "nothing to update");
  const url = new URL(joinUrl(ctx.config.YOUTUBE_API_BASE_URL, "/videos"));
  url.searchParams.set("part", parts.join(","));
  return callProvider(ctx, "youtube", { operation: "videos.update" }, async (signal) => {
    const response = await fetchAll(
      url,
      {
        method: "PUT",
        headers: { ...bearer(accessToken), "content-type": "application/json; charset=UTF-8" },
        body: JSON.stringify(resource),
      },
      signal,
    );
    if (!isSuccess(response.status)) throw classifyGoogleApi("youtube", answerOf(response));
    return parseBody("youtube", response, videoSchema);
  });
}
