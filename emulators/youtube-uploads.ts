// Resumable uploads (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
// a POST opens a session, PUTs send bytes in 256 KiB-multiple chunks, 308 + Range reports progress.
import { googleError } from "./google-errors";
import { type EmuRequest, emptyReply, header, jsonReply, type Reply } from "./http";
import { randomId, sha256Hex, URL_SAFE } from "./ids";
import { mp4DurationSeconds } from "./mp4";
import type { StoredVideo, YouTubeStore } from "./youtube-store";
import { type ParsedMetadata, videoResource } from "./youtube-videos";

export const CHUNK_GRANULARITY = 262_144;
const SESSION_LIFETIME_MS = 7 * 24 * 3600_000;

export interface UploadSession {
  id: string;
  channelId: string;
  channelTitle: string;
  clientId: string;
  metadata: ParsedMetadata;
  parts: string[];
  declaredLength?: number;
  contentType: string;
  chunks: Buffer[];
  received: number;
  expiresAt: number;
  forcePrivate: boolean;
  videoId?: string;
}

const badRequest = (message: string) => googleError(400, "badRequest", message, "global");

export class ResumableUploads {
  readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly store: YouTubeStore) {}

  reset(): void {
    this.sessions.clear();
  }

  open(input: Omit<UploadSession, "id" | "chunks" | "received" | "expiresAt">): UploadSession {
    const session: UploadSession = {
      ...input,
      id: `AUy${randomId(60, URL_SAFE)}`,
      chunks: [],
      received: 0,
      expiresAt: Date.now() + SESSION_LIFETIME_MS,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** `PUT <session URI>`: a chunk, the whole file, or a status query (`Content-Range: bytes *\/total`). */
  put(req: EmuRequest, uploadId: string): Reply {
    const session = this.sessions.get(uploadId);
    if (!session || session.expiresAt <= Date.now()) {
      return googleError(404, "notFound", "The upload session was not found or has expired.", "global");
    }
    if (session.videoId) return this.done(session);
    const range = header(req, "content-range");
    const status = range?.match(/^bytes \*\/(\d+|\*)$/);
    if (status) {
      if (req.body.length > 0) return badRequest("A status query must have an empty body.");
      return this.progress(session, status[1] === "*" ? undefined : Number(status[1]));
    }

    let start = 0;
    let end = req.body.length - 1;
    let total: number | undefined = req.body.length;
    if (range) {
      const match = range.match(/^bytes (\d+)-(\d+)\/(\d+|\*)$/);
      if (!match) return badRequest(`Invalid Content-Range header: ${range}`);
      start = Number(match[1]);
      end = Number(match[2]);
      total = match[3] === "*" ? undefined : Number(match[3]);
    } else if (session.received > 0) {
      return badRequest("Content-Range is required to continue an upload.");
    }
    if (req.cut) {
      // The connection broke mid-chunk: keep what arrived, as Google's server does; nobody reads a reply.
      this.append(session, start, req.body);
      return emptyReply(499);
    }
    if (total !== undefined && session.declaredLength !== undefined && total !== session.declaredLength) {
      return badRequest(`The total size ${total} does not match X-Upload-Content-Length ${session.declaredLength}.`);
    }
    if (end < start || (total !== undefined && end >= total))
      return badRequest(`Invalid Content-Range header: ${range}`);
    const length = end - start + 1;
    if (req.body.length !== length) {
      return badRequest(`Content-Range says ${length} bytes but the request body has ${req.body.length}.`);
    }
    const final = total !== undefined && end + 1 === total;
    if (!final && length % CHUNK_GRANULARITY !== 0) {
      return badRequest(
        `Invalid request. The number of bytes uploaded is required to be a multiple of ${CHUNK_GRANULARITY}, except for the final request. The received request contained ${length} bytes, which does not meet this requirement.`,
      );
    }
    if (start > session.received) {
      return badRequest(
        `Invalid request. According to the Content-Range header, the upload offset is ${start} byte(s), which exceeds already uploaded size of ${session.received} byte(s).`,
      );
    }
    this.append(session, start, req.body);
    if (final && session.received === total) return this.finish(session);
    return this.progress(session);
  }

  private append(session: UploadSession, start: number, bytes: Buffer): void {
    if (start > session.received) return;
    const fresh = bytes.subarray(session.received - start); // bytes already stored are skipped
    if (fresh.length === 0) return;
    session.chunks.push(Buffer.from(fresh));
    session.received += fresh.length;
  }

  private progress(session: UploadSession, total = session.declaredLength): Reply {
    const headers: Record<string, string> = { "x-guploader-uploadid": session.id };
    if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`;
    if (total !== undefined && total > 0 && session.received === total) return this.finish(session);
    return { status: 308, statusText: "Resume Incomplete", headers: { ...headers, "content-length": "0" } };
  }

  private finish(session: UploadSession): Reply {
    const bytes = Buffer.concat(session.chunks);
    session.chunks = [bytes];
    const id = randomId(11, URL_SAFE);
    const status = { ...session.metadata.status };
    if (session.forcePrivate) {
      // Unaudited projects: "all videos uploaded ... will be restricted to private viewing mode".
      status.privacyStatus = "private";
      delete status.publishAt;
    }
    const video: StoredVideo = {
      id,
      channelId: session.channelId,
      channelTitle: session.channelTitle,
      clientId: session.clientId,
      snippet: session.metadata.snippet,
      status,
      requestedPrivacy: session.metadata.status.privacyStatus,
      publishedAt: new Date().toISOString(),
      bytes,
      size: bytes.length,
      contentType: session.contentType,
      sha256: sha256Hex(bytes),
      durationSeconds: safeDuration(bytes),
    };
    this.store.videos.set(id, video);
    this.store.channel(session.channelId).uploads.push(Date.now());
    session.videoId = id;
    return this.done(session);
  }

  private done(session: UploadSession): Reply {
    const video = session.videoId ? this.store.videos.get(session.videoId) : undefined;
    if (!video) return googleError(404, "notFound", "The upload session was not found or has expired.", "global");
    return jsonReply(200, videoResource(video, session.parts, true));
  }
}

function safeDuration(bytes: Buffer): number | undefined {
  try {
    return mp4DurationSeconds(bytes);
  } catch {
    return undefined;
  }
}
