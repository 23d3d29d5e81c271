// YouTube Data API v3 (https://developers.google.com/youtube/v3/docs): channels.list, videos.insert
// (resumable), videos.list, videos.update, thumbnails.set and a minimal search.list, with per-project quota,
// per-channel upload caps and the audit lock, answering errors in Google's body shape.

import {
  googleError,
  quotaExceeded,
  rateLimitExceeded,
  thumbnailForbidden,
  uploadLimitExceeded,
} from "./google-errors";
import type { GoogleOAuthEmulator } from "./google-oauth";
import {
  type EmulatorContext,
  type EmuRequest,
  header,
  isRecord,
  jsonReply,
  parseJsonBody,
  type Reply,
  type Upstream,
} from "./http";
import { sha256Hex } from "./ids";
import type { QuotaMethod, YouTubeStore } from "./youtube-store";
import { ResumableUploads } from "./youtube-uploads";
import { etag, isReply, type ParsedMetadata, parseMetadata, thumbnailSet, videoResource } from "./youtube-videos";

/** Scopes each method accepts (https://developers.google.com/youtube/v3/docs, "Authorization"). */
const SCOPES = {
  read: ["youtube.readonly", "youtube", "youtube.force-ssl", "youtubepartner"],
  upload: ["youtube.upload", "youtube", "youtube.force-ssl", "youtubepartner"],
  update: ["youtube", "youtube.force-ssl", "youtubepartner"],
};

const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;
const VIDEO_PARTS = ["snippet", "status", "contentDetails", "statistics", "fileDetails", "id"];

const presets: Record<string, () => Reply> = {
  quota_exceeded: quotaExceeded,
  upload_limit_exceeded: uploadLimitExceeded,
  rate_limit_exceeded: rateLimitExceeded,
  thumbnail_forbidden: thumbnailForbidden,
  auth_error: () => googleError(401, "authError", "Invalid Credentials", "global"),
  backend_error: () => googleError(503, "backendError", "Backend Error", "global"),
};

const videoNotFound = () =>
  googleError(
    404,
    "videoNotFound",
    "The video that you are trying to update cannot be found. Check the value of the id field in the request body to ensure that it is correct.",
    "youtube.video",
  );

const forbidden = (message = "The request is not properly authorized.") =>
  googleError(403, "forbidden", message, "youtube.video");

function partsOf(req: EmuRequest): string[] | Reply {
  const part = req.query.get("part");
  if (!part)
    return googleError(400, "required", "No filter selected. Expected one of: part", "global", {
      location: "part",
      locationType: "parameter",
    });
  const parts = part.split(",").map((p) => p.trim());
  const unknown = parts.find((p) => !VIDEO_PARTS.includes(p));
  if (unknown)
    return googleError(400, "unknownPart", `'${unknown}'`, "youtube.part", {
      location: "part",
      locationType: "parameter",
    });
  return parts;
}

