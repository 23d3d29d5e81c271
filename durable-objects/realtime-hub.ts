import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { Env } from "../src/env";

/**
 * One hub per user (`idFromName(userId)`): every open WebSocket of that user, and nobody else's.
 * The Worker authenticates before the object wakes (access token in Sec-WebSocket-Protocol, or a
 * single-use ticket this hub issued) and passes the user id in; sockets use the Hibernation API so an
 * idle hub costs nothing. Per-socket state is tiny (the user id and connect time).
 *
 * Server -> client: `{type: "video.updated", video: {...}}`, `{type: "video.snapshot", ...}`,
 * `{type: "pong"}`, `{type: "error", code, message}`.
 * Client -> server: `{type: "ping"}`, `{type: "watch", video_id}` (the video's current state).
 */

export interface VideoEvent {
  type: "video.updated";
  video: {
    id: string;
    status: string;
    step: string | null;
    cost_micros: number;
    title: string | null;
    youtube_video_id: string | null;
    error_code: string | null;
    detail?: string;
  };
  at: string;
}

interface Attachment {
  userId: string;
  connectedAt: number;
}

const TICKET_TTL_MS = 30_000;
const MAX_SOCKETS = 20;

const inboundSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("watch"), video_id: z.string().min(1).max(64) }),
]);

export class RealtimeHub extends DurableObject<Env> {
  /** The upgrade is the one thing that must go through fetch(); the Worker sets x-user-id. */
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get("x-user-id");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !userId) {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const open = this.ctx.getWebSockets();
    // Oldest first: a user with a leaking client loses its stalest socket, not the new one.
    if (open.length >= MAX_SOCKETS) open[0]?.close(4008, "too many connections");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ userId, connectedAt: Date.now() } satisfies Attachment);
    const protocol = request.headers.get("x-websocket-protocol");
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {},
    });
  }

  /** Fan-out to every socket of this user; returns how many got it. */
  publish(event: VideoEvent): number {
    const message = JSON.stringify(event);
    let delivered = 0;
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(message);
        delivered += 1;
      } catch {
        // A socket closing under us: the close handler cleans up.
      }
    }
    return delivered;
  }

  connections(): number {
    return this.ctx.getWebSockets().length;
  }

  /** A single-use ticket for clients that cannot set headers on a WebSocket (browsers). */
  issueTicket(): { ticket: string; expiresAt: number } {
    const now = Date.now();
    for (const [key, expiry] of this.ctx.storage.kv.list<number>({ prefix: "ticket:" })) {
      if (expiry <= now) this.ctx.storage.kv.delete(key);
    }
    const ticket = crypto.randomUUID().replace(/-/g, "");
    const expiresAt = now + TICKET_TTL_MS;
    this.ctx.storage.kv.put(`ticket:${ticket}`, expiresAt);
    return { ticket, expiresAt };
  }

  redeemTicket(ticket: string): boolean {
    const key = `ticket:${ticket}`;
    const expiresAt = this.ctx.storage.kv.get<number>(key);
    if (expiresAt === undefined) return false;
    this.ctx.storage.kv.delete(key);
    return expiresAt > Date.now();
  }

  override async webSocketMessage(socket: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const parsed = typeof raw === "string" ? inboundSchema.safeParse(safeJson(raw)) : undefined;
    if (!parsed?.success) {
      socket.send(
        JSON.stringify({
          type: "error",
          code: "bad_message",
          message: "Send {type: ping} or {type: watch, video_id}.",
        }),
      );
      return;
    }
    if (parsed.data.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
      return;
    }
    const { userId } = socket.deserializeAttachment() as Attachment;
    // Scoped to this socket's user: another user's video id is "not found", like everywhere else.
    const video = await this.env.DB.prepare(
      "SELECT id, status, step, cost_micros, title, youtube_video_id, error_code FROM videos WHERE id = ? AND user_id = ?",
    )
      .bind(parsed.data.video_id, userId)
      .first();
    socket.send(
      JSON.stringify(
        video
          ? { type: "video.snapshot", video }
          : { type: "error", code: "video_not_found", message: `No video ${parsed.data.video_id}.` },
      ),
    );
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    try {
      socket.close(code, reason);
    } catch {
      // 1005/1006 cannot be sent back: the peer is gone already.
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
