// The YouTube video resource (https://developers.google.com/youtube/v3/docs/videos): metadata rules shared
// by videos.insert and videos.update, and the resource as the API returns it.
import { googleError } from "./google-errors";
import { isRecord, type Reply } from "./http";
import { hash32 } from "./ids";
import type { StoredVideo, VideoSnippet, VideoStatus } from "./youtube-store";

// Video categories of the US region (videoCategories.list regionCode=US, assignable ones).
const CATEGORY_IDS = new Set(["1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"]);

const invalid = (reason: string, message: string) => googleError(400, reason, message, "youtube.video");

export interface ParsedMetadata {
  snippet: VideoSnippet;
  status: VideoStatus;
}

/**
 * Validates the snippet and status of a video resource. Rules: title 1..100 characters, description at most
 * 5,000 bytes, neither with `<` or `>`; tags at most 500 characters in all; `publishAt` only with
 * `privacyStatus: private` and in the future (https://developers.google.com/youtube/v3/docs/videos#resource).
 */
export function parseMetadata(body: unknown, previous?: ParsedMetadata): ParsedMetadata | Reply {
  if (!isRecord(body)) return invalid("invalidVideoMetadata", "The request metadata is invalid.");
  const rawSnippet = isRecord(body.snippet) ? body.snippet : undefined;
  const rawStatus = isRecord(body.status) ? body.status : undefined;
  let snippet = previous?.snippet;
  if (rawSnippet || !previous) {
    const source = rawSnippet ?? {};
    const title = source.title;
    if (typeof title !== "string" || title.trim() === "" || [...title].length > 100 || /[<>]/.test(title)) {
      return invalid("invalidTitle", "The request metadata specifies an invalid or empty video title.");
    }
    const description = source.description ?? "";
    if (typeof description !== "string" || Buffer.byteLength(description) > 5000 || /[<>]/.test(description)) {
      return invalid("invalidDescription", "The request metadata specifies an invalid video description.");
    }
    const tags = source.tags;
    if (tags !== undefined) {
      if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string" || /[<>]/.test(t))) {
        return invalid("invalidTags", "The request metadata specifies invalid video keywords.");
      }
      // Tags with spaces count with their quotes, plus one comma between tags.
      const length =
        (tags as string[]).reduce((sum, t) => sum + t.length + (t.includes(" ") ? 2 : 0), 0) +
        Math.max(0, tags.length - 1);
      if (length > 500) return invalid("invalidTags", "The request metadata specifies invalid video keywords.");
    }
    const categoryId = source.categoryId ?? (previous ? undefined : "22");
    if (typeof categoryId !== "string" || !CATEGORY_IDS.has(categoryId)) {
      return invalid("invalidCategoryId", "The snippet.categoryId property specifies an invalid category ID.");
    }
    snippet = {
      title,
      description,
      categoryId,
      ...(tags ? { tags: tags as string[] } : {}),
      ...(typeof source.defaultLanguage === "string" ? { defaultLanguage: source.defaultLanguage } : {}),
      ...(typeof source.defaultAudioLanguage === "string" ? { defaultAudioLanguage: source.defaultAudioLanguage } : {}),
    };
  }
  let status = previous?.status;
  if (rawStatus || !previous) {
    const source = rawStatus ?? {};
    const privacy = source.privacyStatus ?? "public";
    if (privacy !== "public" && privacy !== "private" && privacy !== "unlisted") {
      return invalid("invalidVideoMetadata", "The request metadata is invalid: status.privacyStatus.");
    }
    const publishAt = source.publishAt;
    if (publishAt !== undefined && publishAt !== null) {
      const at = typeof publishAt === "string" ? Date.parse(publishAt) : Number.NaN;
      if (privacy !== "private" || Number.isNaN(at) || at <= Date.now()) {
        return invalid("invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time.");
      }
    }
    for (const flag of ["selfDeclaredMadeForKids", "containsSyntheticMedia", "embeddable", "publicStatsViewable"]) {
      if (source[flag] !== undefined && typeof source[flag] !== "boolean") {
        return invalid("invalidVideoMetadata", `The request metadata is invalid: status.${flag}.`);
      }
    }
    status = {
      privacyStatus: privacy,
      license: typeof source.license === "string" ? source.license : "youtube",
      embeddable: source.embeddable !== false,
      publicStatsViewable: source.publicStatsViewable !== false,
      ...(typeof publishAt === "string" ? { publishAt: new Date(publishAt).toISOString() } : {}),
      ...(typeof source.selfDeclaredMadeForKids === "boolean"
        ? { selfDeclaredMadeForKids: source.selfDeclaredMadeForKids }
        : {}),
      ...(typeof source.containsSyntheticMedia === "boolean"
        ? { containsSyntheticMedia: source.containsSyntheticMedia }
        : {}),
    };
  }
  if (!snippet || !status) return invalid("invalidVideoMetadata", "The request metadata is invalid.");
  return { snippet, status };
}

