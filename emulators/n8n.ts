// The render workflow as an N8N webhook (https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.webhook/):
// header-key auth, an immediate {execution_id}, then (asynchronously) it fetches every asset URL, "renders"
// a real MP4 (a committed fixture) and calls back with an HMAC-signed JSON body, as our workflow does.
import { readFileSync } from "node:fs";
import {
  bytesReply,
  type EmulatorContext,
  type EmuRequest,
  header,
  isRecord,
  jsonReply,
  parseJsonBody,
  type Reply,
  sleep,
  type Upstream,
  unixNow,
} from "./http";
import { hmacSha256Hex, sha256Hex } from "./ids";
import { mp4DurationSeconds } from "./mp4";

export interface AssetCheck {
  name: string;
  url: string;
  status: number | null;
  bytes: number;
  error?: string;
}

export interface CallbackAttempt {
  at: string;
  /** What was sent: the raw JSON body and the `X-N8N-Signature` header (tests can replay them). */
  body: string;
  signature: string;
  status: number | null;
  response: string;
  error?: string;
}

export interface RenderJob {
  execution_id: string;
  video_id: string;
  callback_url: string;
  request: Record<string, unknown>;
  state: "running" | "succeeded" | "failed";
  error?: string;
  assets: AssetCheck[];
  callback_body?: Record<string, unknown>;
  callbacks: CallbackAttempt[];
  preset?: string;
  created_at: string;
}

export interface N8nConfig {
  delayMs: number;
  /**
   * GET every asset URL before rendering (a failed download fails the job). Off for tests whose asset
   * links point at a Worker that Node cannot reach (vitest's in-process Worker).
   */
  fetchAssets: boolean;
  /** Extra callback attempts after a failed one (N8N's "Retry On Fail"; off by default). */
  callbackRetries: number;
}

/**
 * What survives a restart of `npm start`'s emulator (see persistence.ts): the execution counter, so ids
 * never repeat (the API keys renders by them), and the latest finished jobs, whose files stay downloadable.
 */
export interface N8nSnapshot {
  counter: number;
  jobs: RenderJob[];
}

const KEPT_JOBS = 50;

const DEFAULT_CONFIG: N8nConfig = { delayMs: 50, fetchAssets: true, callbackRetries: 0 };

export class N8nEmulator implements Upstream {
  readonly name = "n8n" as const;
  readonly presets: Record<string, () => Reply> = {
    unavailable: () => jsonReply(503, { code: 503, message: "Service Unavailable" }),
  };
  readonly behaviours = ["render_failed", "double_callback"] as const;
  readonly jobs = new Map<string, RenderJob>();
  config: N8nConfig = { ...DEFAULT_CONFIG };
  private counter = 1000;
  private video: Buffer | undefined;
  private pending = new Set<Promise<void>>();

  constructor(private readonly ctx: EmulatorContext) {}

  reset(): void {
    this.jobs.clear();
    this.config = { ...DEFAULT_CONFIG };
  }

  snapshot(): N8nSnapshot {
    const finished = [...this.jobs.values()].filter((job) => job.state !== "running");
    return { counter: this.counter, jobs: finished.slice(-KEPT_JOBS) };
  }

  restore(snapshot: N8nSnapshot): void {
    this.reset();
    this.counter = snapshot.counter;
    for (const job of snapshot.jobs) this.jobs.set(job.execution_id, job);
  }

  errorReply(status: number, message: string): Reply {
    return jsonReply(status, { code: status, message });
  }

  /** The rendered file every job produces: 6 s of 1280x720 H.264/AAC test pattern, about 900 KB. */
  renderedFile(): Buffer {
    this.video ??= readFileSync(new URL("./fixtures/render.mp4", import.meta.url));
    return this.video;
  }

