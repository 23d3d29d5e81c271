// One HTTP server that stands in for every upstream, each under its own path prefix (base URLs are vars:
// see .dev.vars.example), plus the control API under /__control. Stripe sits at the root /v1 because its
// SDK takes only a host and port.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Control } from "./control";
import { ElevenLabsEmulator } from "./elevenlabs";
import { type Fault, FaultRegistry } from "./faults";
import { GoogleOAuthEmulator, type GoogleSnapshot } from "./google-oauth";
import {
  type EmulatorContext,
  type EmulatorSecrets,
  type EmuRequest,
  isRecord,
  type Reply,
  sleep,
  type Upstream,
  type UpstreamName,
} from "./http";
import { N8nEmulator, type N8nSnapshot } from "./n8n";
import { OpenAIEmulator } from "./openai";
import { StateFile } from "./persistence";
import { RequestLog } from "./request-log";
import { SendGridEmulator } from "./sendgrid";
import { StabilityEmulator } from "./stability";
import { StripeEmulator, type StripeSnapshot } from "./stripe";
import { YouTubeEmulator } from "./youtube";
import { YouTubeAnalyticsEmulator } from "./youtube-analytics";
import { type YouTubeSnapshot, YouTubeStore } from "./youtube-store";

export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  secrets: EmulatorSecrets;
  /** Where Stripe events caused by API calls (and the hosted checkout page) are delivered. */
  stripeWebhookUrl?: string;
  /** Print one line per request. */
  verbose?: boolean;
  /**
   * Keep long-lived state (Google grants, YouTube quota and videos, Stripe objects, N8N ids) in this JSON
   * file across restarts. `npm start` sets it; tests leave it out and stay in memory, isolated per run.
   */
  stateFile?: string;
}

/**
 * The persisted state: one section per upstream, each shaped by its own snapshot(). Bump the version when
 * a section changes shape; a file of another version is set aside and the emulator starts fresh.
 */
const STATE_VERSION = 1;
interface EmulatorState {
  version: typeof STATE_VERSION;
  google: GoogleSnapshot;
  youtube: YouTubeSnapshot;
  stripe: StripeSnapshot;
  n8n: N8nSnapshot;
}

export interface Emulator {
  url: string;
  close(): Promise<void>;
}

interface Mount {
  prefix: string;
  upstream: UpstreamName;
  strip: string;
}

const MOUNTS: Mount[] = [
  { prefix: "/openai/", upstream: "openai", strip: "/openai" },
  { prefix: "/elevenlabs/", upstream: "elevenlabs", strip: "/elevenlabs" },
  { prefix: "/stability/", upstream: "stability", strip: "/stability" },
  { prefix: "/google/accounts/", upstream: "google", strip: "/google" },
  { prefix: "/google/oauth2/", upstream: "google", strip: "/google" },
  { prefix: "/google/youtube/", upstream: "youtube", strip: "/google" },
  { prefix: "/google/upload/", upstream: "youtube", strip: "/google" },
  { prefix: "/google/youtubeanalytics/", upstream: "analytics", strip: "/google/youtubeanalytics" },
  { prefix: "/sendgrid/", upstream: "sendgrid", strip: "/sendgrid" },
  { prefix: "/n8n/", upstream: "n8n", strip: "/n8n" },
  { prefix: "/v1/", upstream: "stripe", strip: "" },
  { prefix: "/stripe/", upstream: "stripe", strip: "" },
];

const CONTROL_PREFIX = "/__control";

/** Reads the request body; with `cutAfter`, destroys the connection once that many bytes arrived. */
function readBody(req: IncomingMessage, cutAfter?: number): Promise<{ body: Buffer; cut: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (cut: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ body: Buffer.concat(chunks), cut });
    };
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      if (cutAfter !== undefined && size + chunk.length >= cutAfter) {
        chunks.push(chunk.subarray(0, cutAfter - size));
        size = cutAfter;
        req.socket.destroy();
        finish(true);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on("end", () => finish(false));
    // A client that goes away mid-body: keep what arrived, like a resumable-upload server.
    req.on("close", () => finish(!req.complete));
    req.on("error", () => finish(true));
  });
}