export class YouTubeEmulator implements Upstream {
  readonly name = "youtube" as const;
  readonly presets = presets;
  readonly behaviours = [] as const;
  readonly uploads: ResumableUploads;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly google: GoogleOAuthEmulator,
    readonly store: YouTubeStore,
  ) {
    this.uploads = new ResumableUploads(store);
  }

  reset(): void {
    this.store.reset();
    this.uploads.reset();
  }

  errorReply(status: number, message: string): Reply {
    const reason =
      status === 401
        ? "authError"
        : status === 404
          ? "notFound"
          : status >= 500
            ? "backendError"
            : status === 429
              ? "rateLimitExceeded"
              : "badRequest";
    return googleError(status, reason, message, "global");
  }

  async handle(req: EmuRequest): Promise<Reply> {
    const route = `${req.method} ${req.path}`;
    if (route === "PUT /upload/youtube/v3/videos" && req.query.get("upload_id")) {
      return this.uploads.put(req, req.query.get("upload_id") ?? "");
    }
    switch (route) {
      case "POST /upload/youtube/v3/videos":
        return this.insert(req);
      case "POST /upload/youtube/v3/thumbnails/set":
        return this.setThumbnail(req);
      case "GET /youtube/v3/channels":
        return this.listChannels(req);
      case "GET /youtube/v3/videos":
        return this.listVideos(req);
      case "PUT /youtube/v3/videos":
        return this.updateVideo(req);
      case "GET /youtube/v3/search":
        return this.search(req);
      default:
        return googleError(
          404,
          "notFound",
          `${req.method} ${req.path} is not a YouTube Data API method here.`,
          "global",
        );
    }
  }

  /** Authenticates, then charges the project; a refused charge is the project's `quotaExceeded`. */
  private begin(req: EmuRequest, scopes: string[], method: QuotaMethod) {
    const auth = this.google.authenticate(req, scopes);
    if (!auth.ok) return auth;
    if (!this.store.charge(auth.grant.clientId, method)) return { ok: false as const, reply: quotaExceeded() };
    return auth;
  }

  /** videos.insert, resumable: https://developers.google.com/youtube/v3/docs/videos/insert */
  private insert(req: EmuRequest): Reply {
    const auth = this.begin(req, SCOPES.upload, "videos.insert");
    if (!auth.ok) return auth.reply;
    if (req.query.get("uploadType") !== "resumable") {
      return googleError(400, "badRequest", "Only uploadType=resumable is emulated.", "global", {
        location: "uploadType",
        locationType: "parameter",
      });
    }
    const parts = partsOf(req);
    if (isReply(parts)) return parts;
    const declared = header(req, "x-upload-content-length");
    if (declared !== undefined && !/^\d+$/.test(declared))
      return googleError(400, "badRequest", "Invalid X-Upload-Content-Length.", "global");
    const contentType = header(req, "x-upload-content-type") ?? "application/octet-stream";
    if (!/^video\/|^application\/octet-stream$/.test(contentType)) {
      return googleError(
        400,
        "badContent",
        `Media type '${contentType}' is not supported. Valid media types: [video/*, application/octet-stream]`,
        "global",
      );
    }
    const body = req.body.length > 0 ? parseJsonBody(req) : { ok: true as const, value: {} };
    if (!body.ok) return googleError(400, "parseError", "Parse Error", "global");
    const metadata = parseMetadata(body.value);
    if (isReply(metadata)) return metadata;
    const channelId = auth.account.channelId;
    const channel = this.store.channel(channelId);
    if (this.store.uploadsInLast24h(channelId) >= channel.uploadCap) return uploadLimitExceeded();
    const project = this.store.project(auth.grant.clientId);
    const session = this.uploads.open({
      channelId,
      channelTitle: auth.account.channelTitle,
      clientId: auth.grant.clientId,
      metadata,
      parts: parts.filter((p) => p !== "id"),
      declaredLength: declared === undefined ? undefined : Number(declared),
      contentType,
      forcePrivate: !project.audited,
    });
    const location = `${this.ctx.baseUrl()}/google/upload/youtube/v3/videos?uploadType=resumable&part=${encodeURIComponent(req.query.get("part") ?? "")}&upload_id=${session.id}`;
    return { status: 200, headers: { location, "x-guploader-uploadid": session.id, "content-length": "0" } };
  }

  /** thumbnails.set: https://developers.google.com/youtube/v3/docs/thumbnails/set */
  private setThumbnail(req: EmuRequest): Reply {
    const auth = this.begin(req, SCOPES.upload, "thumbnails.set");
    if (!auth.ok) return auth.reply;
    const video = this.store.videos.get(req.query.get("videoId") ?? "");
    if (!video) return videoNotFound();
    if (video.channelId !== auth.account.channelId) return forbidden();
    if (!this.store.channel(video.channelId).thumbnailsAllowed) return thumbnailForbidden();
    if (req.body.length === 0)
      return googleError(
        400,
        "mediaBodyRequired",
        "The request does not include the image content.",
        "youtube.thumbnail",
      );
    if (req.body.length > MAX_THUMBNAIL_BYTES) {
      return googleError(
        400,
        "mediaBodyTooLarge",
        `The thumbnail is larger than ${MAX_THUMBNAIL_BYTES} bytes.`,
        "youtube.thumbnail",
      );
    }
    const contentType = (header(req, "content-type") ?? "").split(";")[0]?.trim() ?? "";
    const isPng = req.body.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const isJpeg = req.body[0] === 0xff && req.body[1] === 0xd8;
    const typeOk =
      contentType === "application/octet-stream" ||
      (contentType === "image/png" && isPng) ||
      (contentType === "image/jpeg" && isJpeg);
    if (!typeOk || (!isPng && !isJpeg)) {
      return googleError(400, "invalidImage", "The provided image content is invalid.", "youtube.thumbnail");
    }
    video.thumbnail = {
      bytes: Buffer.from(req.body),
      size: req.body.length,
      contentType: isPng ? "image/png" : "image/jpeg",
      sha256: sha256Hex(req.body),
      setAt: new Date().toISOString(),
    };
    const base = `https://i.ytimg.com/vi/${video.id}`;
    return jsonReply(200, {
      kind: "youtube#thumbnailSetResponse",
      etag: etag(`thumb${video.thumbnail.sha256}`),
      items: [
        {
          ...thumbnailSet(video.id),
          standard: { url: `${base}/sddefault.jpg`, width: 640, height: 480 },
          maxres: { url: `${base}/maxresdefault.jpg`, width: 1280, height: 720 },
        },
      ],
    });
  }

  /** channels.list: https://developers.google.com/youtube/v3/docs/channels/list */
  private listChannels(req: EmuRequest): Reply {
    const auth = this.begin(req, SCOPES.read, "channels.list");
    if (!auth.ok) return auth.reply;
    const part = req.query.get("part");
    if (!part) return googleError(400, "required", "No filter selected. Expected one of: part", "global");
    const parts = part.split(",").map((p) => p.trim());
    let accounts = [auth.account];
    if (req.query.get("mine") !== "true") {
      const ids = (req.query.get("id") ?? "").split(",").filter(Boolean);
      if (ids.length === 0)
        return googleError(
          400,
          "missingRequiredParameter",
          "No filter selected. Expected one of: mine, id, forHandle, forUsername, managedByMe, categoryId",
          "youtube.parameter",
        );
      accounts = ids.flatMap((id) => {
        const account = this.google.accountByChannel(id);
        return account ? [account] : [];
      });
    }
    const items = accounts.map((account) => {
      const videos = this.store.videosOf(account.channelId);
      const item: Record<string, unknown> = {
        kind: "youtube#channel",
        etag: etag(account.channelId),
        id: account.channelId,
      };
      if (parts.includes("snippet")) {
        item.snippet = {
          title: account.channelTitle,
          description: `${account.channelTitle} (emulated)`,
          customUrl: account.handle,
          publishedAt: account.createdAt,
          thumbnails: { default: { url: `https://yt3.ggpht.com/${account.channelId}=s88`, width: 88, height: 88 } },
          localized: { title: account.channelTitle, description: `${account.channelTitle} (emulated)` },
          country: "US",
        };
      }
      if (parts.includes("contentDetails")) {
        item.contentDetails = { relatedPlaylists: { likes: "", uploads: `UU${account.channelId.slice(2)}` } };
      }
      if (parts.includes("statistics")) {
        item.statistics = {
          viewCount: String(videos.length * 1000),
          subscriberCount: String(100 + videos.length * 7),
          hiddenSubscriberCount: false,
          videoCount: String(videos.length),
        };
      }
      if (parts.includes("status")) {
        item.status = { privacyStatus: "public", isLinked: true, longUploadsStatus: "allowed", madeForKids: false };
      }
      return item;
    });
    return jsonReply(200, {
      kind: "youtube#channelListResponse",
      etag: etag(`channels${items.length}`),
      pageInfo: { totalResults: items.length, resultsPerPage: 5 },
      items,
    });
  }

  /** videos.list: https://developers.google.com/youtube/v3/docs/videos/list */
  private listVideos(req: EmuRequest): Reply {
    const auth = this.begin(req, SCOPES.read, "videos.list");
    if (!auth.ok) return auth.reply;
    const parts = partsOf(req);
    if (isReply(parts)) return parts;
    const ids = (req.query.get("id") ?? "").split(",").filter(Boolean);
    if (ids.length === 0)
      return googleError(
        400,
        "missingRequiredParameter",
        "No filter selected. Expected one of: id, chart, myRating",
        "youtube.parameter",
      );
    const items = ids.flatMap((id) => {
      const video = this.store.videos.get(id);
      // Private videos are visible to their owner only.
      if (!video || (video.status.privacyStatus === "private" && video.channelId !== auth.account.channelId)) return [];
      return [videoResource(video, parts)];
    });
    return jsonReply(200, {
      kind: "youtube#videoListResponse",
      etag: etag(`videos${ids.join()}`),
      items,
      pageInfo: { totalResults: items.length, resultsPerPage: items.length },
    });
  }

  /** videos.update: https://developers.google.com/youtube/v3/docs/videos/update (needs the youtube scope). */
  private updateVideo(req: EmuRequest): Reply {
    const auth = this.begin(req, SCOPES.update, "videos.update");
    if (!auth.ok) return auth.reply;
    const parts = partsOf(req);
    if (isReply(parts)) return parts;
    const body = parseJsonBody(req);
    if (!body.ok || !isRecord(body.value)) return googleError(400, "parseError", "Parse Error", "global");
    const id = body.value.id;
    if (typeof id !== "string") return googleError(400, "required", "Required: id", "global");
    const video = this.store.videos.get(id);
    if (!video) return videoNotFound();
    if (video.channelId !== auth.account.channelId) return forbidden();
    const previous: ParsedMetadata = { snippet: video.snippet, status: video.status };
    const patch: Record<string, unknown> = {};
    if (parts.includes("snippet")) patch.snippet = isRecord(body.value.snippet) ? body.value.snippet : {};
    if (parts.includes("status")) patch.status = isRecord(body.value.status) ? body.value.status : {};
    if (isRecord(patch.snippet) && patch.snippet.categoryId === undefined) {
      return googleError(
        400,
        "invalidCategoryId",
        "The snippet.categoryId property must be set when updating the snippet.",
        "youtube.video",
      );
    }
    const metadata = parseMetadata(patch, previous);
    if (isReply(metadata)) return metadata;
    const project = this.store.project(video.clientId);
    video.snippet = metadata.snippet;
    video.status = project.audited ? metadata.status : { ...metadata.status, privacyStatus: "private" };
    return jsonReply(200, videoResource(video, parts));
  }

  /** search.list, the channel's own videos only: https://developers.google.com/youtube/v3/docs/search/list */
  private search(req: EmuRequest): Reply {
    const auth = this.begin(req, SCOPES.read, "search.list");
    if (!auth.ok) return auth.reply;
    const q = (req.query.get("q") ?? "").toLowerCase();
    const videos = this.store
      .videosOf(auth.account.channelId)
      .filter(
        (v) => !q || v.snippet.title.toLowerCase().includes(q) || v.snippet.description.toLowerCase().includes(q),
      );
    const items = videos.map((v) => ({
      kind: "youtube#searchResult",
      etag: etag(`s${v.id}`),
      id: { kind: "youtube#video", videoId: v.id },
      snippet: {
        publishedAt: v.publishedAt,
        channelId: v.channelId,
        title: v.snippet.title,
        description: v.snippet.description.slice(0, 160),
        thumbnails: thumbnailSet(v.id),
        channelTitle: v.channelTitle,
        liveBroadcastContent: "none",
      },
    }));
    return jsonReply(200, {
      kind: "youtube#searchListResponse",
      etag: etag(`search${q}`),
      regionCode: "US",
      pageInfo: { totalResults: items.length, resultsPerPage: 25 },
      items: items.slice(0, 25),
    });
  }
}