  /** Waits for the background work of all jobs (used when the emulator closes). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  handle(req: EmuRequest): Reply {
    const file = req.path.match(/^\/files\/(\d+)\.mp4$/);
    if (req.method === "GET" && file?.[1]) return this.serveFile(req, file[1]);
    if (req.method !== "POST" || req.path !== "/webhook/render") {
      return jsonReply(404, {
        code: 404,
        message: `The requested webhook "${req.method} ${req.path}" is not registered.`,
      });
    }
    if (header(req, "x-n8n-api-key") !== this.ctx.secrets.N8N_API_KEY) {
      return jsonReply(401, { code: 401, message: "Authorization data is wrong!" });
    }
    const parsed = parseJsonBody(req);
    const job = parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
    const problems: string[] = [];
    if (!job) problems.push("body must be a JSON object");
    if (typeof job?.video_id !== "string") problems.push("video_id is required");
    if (typeof job?.callback_url !== "string" || !/^https?:\/\//.test(job.callback_url))
      problems.push("callback_url must be an http(s) URL");
    if (!isRecord(job?.assets)) problems.push("assets must be an object of URLs");
    if (!job || problems.length > 0) return jsonReply(400, { code: 400, message: problems.join("; ") });
    this.counter += 1;
    const record: RenderJob = {
      execution_id: String(this.counter),
      video_id: String(job.video_id),
      callback_url: String(job.callback_url),
      request: job,
      state: "running",
      assets: [],
      callbacks: [],
      preset: req.preset,
      created_at: new Date().toISOString(),
    };
    this.jobs.set(record.execution_id, record);
    const work = this.run(record).catch((error) => {
      record.state = "failed";
      record.error = error instanceof Error ? error.message : String(error);
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return jsonReply(200, { execution_id: record.execution_id });
  }

  private serveFile(req: EmuRequest, executionId: string): Reply {
    const job = this.jobs.get(executionId);
    if (job?.state !== "succeeded") return jsonReply(404, { code: 404, message: "File not found" });
    const file = this.renderedFile();
    const range = header(req, "range")?.match(/^bytes=(\d+)-(\d*)$/);
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), file.length - 1) : file.length - 1;
      if (start > end) return { status: 416, headers: { "content-range": `bytes */${file.length}` } };
      return bytesReply(206, file.subarray(start, end + 1), "video/mp4", {
        "content-range": `bytes ${start}-${end}/${file.length}`,
        "accept-ranges": "bytes",
      });
    }
    return bytesReply(200, file, "video/mp4", { "accept-ranges": "bytes" });
  }

  private async run(job: RenderJob): Promise<void> {
    await sleep(this.config.delayMs);
    const assets = isRecord(job.request.assets) ? job.request.assets : {};
    for (const [name, url] of Object.entries(assets)) {
      if (typeof url !== "string" || !this.config.fetchAssets) continue;
      const check: AssetCheck = { name, url, status: null, bytes: 0 };
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
        check.status = res.status;
        check.bytes = (await res.arrayBuffer()).byteLength;
      } catch (error) {
        check.error = error instanceof Error ? error.message : String(error);
      }
      job.assets.push(check);
    }
    const bad = job.assets.find((a) => a.status !== 200);
    let body: Record<string, unknown>;
    if (bad) {
      job.state = "failed";
      job.error = `asset ${bad.name} could not be downloaded: ${bad.status ?? bad.error}`;
    } else if (job.preset === "render_failed") {
      job.state = "failed";
      job.error = "ffmpeg exited with code 1: Invalid data found when processing input";
    } else {
      job.state = "succeeded";
    }
    if (job.state === "failed") {
      body = { execution_id: job.execution_id, video_id: job.video_id, status: "failed", error: job.error };
    } else {
      const file = this.renderedFile();
      body = {
        execution_id: job.execution_id,
        video_id: job.video_id,
        status: "succeeded",
        file_url: `${this.ctx.baseUrl()}/n8n/files/${job.execution_id}.mp4`,
        size: file.length,
        sha256: sha256Hex(file),
        duration_seconds: Math.round((mp4DurationSeconds(file) ?? 0) * 1000) / 1000,
      };
    }
    job.callback_body = body;
    const raw = JSON.stringify(body);
    await this.callBack(job, raw);
    // N8N executions can fire twice: the same body arrives again with a fresh signature.
    if (job.preset === "double_callback") await this.callBack(job, raw);
  }

  private async callBack(job: RenderJob, raw: string): Promise<void> {
    for (let attempt = 0; attempt <= this.config.callbackRetries; attempt++) {
      if (attempt > 0) await sleep(200);
      const t = unixNow();
      const signature = hmacSha256Hex(this.ctx.secrets.N8N_WEBHOOK_SECRET, `${t}.${raw}`);
      const entry: CallbackAttempt = {
        at: new Date().toISOString(),
        body: raw,
        signature: `t=${t},v1=${signature}`,
        status: null,
        response: "",
      };
      try {
        const res = await fetch(job.callback_url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-n8n-signature": `t=${t},v1=${signature}`,
            "user-agent": "n8n",
          },
          body: raw,
          signal: AbortSignal.timeout(15_000),
        });
        entry.status = res.status;
        entry.response = (await res.text()).slice(0, 2000);
      } catch (error) {
        entry.error = error instanceof Error ? error.message : String(error);
      }
      job.callbacks.push(entry);
      if (entry.status !== null && entry.status < 300) return;
    }
  }
}