export const isReply = (value: unknown): value is Reply =>
  isRecord(value) && typeof value.status === "number" && !("snippet" in value);

/** A scheduled private video becomes public at `publishAt`. */
export function settleSchedule(video: StoredVideo): void {
  if (
    video.status.publishAt &&
    Date.parse(video.status.publishAt) <= Date.now() &&
    video.status.privacyStatus === "private"
  ) {
    video.status = { ...video.status, privacyStatus: "public" };
    delete video.status.publishAt;
  }
}

function isoDuration(seconds: number | undefined): string {
  const total = Math.round(seconds ?? 0);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `PT${m ? `${m}M` : ""}${s || !m ? `${s}S` : ""}`;
}

function thumbnails(id: string) {
  const base = `https://i.ytimg.com/vi/${id}`;
  return {
    default: { url: `${base}/default.jpg`, width: 120, height: 90 },
    medium: { url: `${base}/mqdefault.jpg`, width: 320, height: 180 },
    high: { url: `${base}/hqdefault.jpg`, width: 480, height: 360 },
  };
}

export { thumbnails as thumbnailSet };

export function etag(seed: string): string {
  return `${hash32(seed).toString(36)}${hash32(`${seed}#`).toString(36)}`;
}

/** The resource with the requested parts. `fresh` = the answer to the upload itself (not yet processed). */
export function videoResource(video: StoredVideo, parts: string[], fresh = false): Record<string, unknown> {
  settleSchedule(video);
  const resource: Record<string, unknown> = {
    kind: "youtube#video",
    etag: etag(`${video.id}${video.snippet.title}`),
    id: video.id,
  };
  if (parts.includes("snippet")) {
    resource.snippet = {
      publishedAt: video.publishedAt,
      channelId: video.channelId,
      title: video.snippet.title,
      description: video.snippet.description,
      thumbnails: thumbnails(video.id),
      channelTitle: video.channelTitle,
      ...(video.snippet.tags ? { tags: video.snippet.tags } : {}),
      categoryId: video.snippet.categoryId,
      liveBroadcastContent: "none",
      ...(video.snippet.defaultLanguage ? { defaultLanguage: video.snippet.defaultLanguage } : {}),
      localized: { title: video.snippet.title, description: video.snippet.description },
      ...(video.snippet.defaultAudioLanguage ? { defaultAudioLanguage: video.snippet.defaultAudioLanguage } : {}),
    };
  }
  if (parts.includes("status")) {
    resource.status = {
      uploadStatus: fresh ? "uploaded" : "processed",
      privacyStatus: video.status.privacyStatus,
      ...(video.status.publishAt ? { publishAt: video.status.publishAt } : {}),
      license: video.status.license,
      embeddable: video.status.embeddable,
      publicStatsViewable: video.status.publicStatsViewable,
      madeForKids: video.status.selfDeclaredMadeForKids ?? false,
      ...(video.status.selfDeclaredMadeForKids !== undefined
        ? { selfDeclaredMadeForKids: video.status.selfDeclaredMadeForKids }
        : {}),
      ...(video.status.containsSyntheticMedia !== undefined
        ? { containsSyntheticMedia: video.status.containsSyntheticMedia }
        : {}),
    };
  }
  if (parts.includes("contentDetails")) {
    resource.contentDetails = {
      duration: isoDuration(video.durationSeconds),
      dimension: "2d",
      definition: "hd",
      caption: "false",
      licensedContent: false,
      contentRating: {},
      projection: "rectangular",
    };
  }
  if (parts.includes("statistics")) {
    const views = 100 + (hash32(video.id) % 5000);
    resource.statistics = {
      viewCount: String(views),
      likeCount: String(Math.floor(views / 25)),
      favoriteCount: "0",
      commentCount: String(Math.floor(views / 200)),
    };
  }
  if (parts.includes("fileDetails")) {
    resource.fileDetails = {
      fileName: `${video.id}.mp4`,
      fileSize: String(video.size),
      fileType: "video",
      container: "mov",
    };
  }
  return resource;
}
