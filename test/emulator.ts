// Client of the upstream emulators' control API (emulators/control.ts), for tests running in workerd.
// The emulator is started once by test/global-setup.ts; test files run one at a time and share it, so a
// test that adds faults clears them (clearFaultsAfterEach) and targets them by path or header.
import { afterEach, inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Origin of the upstream emulators, e.g. http://127.0.0.1:39123 (set by test/global-setup.ts). */
    emulatorUrl: string;
    /** Secrets shared by the Worker's test bindings and the emulators (set in vitest.config.ts). */
    emulatorSecrets: Record<string, string>;
  }
}

export type Upstream =
  | "openai"
  | "elevenlabs"
  | "stability"
  | "google"
  | "youtube"
  | "analytics"
  | "sendgrid"
  | "stripe"
  | "n8n";

export interface FaultSpec {
  upstream: Upstream;
  method?: string;
  pathIncludes?: string;
  match?: { header?: { name: string; includes: string } };
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  preset?: string;
  times?: number;
  rate?: number;
  latencyMs?: number;
  stallBodyMs?: number;
  cutAfterBytes?: number;
}

export interface LoggedRequest {
  id: number;
  upstream: Upstream;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body_bytes: number;
  status: number | null;
  fault_id: string | null;
  cut: boolean;
  time: string;
}

export interface EmulatedVideo {
  id: string;
  channel_id: string;
  client_id: string;
  title: string;
  description: string;
  tags: string[];
  category_id: string;
  privacy_status: string;
  requested_privacy_status: string;
  publish_at: string | null;
  self_declared_made_for_kids: boolean | null;
  contains_synthetic_media: boolean | null;
  size: number;
  sha256: string;
  content_type: string;
  duration_seconds: number | null;
  thumbnail: { size: number; sha256: string; content_type: string; set_at: string } | null;
  resource: Record<string, unknown>;
}

export interface EchoRecord {
  id: number;
  name: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  received_at: string;
}

export const emulatorUrl = (): string => inject("emulatorUrl");

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulatorUrl()}/__control${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`emulator control ${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const emulator = {
  url: emulatorUrl,

  /** Adds a fault; returns its id. */
  async addFault(spec: FaultSpec): Promise<string> {
    return (await control<{ id: string }>("POST", "/faults", spec)).id;
  },
  removeFault: (id: string) => control<{ removed: boolean }>("DELETE", `/faults/${id}`),
  clearFaults: () => control<{ cleared: number }>("DELETE", "/faults"),
  /** Clears faults and every upstream's state (accounts, videos, customers, jobs, the request log). */
  reset: () => control<{ ok: true }>("POST", "/reset"),

  async requests(
    filter: { upstream?: Upstream; pathIncludes?: string; method?: string; since?: number } = {},
  ): Promise<LoggedRequest[]> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, String(value));
    return (await control<{ requests: LoggedRequest[] }>("GET", `/requests?${params}`)).requests;
  },

  google: {
    accounts: () =>
      control<{
        accounts: Array<{ id: string; email: string; channel_id: string; channel_title: string; handle: string }>;
      }>("GET", "/google/accounts"),
    revoke: (refreshToken: string) =>
      control<{ revoked: boolean }>("POST", "/google/revoke", { refresh_token: refreshToken }),
    expireAccessTokens: (filter: { channel_id?: string; client_id?: string; access_token?: string } = {}) =>
      control<{ expired: number }>("POST", "/google/expire-access-tokens", filter),
  },

  youtube: {
    setProject: (
      clientId: string,
      state: {
        exhausted?: boolean;
        audited?: boolean;
        quotaModel?: "buckets" | "legacy";
        limits?: { uploads?: number; searches?: number; units?: number };
        resetUsage?: boolean;
      },
    ) => control<Record<string, unknown>>("POST", `/youtube/projects/${encodeURIComponent(clientId)}`, state),
    project: (clientId: string) =>
      control<{
        client_id: string;
        audited: boolean;
        exhausted: boolean;
        used: { uploads: number; searches: number; units: number };
      }>("GET", `/youtube/projects/${encodeURIComponent(clientId)}`),
    setChannel: (channelId: string, state: { uploadCap?: number; thumbnailsAllowed?: boolean }) =>
      control<Record<string, unknown>>("POST", `/youtube/channels/${encodeURIComponent(channelId)}`, state),
    videos: async (channelId?: string) =>
      (
        await control<{ videos: EmulatedVideo[] }>(
          "GET",
          `/youtube/videos${channelId ? `?channel_id=${encodeURIComponent(channelId)}` : ""}`,
        )
      ).videos,
    video: (id: string) => control<EmulatedVideo>("GET", `/youtube/videos/${id}`),
    async videoBytes(id: string): Promise<Uint8Array> {
      const res = await fetch(`${emulatorUrl()}/__control/youtube/videos/${id}/bytes`);
      if (!res.ok) throw new Error(`no bytes for video ${id}: ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    uploads: () =>
      control<{
        sessions: Array<{ upload_id: string; channel_id: string; received: number; video_id: string | null }>;
      }>("GET", "/youtube/uploads"),
    expireUpload: (uploadId: string) => control<{ expired: boolean }>("POST", `/youtube/uploads/${uploadId}/expire`),
  },

  elevenlabs: {
    setSubscription: (state: { character_count?: number; character_limit?: number }) =>
      control("POST", "/elevenlabs/subscription", state),
  },
  stability: {
    setBalance: (credits: number) => control("POST", "/stability/balance", { credits }),
  },
  sendgrid: {
    messages: async () =>
      (
        await control<{
          messages: Array<{
            message_id: string;
            to: string[];
            from: string;
            subject: string;
            body: Record<string, unknown>;
          }>;
        }>("GET", "/sendgrid/messages")
      ).messages,
  },
  stripe: {
    sendEvent: (type: string, object: unknown, targetUrl: string, previousAttributes?: Record<string, unknown>) =>
      control<{
        event: Record<string, unknown> & { id: string };
        delivery: { status: number | null; body: string; error?: string };
      }>("POST", "/stripe/events", {
        type,
        object,
        target_url: targetUrl,
        previous_attributes: previousAttributes,
      }),
    completeCheckout: (sessionId: string, targetUrl?: string) =>
      control<{
        session: Record<string, unknown>;
        subscription: (Record<string, unknown> & { id: string }) | null;
        events: Array<{ id: string; type: string }>;
        deliveries: Array<{ event_id: string; type: string; status: number | null; error?: string }>;
      }>("POST", `/stripe/checkout/${sessionId}/complete`, { target_url: targetUrl }),
    setWebhookUrl: (url: string | null) => control("POST", "/stripe/config", { webhook_url: url }),
  },
  n8n: {
    /** delayMs before the work starts; fetchAssets false skips downloading the asset links (default true). */
    config: (config: { delayMs?: number; fetchAssets?: boolean; callbackRetries?: number }) =>
      control("POST", "/n8n/config", config),
    jobs: async () => (await control<{ jobs: Array<Record<string, unknown>> }>("GET", "/n8n/jobs")).jobs,
    job: (executionId: string) =>
      control<Record<string, unknown> & { state: string }>("GET", `/n8n/jobs/${executionId}`),
  },
  echo: {
    /** A URL on the emulator that records what is POSTed to it (answering `status`, default 200). */
    url: (name: string, status?: number) =>
      `${emulatorUrl()}/__control/echo/${name}${status ? `?status=${status}` : ""}`,
    received: async (name: string) => (await control<{ received: EchoRecord[] }>("GET", `/echo/${name}`)).received,
    clear: (name: string) => control("DELETE", `/echo/${name}`),
  },
};

