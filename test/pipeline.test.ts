import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { getConfig } from "../src/env";
import { bytesToHex } from "../src/lib/encoding";
import { createLogger } from "../src/lib/logger";
import type { ServiceDeps } from "../src/services/deps";
import { handleDeadLetter } from "../src/services/pipeline/dead-letters";
import { runGenerationStep } from "../src/services/pipeline/generate";
import { mediaKey } from "../src/services/pipeline/media";
import { sweepPipeline } from "../src/services/pipeline/sweeper";
import { quotaCounter } from "../src/services/upload-accounts";
import { clearFaultsAfterEach, emulator, waitFor } from "./emulator";
import {
  addUploadAccount,
  call,
  connectedChannel,
  json,
  setPlan,
  signupAdmin,
  signupUser,
  type TestUser,
  waitForVideo,
} from "./helpers";

clearFaultsAfterEach();

interface VideoBody {
  id: string;
  status: string;
  step: string | null;
  cost_micros: number;
  youtube: { video_id: string; url: string; locked_private: boolean } | null;
  warnings: string[];
  waiting: { reason: string; until: string } | null;
  error: { step: string; code: string; retryable: boolean } | null;
  history: { step: string; status: string; provider: string | null; detail: string | null }[];
}

function deps(): ServiceDeps {
  return { env, config: getConfig(env), db: createDb(env.DB), logger: createLogger("silent") };
}

let accountId: string;
beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM channel_authorizations"),
    env.DB.prepare("DELETE FROM oauth_sessions"),
    env.DB.prepare("DELETE FROM upload_accounts"),
  ]);
  const admin = await signupAdmin();
  accountId = await addUploadAccount(admin.accessToken, { audited: true });
});
beforeEach(async () => {
  // Tests cannot be reached over HTTP, so the emulated workflow skips fetching the signed asset links
  // (a test fetches them itself) and its callback is delivered by the test.
  await emulator.n8n.config({ delayMs: 10, fetchAssets: false });
});

async function ready() {
  const user = await signupUser();
  await setPlan(user.id, "pro");
  const channel = await connectedChannel(user);
  return { user, channel };
}

