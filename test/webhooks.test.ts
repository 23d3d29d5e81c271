import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signTimestamped } from "../src/lib/hmac";
import { call, expectProblem, json, signupUser } from "./helpers";

const secret = env.N8N_WEBHOOK_SECRET as string;
const now = () => Math.floor(Date.now() / 1000);

async function deliver(body: string, signature?: string) {
  return call("/v1/webhooks/n8n", {
    rawBody: body,
    headers: { "content-type": "application/json", ...(signature ? { "x-n8n-signature": signature } : {}) },
  });
}

/** A video parked in `rendering` with a known execution id, as after the render step. */
async function renderingVideo(executionId: string) {
  const user = await signupUser();
  const t = Date.now();
  const channelId = `chn_${crypto.randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase()}`;
  const videoId = `vid_${crypto.randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase()}`;
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO channels (id, user_id, name, niche, language, default_privacy, schedule, status, created_at, updated_at) VALUES (?, ?, 'c', 'n', 'en', 'public', '{\"timezone\":\"UTC\",\"slots\":[]}', 'connected', ?, ?)",
    ).bind(channelId, user.id, t, t),
    env.DB.prepare(
      "INSERT INTO videos (id, user_id, channel_id, topic, language, style, target_seconds, privacy, status, step, render_execution_id, cost_cap_micros, created_at, updated_at) VALUES (?, ?, ?, 't', 'en', 'explainer', 60, 'public', 'rendering', 'render', ?, 3000000, ?, ?)",
    ).bind(videoId, user.id, channelId, executionId, t, t),
  ]);
  return videoId;
}

function success(videoId: string, executionId: string) {
  return JSON.stringify({
    execution_id: executionId,
    video_id: videoId,
    status: "succeeded",
    file_url: `${env.EMULATOR_URL}/n8n/files/none.mp4`,
    size: 1000,
    sha256: "a".repeat(64),
  });
}

async function statusOf(videoId: string) {
  return (await env.DB.prepare("SELECT status, step FROM videos WHERE id = ?").bind(videoId).first()) as {
    status: string;
    step: string;
  };
}

describe("POST /v1/webhooks/n8n", () => {
  it("refuses a missing, wrong or stale signature before reading the body; nothing changes", async () => {
    const videoId = await renderingVideo("exec-sig");
    const body = success(videoId, "exec-sig");
    await expectProblem(await deliver(body), 401, "unauthenticated");
    await expectProblem(await deliver(body, `t=${now()},v1=${"0".repeat(64)}`), 401, "unauthenticated");
    await expectProblem(
      await deliver(body, await signTimestamped("wrong-secret-000000", body, now())),
      401,
      "unauthenticated",
    );
    await expectProblem(await deliver(body, await signTimestamped(secret, body, now() - 600)), 401, "unauthenticated");
    // Signed over other bytes: a body changed in transit.
    const signed = await signTimestamped(secret, body, now());
    await expectProblem(await deliver(body.replace("succeeded", "failed"), signed), 401, "unauthenticated");
    expect(await statusOf(videoId)).toEqual({ status: "rendering", step: "render" });
  });

  it("a signed but malformed or wrong-shaped body -> 400 / 422", async () => {
    await expectProblem(
      await deliver("{not json", await signTimestamped(secret, "{not json", now())),
      400,
      "malformed_json",
    );
    const odd = JSON.stringify({ status: "succeeded", video_id: "vid_x" });
    await expectProblem(await deliver(odd, await signTimestamped(secret, odd, now())), 422, "validation_failed");
  });

  it("accepts once; a replay is a duplicate; a stale execution or unknown video is ignored", async () => {
    const videoId = await renderingVideo("7");
    const body = success(videoId, "7");
    const first = await deliver(body, await signTimestamped(secret, body, now()));
    expect(await json(first)).toEqual({ outcome: "accepted", video_id: videoId });
    expect(await statusOf(videoId)).toEqual({ status: "uploading", step: "upload" });
    const again = await deliver(body, await signTimestamped(secret, body, now()));
    expect(await json(again)).toEqual({ outcome: "duplicate", video_id: videoId });

    const other = await renderingVideo("8");
    const stale = success(other, "7");
    expect(await json(await deliver(stale, await signTimestamped(secret, stale, now())))).toMatchObject({
      outcome: "ignored",
    });
    expect(await statusOf(other)).toEqual({ status: "rendering", step: "render" });
  });

  it("execution ids repeat across N8N instances: the same id for another video is not a duplicate", async () => {
    const a = await renderingVideo("1");
    const b = await renderingVideo("1");
    for (const videoId of [a, b]) {
      const body = success(videoId, "1");
      expect(await json(await deliver(body, await signTimestamped(secret, body, now())))).toMatchObject({
        outcome: "accepted",
      });
    }
  });

  it("a failed render fails the video at the render step", async () => {
    const videoId = await renderingVideo("exec-fail");
    const body = JSON.stringify({
      execution_id: "exec-fail",
      video_id: videoId,
      status: "failed",
      error: "ffmpeg exited 1",
    });
    expect(await json(await deliver(body, await signTimestamped(secret, body, now())))).toMatchObject({
      outcome: "accepted",
    });
    const row = await env.DB.prepare("SELECT status, error_step, error_code, error_retryable FROM videos WHERE id = ?")
      .bind(videoId)
      .first();
    expect(row).toEqual({ status: "failed", error_step: "render", error_code: "render_failed", error_retryable: 1 });
  });
});