/** Registers an afterEach that removes every fault, so one test's faults never reach the next. */
export function clearFaultsAfterEach(): void {
  afterEach(async () => {
    await emulator.clearFaults();
  });
}

/** A PKCE pair (RFC 7636, S256) made with WebCrypto. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const verifier = base64url(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url(digest) };
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const YOUTUBE_SCOPES = [
  "https://www.googleapis.com/auth/youtube.upload",
  "https://www.googleapis.com/auth/youtube.readonly",
  "https://www.googleapis.com/auth/yt-analytics.readonly",
];

/**
 * Goes through Google's (emulated) consent screen and returns what it redirects to. Each call makes a new
 * Google account and YouTube channel unless `loginHint` names an existing one.
 */
export async function googleConsent(options: {
  clientId: string;
  redirectUri: string;
  challenge: string;
  state?: string;
  scopes?: string[];
  loginHint?: string;
  prompt?: string;
}): Promise<{ location: URL; code: string | null; error: string | null; state: string | null }> {
  const params = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: "code",
    scope: (options.scopes ?? YOUTUBE_SCOPES).join(" "),
    access_type: "offline",
    prompt: options.prompt ?? "consent",
    state: options.state ?? crypto.randomUUID(),
    code_challenge: options.challenge,
    code_challenge_method: "S256",
  });
  if (options.loginHint) params.set("login_hint", options.loginHint);
  const res = await fetch(`${emulatorUrl()}/google/accounts/o/oauth2/v2/auth?${params}`, { redirect: "manual" });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  const url = new URL(location);
  return {
    location: url,
    code: url.searchParams.get("code"),
    error: url.searchParams.get("error"),
    state: url.searchParams.get("state"),
  };
}

export interface GoogleTokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** Consent plus code exchange: a fresh channel with live tokens, for tests of YouTube callers. */
export async function connectGoogleAccount(options: {
  clientId: string;
  clientSecret: string;
  redirectUri?: string;
  scopes?: string[];
  loginHint?: string;
}) {
  const redirectUri = options.redirectUri ?? "http://api.test/v1/channels/oauth/callback";
  const { verifier, challenge } = await pkcePair();
  const consent = await googleConsent({
    clientId: options.clientId,
    redirectUri,
    challenge,
    scopes: options.scopes,
    loginHint: options.loginHint,
  });
  if (!consent.code) throw new Error(`consent refused: ${consent.error}`);
  const res = await fetch(`${emulatorUrl()}/google/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: consent.code,
      redirect_uri: redirectUri,
      client_id: options.clientId,
      client_secret: options.clientSecret,
      code_verifier: verifier,
    }),
  });
  if (!res.ok) throw new Error(`token exchange answered ${res.status}: ${await res.text()}`);
  const tokens = (await res.json()) as GoogleTokens;
  const channels = (await (
    await fetch(`${emulatorUrl()}/google/youtube/v3/channels?part=id&mine=true`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
  ).json()) as { items: Array<{ id: string }> };
  return { tokens, channelId: channels.items[0]?.id ?? "" };
}