async function createVideo(user: TestUser, channelId: string, extra: Record<string, unknown> = {}) {
  const res = await call("/v1/videos", {
    token: user.accessToken,
    body: { channel_id: channelId, topic: "how volcanoes form", ...extra },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as VideoBody;
}

async function renderExecutionOf(videoId: string) {
  return waitFor(
    async () =>
      (
        await env.DB.prepare("SELECT render_execution_id AS id FROM videos WHERE id = ?")
          .bind(videoId)
          .first<{ id: string | null }>()
      )?.id ?? undefined,
    45_000,
    "the render job",
  );
}

/** Delivers the emulated workflow's signed callback (which could not reach this in-process Worker). */
async function deliverRenderCallback(executionId: string) {
  const job = await waitFor(
    async () => {
      const j = await emulator.n8n.job(executionId);
      return (j.callbacks as unknown[]).length > 0 ? j : undefined;
    },
    10_000,
    "the render callback",
  );
  const attempt = (job.callbacks as { signature: string; body: string }[])[0];
  return call("/v1/webhooks/n8n", {
    rawBody: attempt?.body,
    headers: { "content-type": "application/json", "x-n8n-signature": attempt?.signature as string },
  });
}

async function sha256(bytes: ArrayBuffer | Uint8Array) {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

async function costEventCount(videoId: string) {
  return (
    (
      await env.DB.prepare("SELECT COUNT(*) AS n FROM cost_events WHERE video_id = ?")
        .bind(videoId)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

async function openSocket(token: string) {
  const res = await exports.default.fetch(
    new Request("http://api.test/v1/realtime", {
      headers: {
        upgrade: "websocket",
        "sec-websocket-protocol": `ytempire.v1, bearer.${token}`,
        "cf-connecting-ip": "198.51.100.50",
      },
    }),
  );
  const socket = res.webSocket as WebSocket;
  socket.accept();
  const events: { type: string; video?: { id: string; status: string } }[] = [];
  socket.addEventListener("message", (e) => events.push(JSON.parse(e.data as string)));
  return { socket, events };
}

describe("the main job, end to end", () => {
  it("goes from a topic to published, with bytes on YouTube equal to the render and an exact cost", async () => {
    const { user, channel } = await ready();
    const live = await openSocket(user.accessToken);
    const video = await createVideo(user, channel.id);

    const execution = await renderExecutionOf(video.id);
    // The render job got signed links to every asset, and they work.
    const assets = await json<{ data: { kind: string; url: string }[] }>(
      await call(`/v1/videos/${video.id}/assets`, { token: user.accessToken }),
    );
    expect(assets.data.map((a) => a.kind).sort()).toEqual(["audio", "script", "thumbnail"]);
    for (const asset of assets.data) {
      const url = new URL(asset.url);
      const res = await call(`${url.pathname}${url.search}`);
      expect(res.status, asset.kind).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const tampered = new URL(assets.data[0]?.url as string);
    tampered.searchParams.set("expires", String(Number(tampered.searchParams.get("expires")) + 60));
    expect((await call(`${tampered.pathname}${tampered.search}`)).status).toBe(401);

    const delivered = await deliverRenderCallback(execution);
    expect(await json(delivered)).toMatchObject({ outcome: "accepted", video_id: video.id });
    const published = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "published" || v.status === "failed",
    );
    expect(published.status, JSON.stringify(published)).toBe("published");
    expect(published.youtube?.url).toBe(`https://www.youtube.com/watch?v=${published.youtube?.video_id}`);
    expect(published.youtube?.locked_private).toBe(false);
    expect(published.warnings).toEqual([]);

    const onYouTube = await emulator.youtube.video(published.youtube?.video_id as string);
    const rendered = await env.MEDIA.get(mediaKey(user.id, video.id, "video"));
    const renderedBytes = await (rendered as R2ObjectBody).arrayBuffer();
    const uploadedBytes = await emulator.youtube.videoBytes(published.youtube?.video_id as string);
    expect(uploadedBytes.byteLength).toBe(renderedBytes.byteLength);
    expect(await sha256(uploadedBytes)).toBe(await sha256(renderedBytes));
    expect(onYouTube).toMatchObject({ channel_id: channel.youtubeChannelId });
    expect(JSON.stringify(onYouTube)).toContain('"containsSyntheticMedia":true');
    expect(JSON.stringify(onYouTube)).toContain('"selfDeclaredMadeForKids":false');

    const costs = await json<{ total_micros: number; data: { provider: string; step: string; cost_micros: number }[] }>(
      await call(`/v1/videos/${video.id}/costs`, { token: user.accessToken }),
    );
    expect(costs.total_micros).toBe(published.cost_micros);
    expect(costs.data.reduce((sum, e) => sum + e.cost_micros, 0)).toBe(costs.total_micros);
    expect(costs.total_micros).toBeGreaterThan(0);
    expect(costs.total_micros).toBeLessThan(3_000_000);
    expect(costs.data.map((e) => `${e.step}:${e.provider}`).sort()).toEqual([
      "script:openai",
      "thumbnail:stability",
      "voice:elevenlabs",
    ]);

    // Every status change reached the user's socket.
    await waitFor(
      async () => (live.events.some((e) => e.video?.status === "published") ? true : undefined),
      2_000,
      "the published event",
    );
    const seen = new Set(live.events.filter((e) => e.video?.id === video.id).map((e) => e.video?.status));
    for (const status of ["scripting", "voicing", "thumbnailing", "rendering", "uploading", "published"])
      expect(seen).toContain(status);
    live.socket.close(1000, "done");

    // Redelivered messages and a second callback change nothing: one upload, one set of costs.
    const events = await costEventCount(video.id);
    await env.GENERATION_QUEUE.send({ videoId: video.id, step: "script" });
    await env.GENERATION_QUEUE.send({ videoId: video.id, step: "render" });
    await env.UPLOAD_QUEUE.send({ videoId: video.id, step: "upload" });
    expect(await json(await deliverRenderCallback(execution))).toMatchObject({ outcome: "duplicate" });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await costEventCount(video.id)).toBe(events);
    expect(await emulator.youtube.videos(channel.youtubeChannelId)).toHaveLength(1);
    expect((await emulator.n8n.jobs()).filter((j) => j.video_id === video.id)).toHaveLength(1);
  });

  it("the same step delivered twice at once runs once and charges once", async () => {
    const { user, channel } = await ready();
    const video = await createVideo(user, channel.id);
    // Race the queue's own delivery with two more of the same message.
    const results = await Promise.all([
      runGenerationStep(deps(), { videoId: video.id, step: "script" }, 1),
      runGenerationStep(deps(), { videoId: video.id, step: "script" }, 1),
    ]);
    expect(results.length).toBe(2);
    await renderExecutionOf(video.id);
    const scriptCharges = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM cost_events WHERE video_id = ? AND step = 'script'",
    )
      .bind(video.id)
      .first<{ n: number }>();
    expect(scriptCharges?.n).toBe(1);
    const chats = await emulator.requests({ upstream: "openai", pathIncludes: "/chat/completions" });
    expect(chats.filter((r) => (r as unknown as { body_bytes: number }).body_bytes > 0).length).toBeGreaterThanOrEqual(
      1,
    );
  });

  it("a failing primary AI provider falls back, and the record says who served", async () => {
    const { user, channel } = await ready();
    await emulator.addFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech", preset: "quota_exceeded" });
    await emulator.addFault({ upstream: "stability", preset: "content_filtered" });
    const video = await createVideo(user, channel.id);
    await renderExecutionOf(video.id);
    const detail = await json<VideoBody>(await call(`/v1/videos/${video.id}`, { token: user.accessToken }));
    const served = Object.fromEntries(
      detail.history.filter((h) => h.status === "succeeded").map((h) => [h.step, h.provider]),
    );
    expect(served).toMatchObject({ script: "openai", voice: "openai", thumbnail: "openai" });
    const costs = await json<{ data: { step: string; provider: string; model: string }[] }>(
      await call(`/v1/videos/${video.id}/costs`, { token: user.accessToken }),
    );
    expect(costs.data.find((e) => e.step === "voice")).toMatchObject({ provider: "openai", model: "tts-1" });
  });

  it("an upload cut at 40% resumes from the byte YouTube confirmed", async () => {
    const { user, channel } = await ready();
    const video = await createVideo(user, channel.id);
    const execution = await renderExecutionOf(video.id);
    const job = await emulator.n8n.job(execution);
    const size = await waitFor(
      async () =>
        (job.callbacks as unknown[]).length >= 0
          ? ((await emulator.n8n.job(execution)).callback_body as { size?: number })?.size
          : undefined,
      10_000,
      "render size",
    );
    await emulator.addFault({
      upstream: "youtube",
      method: "PUT",
      pathIncludes: "/upload/youtube/v3/videos",
      cutAfterBytes: Math.floor(size * 0.4),
      times: 1,
    });
    const since = Math.max(0, ...(await emulator.requests()).map((r) => r.id));
    await deliverRenderCallback(execution);
    const published = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "published" || v.status === "failed",
    );
    expect(published.status, JSON.stringify(published)).toBe("published");
    const puts = await emulator.requests({
      upstream: "youtube",
      method: "PUT",
      pathIncludes: "/upload/youtube/v3/videos",
      since,
    });
    const statusQueries = puts.filter((r) => r.body_bytes === 0);
    expect(statusQueries.length).toBeGreaterThanOrEqual(1);
    // After the cut, the bytes sent again start where YouTube stopped, so in all a little over 100% went up.
    const sent = puts.reduce((sum, r) => sum + r.body_bytes, 0);
    expect(sent).toBeLessThan(size * 1.45);
    const uploaded = await emulator.youtube.videoBytes(published.youtube?.video_id as string);
    const rendered = await ((await env.MEDIA.get(mediaKey(user.id, video.id, "video"))) as R2ObjectBody).arrayBuffer();
    expect(await sha256(uploaded)).toBe(await sha256(rendered));
  });

  it("no quota anywhere: waiting_quota, then it resumes after the Pacific-midnight reset", async () => {
    const { user, channel } = await ready();
    const counter = quotaCounter(env, accountId);
    await counter.markExhausted("uploads");
    const video = await createVideo(user, channel.id);
    await deliverRenderCallback(await renderExecutionOf(video.id));
    const waiting = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "waiting_quota" || v.status === "failed",
    );
    expect(waiting.status).toBe("waiting_quota");
    expect(waiting.waiting?.reason).toBe("quota_exhausted");
    const { resetAt } = await counter.usage();
    expect(Date.parse(waiting.waiting?.until as string)).toBe(resetAt);

    // Midnight in Los Angeles: the counters roll over, and the sweeper finds the wait is over.
    await runInDurableObject(counter, (_instance, state) => {
      state.storage.sql.exec("UPDATE quota_day SET day = '2026-01-01'");
    });
    const report = await sweepPipeline(deps(), resetAt + 1);
    expect(report.resumed).toBeGreaterThanOrEqual(1);
    const published = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "published" || v.status === "failed",
    );
    expect(published.status, JSON.stringify(published)).toBe("published");
  });

  it("a channel at YouTube's 24-hour cap waits without blocking other channels", async () => {
    const { user, channel } = await ready();
    await emulator.youtube.setChannel(channel.youtubeChannelId, { uploadCap: 0 });
    const other = await connectedChannel(user);
    const capped = await createVideo(user, channel.id);
    const free = await createVideo(user, other.id);
    await deliverRenderCallback(await renderExecutionOf(capped.id));
    await deliverRenderCallback(await renderExecutionOf(free.id));
    const waiting = await waitForVideo<VideoBody>(
      user.accessToken,
      capped.id,
      (v) => v.status === "waiting_quota" || v.status === "failed",
    );
    expect(waiting.waiting?.reason).toBe("channel_upload_limit");
    const channelView = await json<{ upload_limited: boolean }>(
      await call(`/v1/channels/${channel.id}`, { token: user.accessToken }),
    );
    expect(channelView.upload_limited).toBe(true);
    const done = await waitForVideo<VideoBody>(
      user.accessToken,
      free.id,
      (v) => v.status === "published" || v.status === "failed",
    );
    expect(done.status).toBe("published");
  });

  it("cancel mid-pipeline stops at the next step boundary", async () => {
    const { user, channel } = await ready();
    await emulator.addFault({ upstream: "elevenlabs", pathIncludes: "/text-to-speech", latencyMs: 800, times: 1 });
    const video = await createVideo(user, channel.id);
    await waitForVideo<VideoBody>(user.accessToken, video.id, (v) => v.status === "voicing");
    const res = await call(`/v1/videos/${video.id}/cancel`, { method: "POST", token: user.accessToken });
    expect(await json(res)).toMatchObject({ status: "cancelled" });
    await new Promise((r) => setTimeout(r, 2000));
    const after = await json<VideoBody>(await call(`/v1/videos/${video.id}`, { token: user.accessToken }));
    expect(after.status).toBe("cancelled");
    expect(after.history.filter((h) => h.step === "thumbnail" || h.step === "render")).toEqual([]);
    expect((await emulator.n8n.jobs()).filter((j) => j.video_id === video.id)).toEqual([]);
  });

  it("a refused thumbnail is a warning on a published video, never a re-upload", async () => {
    const { user, channel } = await ready();
    await emulator.youtube.setChannel(channel.youtubeChannelId, { thumbnailsAllowed: false });
    const video = await createVideo(user, channel.id);
    await deliverRenderCallback(await renderExecutionOf(video.id));
    const done = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "published" || v.status === "failed",
    );
    expect(done.status).toBe("published");
    expect(done.warnings[0]).toMatch(/^thumbnail_refused/);
    expect(await emulator.youtube.videos(channel.youtubeChannelId)).toHaveLength(1);
  });

  it("an access token YouTube stopped accepting early is refreshed once, and the upload goes on", async () => {
    const { user, channel } = await ready();
    const video = await createVideo(user, channel.id);
    const execution = await renderExecutionOf(video.id);
    // Google forgets the live access token (revoked, password changed) while ours has not expired.
    await emulator.google.expireAccessTokens({ channel_id: channel.youtubeChannelId });
    await deliverRenderCallback(execution);
    const done = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "published" || v.status === "failed",
    );
    expect(done.status, JSON.stringify(done)).toBe("published");
    const refreshes = await emulator.requests({ upstream: "google", pathIncludes: "/oauth2/token" });
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
  });

  it("a render failure fails the video at the render step, retryable", async () => {
    const { user, channel } = await ready();
    await emulator.addFault({ upstream: "n8n", preset: "render_failed", times: 1 });
    const video = await createVideo(user, channel.id);
    await deliverRenderCallback(await renderExecutionOf(video.id));
    const failed = await waitForVideo<VideoBody>(user.accessToken, video.id, (v) => v.status === "failed");
    expect(failed.error).toMatchObject({ step: "render", code: "render_failed", retryable: true });
    const retried = await call(`/v1/videos/${video.id}/retry`, { method: "POST", token: user.accessToken });
    expect(await json(retried)).toMatchObject({ status: "rendering", step: "render" });
  });

  it("publish_at schedules: uploaded private with publishAt, the video ends `scheduled`", async () => {
    const { user, channel } = await ready();
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const video = await createVideo(user, channel.id, { publish_at: at });
    await deliverRenderCallback(await renderExecutionOf(video.id));
    const done = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "scheduled" || v.status === "failed",
    );
    expect(done.status, JSON.stringify(done)).toBe("scheduled");
    const onYouTube = JSON.stringify(await emulator.youtube.video(done.youtube?.video_id as string));
    expect(onYouTube).toContain('"privacy_status":"private"');
    expect(onYouTube).toContain(at.slice(0, 19));
  });

  it("an upload through an unaudited account is reported locked to private", async () => {
    const { user, channel } = await ready();
    await env.DB.prepare("UPDATE upload_accounts SET audited = 0 WHERE id = ?").bind(accountId).run();
    try {
      const video = await createVideo(user, channel.id);
      await deliverRenderCallback(await renderExecutionOf(video.id));
      const done = await waitForVideo<VideoBody>(
        user.accessToken,
        video.id,
        (v) => v.status === "published" || v.status === "failed",
      );
      expect(done.youtube?.locked_private).toBe(true);
    } finally {
      await env.DB.prepare("UPDATE upload_accounts SET audited = 1 WHERE id = ?").bind(accountId).run();
    }
  });

  it("a tight cost cap makes the chains pick cheaper providers, and the total stays under it", async () => {
    const { user, channel } = await ready();
    await setPlan(user.id, "pro", 60_000);
    const video = await createVideo(user, channel.id);
    await renderExecutionOf(video.id);
    const costs = await json<{ total_micros: number; cap_micros: number; data: { step: string; provider: string }[] }>(
      await call(`/v1/videos/${video.id}/costs`, { token: user.accessToken }),
    );
    // ElevenLabs (50 µ$ a character) does not fit what is left for the voice; OpenAI tts-1 (15) does.
    // No fault anywhere: only the budget can make a step skip its primary (ElevenLabs at 50 µ$ a
    // character, Stability at $0.03) for the cheaper fallback (tts-1 at 15, gpt-image-1-mini at $0.015).
    const served = costs.data.map((e) => `${e.step}:${e.provider}`);
    expect(
      served.some((s) => s === "voice:openai" || s === "thumbnail:openai"),
      served.join(", "),
    ).toBe(true);
    expect(costs.cap_micros).toBe(60_000);
    expect(costs.total_micros).toBeLessThanOrEqual(60_000);
  });

  it("a request the provider refuses for good fails the video at once, with the step and reason", async () => {
    const { user, channel } = await ready();
    await emulator.addFault({
      upstream: "openai",
      pathIncludes: "/chat/completions",
      status: 400,
      body: {
        error: { message: "Invalid schema", type: "invalid_request_error", param: null, code: "invalid_request" },
      },
    });
    const video = await createVideo(user, channel.id);
    const failed = await waitForVideo<VideoBody>(user.accessToken, video.id, (v) => v.status === "failed");
    expect(failed.error).toMatchObject({ step: "script", retryable: false });
    expect(failed.cost_micros).toBe(0);
  });

  it("a dead letter fails the video with the step and the last reason its attempts recorded", async () => {
    const { user, channel } = await ready();
    await emulator.addFault({ upstream: "openai", pathIncludes: "/chat/completions", preset: "server_error" });
    await emulator.addFault({ upstream: "openai", pathIncludes: "/chat/completions", preset: "server_error" });
    const video = await createVideo(user, channel.id);
    await waitFor(
      async () =>
        (
          await env.DB.prepare("SELECT COUNT(*) AS n FROM video_steps WHERE video_id = ? AND status = 'failed'")
            .bind(video.id)
            .first<{ n: number }>()
        )?.n
          ? true
          : undefined,
      20_000,
      "a failed attempt",
    );
    // What the queue does after max_retries: the message lands in pipeline-dlq.
    await handleDeadLetter(deps(), video.id, "script");
    const failed = await json<VideoBody>(await call(`/v1/videos/${video.id}`, { token: user.accessToken }));
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ step: "script", code: "retries_exhausted", retryable: true });
    expect(JSON.stringify(failed.error)).toMatch(/server_error|providers_exhausted|5\d\d/);
  });

  it("the sweeper re-drives a step stuck past its deadline (a lost message)", async () => {
    const { user, channel } = await ready();
    const video = await createVideo(user, channel.id);
    await renderExecutionOf(video.id);
    // The render callback never comes and the job is forgotten: after the deadline it is submitted again.
    await env.DB.prepare("UPDATE videos SET step_started_at = ? WHERE id = ?")
      .bind(Date.now() - 2 * 3_600_000, video.id)
      .run();
    const jobsBefore = (await emulator.n8n.jobs()).filter((j) => j.video_id === video.id).length;
    const report = await sweepPipeline(deps());
    expect(report.redriven).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () =>
        (await emulator.n8n.jobs()).filter((j) => j.video_id === video.id).length > jobsBefore ? true : undefined,
      10_000,
      "a second render job",
    );
  });

  it("an upload session YouTube forgot mid-upload starts over by itself", async () => {
    const { user, channel } = await ready();
    const video = await createVideo(user, channel.id);
    const execution = await renderExecutionOf(video.id);
    const upload = { upstream: "youtube" as const, method: "PUT", pathIncludes: "/upload/youtube/v3/videos" };
    await emulator.addFault({ ...upload, cutAfterBytes: 300_000, times: 1 });
    // The status query after the cut finds no session.
    await emulator.addFault({ ...upload, status: 404, body: { error: { code: 404, message: "Not Found" } }, times: 1 });
    await deliverRenderCallback(execution);
    const done = await waitForVideo<VideoBody>(
      user.accessToken,
      video.id,
      (v) => v.status === "published" || v.status === "failed",
    );
    expect(done.status, JSON.stringify(done)).toBe("published");
    const uploaded = await emulator.youtube.videoBytes(done.youtube?.video_id as string);
    const rendered = await ((await env.MEDIA.get(mediaKey(user.id, video.id, "video"))) as R2ObjectBody).arrayBuffer();
    expect(await sha256(uploaded)).toBe(await sha256(rendered));
  });

  it("a title set while the script is being written survives it", async () => {
    const { user, channel } = await ready();
    await emulator.addFault({ upstream: "openai", pathIncludes: "/chat/completions", latencyMs: 1500, times: 1 });
    const video = await createVideo(user, channel.id);
    await waitForVideo<VideoBody>(user.accessToken, video.id, (v) => v.status === "scripting");
    const patched = await call(`/v1/videos/${video.id}`, {
      method: "PATCH",
      token: user.accessToken,
      body: { title: "My own title" },
    });
    expect(patched.status).toBe(200);
    const after = await waitForVideo<VideoBody & { title: string; description: string | null }>(
      user.accessToken,
      video.id,
      (v) => v.status !== "scripting" && v.status !== "queued",
    );
    expect(after.title).toBe("My own title");
    expect(after.description).toBeTruthy();
  });

  it("deleting a channel deletes its videos' media", async () => {
    const { user, channel } = await ready();
    const video = await createVideo(user, channel.id);
    await renderExecutionOf(video.id);
    const listed = async () => (await env.MEDIA.list({ prefix: `videos/${user.id}/${video.id}/` })).objects.length;
    expect(await listed()).toBeGreaterThan(0);
    expect((await call(`/v1/channels/${channel.id}`, { method: "DELETE", token: user.accessToken })).status).toBe(204);
    expect(await listed()).toBe(0);
  });
});