async function send(res: ServerResponse, reply: Reply, stallBodyMs = 0): Promise<void> {
  if (res.destroyed) return;
  const body =
    reply.body === undefined ? undefined : typeof reply.body === "string" ? Buffer.from(reply.body) : reply.body;
  const headers: Record<string, string> = { ...reply.headers };
  if (body && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length"))
    headers["content-length"] = String(body.length);
  if (!body && reply.status !== 204 && reply.status !== 304 && !headers["content-length"])
    headers["content-length"] = "0";
  if (reply.statusText) res.statusMessage = reply.statusText;
  res.writeHead(reply.status, headers);
  if (stallBodyMs > 0) {
    res.flushHeaders();
    await sleep(stallBodyMs);
    if (res.destroyed) return;
  }
  res.end(body);
}

export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  let baseUrl = "";
  const ctx: EmulatorContext = { baseUrl: () => baseUrl, secrets: options.secrets };
  const google = new GoogleOAuthEmulator();
  const store = new YouTubeStore();
  const youtube = new YouTubeEmulator(ctx, google, store);
  const upstreams = {
    openai: new OpenAIEmulator(ctx),
    elevenlabs: new ElevenLabsEmulator(ctx),
    stability: new StabilityEmulator(ctx),
    google,
    youtube,
    analytics: new YouTubeAnalyticsEmulator(google, store),
    sendgrid: new SendGridEmulator(ctx),
    stripe: new StripeEmulator(ctx, options.stripeWebhookUrl),
    n8n: new N8nEmulator(ctx),
  } satisfies Record<UpstreamName, Upstream>;
  const faults = new FaultRegistry(upstreams);
  const log = new RequestLog();
  const resetUpstreams = () => {
    for (const upstream of Object.values(upstreams)) upstream.reset();
  };
  const snapshot = (): EmulatorState => ({
    version: STATE_VERSION,
    google: google.snapshot(),
    youtube: store.snapshot(),
    stripe: upstreams.stripe.snapshot(),
    n8n: upstreams.n8n.snapshot(),
  });
  const stateFile = options.stateFile ? new StateFile(options.stateFile, snapshot) : undefined;
  if (stateFile) {
    const saved = stateFile.load();
    if (saved !== undefined) {
      try {
        if (!isRecord(saved) || saved.version !== STATE_VERSION) throw new Error(`not version ${STATE_VERSION}`);
        const state = saved as unknown as EmulatorState;
        google.restore(state.google);
        store.restore(state.youtube);
        upstreams.stripe.restore(state.stripe);
        upstreams.n8n.restore(state.n8n);
        console.log(
          `[emulator] state restored from ${stateFile.path}: ${google.accounts.size} Google accounts, ${store.videos.size} videos (metadata only)`,
        );
      } catch (error) {
        resetUpstreams(); // no half-restored state
        stateFile.discard(`could not be restored (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    stateFile.start();
  }
  const control: Control = new Control({
    baseUrl: () => baseUrl,
    faults,
    log,
    resetAll: () => {
      faults.clear();
      log.clear();
      control.reset();
      resetUpstreams();
      // Now rather than within the second: a restart right after a reset must not bring the old state back.
      // Counters (N8N execution ids, account numbers) survive a reset in memory, so they do in the file too.
      stateFile?.save();
    },
    ...upstreams,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://emulator.local");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      const { body } = await readBody(req);
      const reply = await control.handle({
        method,
        path: url.pathname.slice(CONTROL_PREFIX.length) || "/",
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      await send(res, reply);
      return;
    }
    const mount = MOUNTS.find((m) => url.pathname.startsWith(m.prefix));
    if (!mount) {
      await readBody(req);
      await send(res, {
        status: 404,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ error: `no emulated upstream at ${url.pathname}` }),
      });
      return;
    }
    const upstream: Upstream = upstreams[mount.upstream];
    const fault: Fault | undefined = faults.match(mount.upstream, method, `${url.pathname}${url.search}`, req.headers);
    const { body, cut } = await readBody(req, fault?.cutAfterBytes);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    const emuRequest: EmuRequest = {
      method,
      path: url.pathname.slice(mount.strip.length),
      query: url.searchParams,
      headers: req.headers,
      body,
      cut,
      preset: faults.behaviour(fault),
    };
    let reply = fault ? faults.imposedReply(fault) : undefined;
    if (!reply) {
      try {
        reply = await upstream.handle(emuRequest);
        if (fault?.headers) reply = { ...reply, headers: { ...reply.headers, ...fault.headers } };
      } catch (error) {
        console.error(`[emulator] ${method} ${url.pathname} failed:`, error);
        reply = upstream.errorReply(500, `emulator error: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    log.add({
      upstream: mount.upstream,
      method,
      path: url.pathname,
      query: url.search,
      rawHeaders: req.headers,
      body_bytes: body.length,
      status: cut ? null : reply.status,
      fault_id: fault?.id ?? null,
      cut,
      time: new Date(started).toISOString(),
      duration_ms: Date.now() - started,
    });
    if (options.verbose)
      console.log(
        `[emulator] ${method} ${url.pathname}${url.search} -> ${cut ? "cut" : reply.status}${fault ? ` (fault ${fault.id})` : ""}`,
      );
    if (!cut) await send(res, reply, fault?.stallBodyMs);
  }

  const server = createServer((req, res) => {
    res.on("error", () => {});
    handle(req, res).catch((error) => {
      console.error("[emulator] unhandled", error);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "emulator failure" }));
      }
    });
  });
  // Longer than clients' idle pools, so a reused keep-alive connection is not closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? "127.0.0.1"}:${address.port}`;
  return {
    url: baseUrl,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstreams.n8n.idle();
      // Last, so renders that were still running are saved finished.
      stateFile?.stop();
    },
  };
}
