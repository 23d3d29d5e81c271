// Request/reply types shared by the emulated upstreams, and small helpers to build replies.
import type { IncomingHttpHeaders } from "node:http";

/** Names used by faults and the request log (`upstream` in the control API). */
export const UPSTREAMS = [
  "openai",
  "elevenlabs",
  "stability",
  "google",
  "youtube",
  "analytics",
  "sendgrid",
  "stripe",
  "n8n",
] as const;
export type UpstreamName = (typeof UPSTREAMS)[number];

export interface EmuRequest {
  method: string;
  /** Path below the upstream's mount point, e.g. `/v1/chat/completions` for `/openai/v1/chat/completions`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** A fault cut the connection after `body.length` bytes: nobody will read the reply. */
  cut: boolean;
  /** Behavioural preset of the fault that matched this request (e.g. `content_filtered`). */
  preset?: string;
}

export interface Reply {
  status: number;
  /** Reason phrase, when the upstream uses its own (YouTube's `308 Resume Incomplete`). */
  statusText?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One emulated upstream: its routes, its canned errors for faults, and its state. */
export interface Upstream {
  readonly name: UpstreamName;
  handle(req: EmuRequest): Promise<Reply> | Reply;
  /** Forget all state (control API `POST /__control/reset`). */
  reset(): void;
  /** Presets that replace the reply with the upstream's real error. */
  readonly presets: Record<string, () => Reply>;
  /** Presets the upstream acts out itself (the handler sees them in `req.preset`). */
  readonly behaviours: readonly string[];
  /** The upstream's own error body for a fault that gives only a status. */
  errorReply(status: number, message: string): Reply;
}

export interface EmulatorSecrets {
  N8N_API_KEY: string;
  N8N_WEBHOOK_SECRET: string;
  STRIPE_WEBHOOK_SECRET: string;
  /** Provider keys: when set, the emulator accepts only this key; when absent, any well-formed key. */
  OPENAI_API_KEY?: string;
  ELEVENLABS_API_KEY?: string;
  STABILITY_API_KEY?: string;
  STRIPE_SECRET_KEY?: string;
  SENDGRID_API_KEY?: string;
}

export interface EmulatorContext {
  /** Origin of this emulator, e.g. `http://127.0.0.1:8790` (known once it listens). */
  baseUrl(): string;
  readonly secrets: EmulatorSecrets;
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(value),
  };
}

export function bytesReply(
  status: number,
  body: Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): Reply {
  return { status, headers: { "content-type": contentType, ...headers }, body };
}

export function emptyReply(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers };
}

/** First value of a request header (names are lower-case in Node). */
export function header(req: EmuRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(req: EmuRequest): string | undefined {
  const match = header(req, "authorization")?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJsonBody(req: EmuRequest): JsonResult {
  try {
    return { ok: true, value: JSON.parse(req.body.toString("utf8")) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const unixNow = () => Math.floor(Date.now() / 1000);
