// The control API under /__control: faults, reset, the request log, per-upstream state for tests and
// scripts, and an echo endpoint that records what it receives (a webhook target for tests).
import type { ElevenLabsEmulator } from "./elevenlabs";
import { FaultError, type FaultRegistry } from "./faults";
import type { GoogleOAuthEmulator } from "./google-oauth";
import { bytesReply, isRecord, jsonReply, type Reply, UPSTREAMS } from "./http";
import type { N8nEmulator } from "./n8n";
import type { RequestLog } from "./request-log";
import type { SendGridEmulator } from "./sendgrid";
import type { StabilityEmulator } from "./stability";
import type { StripeEmulator } from "./stripe";
import type { YouTubeEmulator } from "./youtube";
import type { StoredVideo } from "./youtube-store";
import { videoResource } from "./youtube-videos";

export interface ControlRequest {
  method: string;
  /** Path below /__control, e.g. `/faults`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface EchoRecord {
  id: number;
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  received_at: string;
}

export interface ControlDeps {
  baseUrl(): string;
  faults: FaultRegistry;
  log: RequestLog;
  resetAll(): void;
  google: GoogleOAuthEmulator;
  youtube: YouTubeEmulator;
  elevenlabs: ElevenLabsEmulator;
  stability: StabilityEmulator;
  sendgrid: SendGridEmulator;
  stripe: StripeEmulator;
  n8n: N8nEmulator;
}

const bad = (message: string) => jsonReply(400, { error: message });
const notFound = (message: string) => jsonReply(404, { error: message });
/** Media of a video uploaded before a restart: only its metadata was persisted (see persistence.ts). */
const notFromThisRun = (id: string, what: "file" | "thumbnail") =>
  notFound(`the ${what} of video ${id} is from before the emulator restarted: only metadata is persisted`);

function videoSummary(video: StoredVideo) {
  return {
    id: video.id,
    channel_id: video.channelId,
    client_id: video.clientId,
    title: video.snippet.title,
    description: video.snippet.description,
    tags: video.snippet.tags ?? [],
    category_id: video.snippet.categoryId,
    privacy_status: video.status.privacyStatus,
    requested_privacy_status: video.requestedPrivacy,
    publish_at: video.status.publishAt ?? null,
    self_declared_made_for_kids: video.status.selfDeclaredMadeForKids ?? null,
    contains_synthetic_media: video.status.containsSyntheticMedia ?? null,
    size: video.size,
    sha256: video.sha256,
    content_type: video.contentType,
    duration_seconds: video.durationSeconds ?? null,
    published_at: video.publishedAt,
    thumbnail: video.thumbnail
      ? {
          size: video.thumbnail.size,
          sha256: video.thumbnail.sha256,
          content_type: video.thumbnail.contentType,
          set_at: video.thumbnail.setAt,
        }
      : null,
    resource: videoResource(video, ["snippet", "status", "contentDetails"]),
  };
}

export class Control {
  private echoes: EchoRecord[] = [];
  private echoCounter = 0;

  constructor(private readonly deps: ControlDeps) {}

  reset(): void {
    this.echoes = [];
  }

  async handle(req: ControlRequest): Promise<Reply> {
    let body: Record<string, unknown> = {};
    if (req.body.length > 0 && !req.path.startsWith("/echo")) {
      try {
        const parsed = JSON.parse(req.body.toString("utf8"));
        if (!isRecord(parsed)) return bad("body must be a JSON object");
        body = parsed;
      } catch {
        return bad("body must be JSON");
      }
    }
    try {
      return await this.route(req, body);
    } catch (error) {
      if (error instanceof FaultError) return bad(error.message);
      return jsonReply(500, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async route(req: ControlRequest, body: Record<string, unknown>): Promise<Reply> {
    const { deps } = this;
    const m = req.method;
    const p = req.path;
    const q = req.query;
    if (p.startsWith("/echo")) return this.echo(req);
    if (m === "GET" && p === "/health") return jsonReply(200, { ok: true, url: deps.baseUrl(), upstreams: UPSTREAMS });
    if (p === "/faults") {
      if (m === "POST") {
        const fault = deps.faults.add(body);
        return jsonReply(201, { id: fault.id, fault });
      }
      if (m === "GET") return jsonReply(200, { faults: deps.faults.list() });
      if (m === "DELETE") return jsonReply(200, { cleared: deps.faults.clear() });
    }
    const faultId = p.match(/^\/faults\/([\w-]+)$/)?.[1];
    if (faultId && m === "DELETE") return jsonReply(200, { removed: deps.faults.remove(faultId) });
    if (m === "POST" && p === "/reset") {
      deps.resetAll();
      return jsonReply(200, { ok: true });
    }
    if (p === "/requests") {
      if (m === "DELETE") {
        deps.log.clear();
        return jsonReply(200, { ok: true });
      }
      const since = q.get("since");
      return jsonReply(200, {
        requests: deps.log.query({
          upstream: q.get("upstream") ?? undefined,
          pathIncludes: q.get("pathIncludes") ?? undefined,
          method: q.get("method") ?? undefined,
          since: since ? Number(since) : undefined,
        }),
      });
    }
    if (p.startsWith("/google/")) return this.google(m, p, body);
    if (p.startsWith("/youtube/")) return this.youtube(m, p, q, body);
    if (m === "POST" && p === "/elevenlabs/subscription") {
      return jsonReply(
        200,
        deps.elevenlabs.setSubscription(body as { character_count?: number; character_limit?: number }),
      );
    }
    if (m === "POST" && p === "/stability/balance") {
      if (typeof body.credits !== "number") return bad("credits must be a number");
      deps.stability.credits = body.credits;
      return jsonReply(200, { credits: deps.stability.credits });
    }
    if (m === "GET" && p === "/sendgrid/messages") return jsonReply(200, { messages: deps.sendgrid.messages });
    if (p.startsWith("/stripe/")) return this.stripe(m, p, body);
    if (p.startsWith("/n8n/")) return this.n8n(m, p, body);
    return notFound(`no control route ${m} ${p}`);
  }

  private google(m: string, p: string, body: Record<string, unknown>): Reply {
    const { google } = this.deps;
    if (m === "GET" && p === "/google/accounts") {
      return jsonReply(200, {
        accounts: [...google.accounts.values()].map((a) => ({
          id: a.id,
          email: a.email,
          channel_id: a.channelId,
          channel_title: a.channelTitle,
          handle: a.handle,
        })),
      });
    }
    if (m === "POST" && p === "/google/revoke") {
      const token = body.refresh_token ?? body.token;
      if (typeof token !== "string") return bad("refresh_token is required");
      return jsonReply(200, { revoked: google.revokeGrant(token) });
    }
    if (m === "POST" && p === "/google/expire-access-tokens") {
      return jsonReply(200, {
        expired: google.expireAccessTokens(body as { channel_id?: string; client_id?: string; access_token?: string }),
      });
    }
    return notFound(`no control route ${m} ${p}`);
  }

  private youtube(m: string, p: string, q: URLSearchParams, body: Record<string, unknown>): Reply {
    const { youtube } = this.deps;
    const store = youtube.store;
    const project = p.match(/^\/youtube\/projects\/([^/]+)$/);
    if (project?.[1]) {
      const state = store.project(decodeURIComponent(project[1]));
      if (m === "POST") {
        if (typeof body.exhausted === "boolean") state.exhausted = body.exhausted;
        if (typeof body.audited === "boolean") state.audited = body.audited;
        if (body.quotaModel === "buckets" || body.quotaModel === "legacy") state.model = body.quotaModel;
        if (isRecord(body.limits)) {
          for (const key of ["uploads", "searches", "units"] as const) {
            const value = body.limits[key];
            if (typeof value === "number") state.limits[key] = value;
          }
        }
        if (body.resetUsage === true) state.used = { uploads: 0, searches: 0, units: 0 };
      }
      return jsonReply(200, {
        client_id: state.clientId,
        audited: state.audited,
        exhausted: state.exhausted,
        quota_model: state.model,
        day: state.day,
        limits: state.limits,
        used: state.used,
      });
    }
    const channel = p.match(/^\/youtube\/channels\/([^/]+)$/);
    if (channel?.[1]) {
      const id = decodeURIComponent(channel[1]);
      const settings = store.channel(id);
      if (m === "POST") {
        if (typeof body.uploadCap === "number") settings.uploadCap = body.uploadCap;
        if (typeof body.thumbnailsAllowed === "boolean") settings.thumbnailsAllowed = body.thumbnailsAllowed;
      }
      return jsonReply(200, {
        channel_id: id,
        uploadCap: settings.uploadCap,
        thumbnailsAllowed: settings.thumbnailsAllowed,
        uploads_last_24h: store.uploadsInLast24h(id),
      });
    }
    if (m === "GET" && p === "/youtube/videos") {
      const channelId = q.get("channel_id");
      const videos = [...store.videos.values()].filter((v) => !channelId || v.channelId === channelId);
      return jsonReply(200, { videos: videos.map(videoSummary) });
    }
    const video = p.match(/^\/youtube\/videos\/([\w-]+)(\/bytes|\/thumbnail)?$/);
    if (m === "GET" && video?.[1]) {
      const stored = store.videos.get(video[1]);
      if (!stored) return notFound(`no video ${video[1]}`);
      if (video[2] === "/bytes") {
        return stored.bytes ? bytesReply(200, stored.bytes, stored.contentType) : notFromThisRun(stored.id, "file");
      }
      if (video[2] === "/thumbnail") {
        if (!stored.thumbnail) return notFound("no thumbnail set");
        return stored.thumbnail.bytes
          ? bytesReply(200, stored.thumbnail.bytes, stored.thumbnail.contentType)
          : notFromThisRun(stored.id, "thumbnail");
      }
      return jsonReply(200, videoSummary(stored));
    }
    if (m === "GET" && p === "/youtube/uploads") {
      return jsonReply(200, {
        sessions: [...youtube.uploads.sessions.values()].map((s) => ({
          upload_id: s.id,
          channel_id: s.channelId,
          client_id: s.clientId,
          received: s.received,
          declared_length: s.declaredLength ?? null,
          video_id: s.videoId ?? null,
          expired: s.expiresAt <= Date.now(),
        })),
      });
    }
    const expire = p.match(/^\/youtube\/uploads\/([\w-]+)\/expire$/);
    if (m === "POST" && expire?.[1]) {
      const session = youtube.uploads.sessions.get(expire[1]);
      if (!session) return notFound(`no upload session ${expire[1]}`);
      session.expiresAt = Date.now() - 1;
      return jsonReply(200, { expired: true });
    }
    return notFound(`no control route ${m} ${p}`);
  }

  private async stripe(m: string, p: string, body: Record<string, unknown>): Promise<Reply> {
    const { stripe } = this.deps;
    if (m === "POST" && p === "/stripe/events") {
      if (typeof body.type !== "string") return bad("type is required");
      if (typeof body.target_url !== "string") return bad("target_url is required");
      if (body.object === undefined) return bad("object is required (an object, or the id of one the emulator holds)");
      const previous = isRecord(body.previous_attributes) ? body.previous_attributes : undefined;
      return jsonReply(200, await stripe.sendEvent(body.type, body.object, body.target_url, previous));
    }
    const complete = p.match(/^\/stripe\/checkout\/([\w-]+)\/complete$/);
    if (m === "POST" && complete?.[1]) {
      const target = typeof body.target_url === "string" ? body.target_url : undefined;
      return jsonReply(200, await stripe.completeCheckout(complete[1], target));
    }
    if (m === "POST" && p === "/stripe/config") {
      if (body.webhook_url !== null && body.webhook_url !== undefined && typeof body.webhook_url !== "string") {
        return bad("webhook_url must be a string or null");
      }
      stripe.webhookUrl = (body.webhook_url as string | null | undefined) ?? undefined;
      return jsonReply(200, { webhook_url: stripe.webhookUrl ?? null });
    }
    if (m === "GET" && p === "/stripe/deliveries") return jsonReply(200, { deliveries: stripe.deliveries });
    if (m === "GET" && p === "/stripe/events") return jsonReply(200, { events: stripe.events });
    return notFound(`no control route ${m} ${p}`);
  }

  private n8n(m: string, p: string, body: Record<string, unknown>): Reply {
    const { n8n } = this.deps;
    if (m === "POST" && p === "/n8n/config") {
      if (typeof body.delayMs === "number") n8n.config.delayMs = body.delayMs;
      if (typeof body.fetchAssets === "boolean") n8n.config.fetchAssets = body.fetchAssets;
      if (typeof body.callbackRetries === "number") n8n.config.callbackRetries = body.callbackRetries;
      return jsonReply(200, n8n.config);
    }
    if (m === "GET" && p === "/n8n/jobs") return jsonReply(200, { jobs: [...n8n.jobs.values()] });
    const job = p.match(/^\/n8n\/jobs\/(\d+)$/);
    if (m === "GET" && job?.[1]) {
      const record = n8n.jobs.get(job[1]);
      return record ? jsonReply(200, record) : notFound(`no job ${job[1]}`);
    }
    return notFound(`no control route ${m} ${p}`);
  }

  /** POST/PUT /__control/echo[/name][?status=NNN] records the request; GET lists what arrived; DELETE clears. */
  private echo(req: ControlRequest): Reply {
    const name = req.path.replace(/^\/echo\/?/, "");
    if (req.method === "GET") return jsonReply(200, { received: this.echoes.filter((e) => !name || e.name === name) });
    if (req.method === "DELETE") {
      this.echoes = this.echoes.filter((e) => name && e.name !== name);
      return jsonReply(200, { ok: true });
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers))
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
    const record: EchoRecord = {
      id: ++this.echoCounter,
      name,
      method: req.method,
      path: req.path,
      headers,
      body: req.body.toString("utf8"),
      received_at: new Date().toISOString(),
    };
    this.echoes.push(record);
    const status = Number(req.query.get("status") ?? 200);
    return jsonReply(status >= 200 && status <= 599 ? status : 200, { received: true, id: record.id });
  }
}
