import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addUploadAccount,
  call,
  connectedChannel,
  expectProblem,
  json,
  setPlan,
  signupAdmin,
  signupUser,
  type TestUser,
} from "./helpers";

beforeAll(async () => {
  const admin = await signupAdmin();
  await addUploadAccount(admin.accessToken);
});

async function videoCount(userId: string) {
  return (
    (await env.DB.prepare("SELECT COUNT(*) AS n FROM videos WHERE user_id = ?").bind(userId).first<{ n: number }>())
      ?.n ?? 0
  );
}

async function proUserWithChannel() {
  const user = await signupUser();
  await setPlan(user.id, "pro");
  const channel = await connectedChannel(user);
  return { user, channelId: channel.id };
}

const create = (user: TestUser, body: unknown, headers: Record<string, string> = {}) =>
  call("/v1/videos", { token: user.accessToken, body, headers });

describe("POST /v1/videos", () => {
  it("queues a video with the channel's defaults and the user's cost cap", async () => {
    const { user, channelId } = await proUserWithChannel();
    const res = await create(user, { channel_id: channelId, topic: "how volcanoes form" });
    expect(res.status, await res.clone().text()).toBe(201);
    const video = await json<Record<string, unknown>>(res);
    expect(video).toMatchObject({
      channel_id: channelId,
      topic: "how volcanoes form",
      language: "en",
      privacy: "public",
      target_seconds: 60,
      cost_cap_micros: 3_000_000,
      cost_micros: 0,
    });
    expect(["queued", "scripting", "voicing"]).toContain(video.status);
  });

  it("Idempotency-Key: the same request replays the first response; another body is refused", async () => {
    const { user, channelId } = await proUserWithChannel();
    const headers = { "idempotency-key": `key-${crypto.randomUUID()}` };
    const body = { channel_id: channelId, topic: "the life of stars" };
    const first = await create(user, body, headers);
    expect(first.status).toBe(201);
    const again = await create(user, body, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect((await json<{ id: string }>(again)).id).toBe((await json<{ id: string }>(first)).id);
    await expectProblem(
      await create(user, { ...body, topic: "something else" }, headers),
      422,
      "idempotency_key_reused",
    );
    expect(await videoCount(user.id)).toBe(1);
  });

  it("bad input -> 422 listing every problem, nothing written", async () => {
    const { user, channelId } = await proUserWithChannel();
    const res = await create(user, {
      channel_id: channelId,
      topic: "",
      target_seconds: 5,
      privacy: "secret",
      publish_at: "yesterday",
      status: "published",
    });
    const problem = await expectProblem(res, 422, "validation_failed");
    const paths = problem.errors?.map((e) => e.path) ?? [];
    for (const path of ["body.topic", "body.target_seconds", "body.privacy", "body.publish_at", "body"])
      expect(paths).toContain(path);
    expect(await videoCount(user.id)).toBe(0);
  });

  it("a schedule must be in the future and public", async () => {
    const { user, channelId } = await proUserWithChannel();
    const soon = new Date(Date.now() + 5 * 60_000).toISOString();
    await expectProblem(
      await create(user, { channel_id: channelId, topic: "tides", publish_at: soon }),
      422,
      "validation_failed",
    );
    const later = new Date(Date.now() + 48 * 3600_000).toISOString();
    await expectProblem(
      await create(user, { channel_id: channelId, topic: "tides", publish_at: later, privacy: "unlisted" }),
      422,
      "validation_failed",
    );
    const ok = await create(user, { channel_id: channelId, topic: "tides", publish_at: later });
    expect(ok.status).toBe(201);
    expect(await json(ok)).toMatchObject({ privacy: "public", publish_at: later });
  });

  it("another user's channel -> 404; an unconnected channel -> 409; nothing written", async () => {
    const { channelId } = await proUserWithChannel();
    const other = await signupUser();
    await expectProblem(await create(other, { channel_id: channelId, topic: "borrowed" }), 404, "channel_not_found");
    const pending = await json<{ id: string }>(
      await call("/v1/channels", { token: other.accessToken, body: { name: "p", niche: "n", language: "en" } }),
    );
    await expectProblem(
      await create(other, { channel_id: pending.id, topic: "not yet" }),
      409,
      "channel_not_connected",
    );
    expect(await videoCount(other.id)).toBe(0);
  });

  it("a video that cannot fit the cost cap is refused before spending", async () => {
    const { user, channelId } = await proUserWithChannel();
    await setPlan(user.id, "pro", 10_000);
    const problem = await expectProblem(
      await create(user, { channel_id: channelId, topic: "a long documentary", target_seconds: 1800 }),
      402,
      "budget_exceeded",
    );
    expect(problem.detail).toContain("$0.01");
    expect(await videoCount(user.id)).toBe(0);
  });

  it("the plan's daily limit holds (free: 3 a day)", async () => {
    const user = await signupUser();
    const { id } = await connectedChannel(user);
    for (let i = 0; i < 3; i++) expect((await create(user, { channel_id: id, topic: `topic ${i}` })).status).toBe(201);
    await expectProblem(await create(user, { channel_id: id, topic: "one too many" }), 403, "plan_limit_reached");
    expect(await videoCount(user.id)).toBe(3);
  });
});

describe("POST /v1/videos/batch", () => {
  it("validates and creates each item on its own", async () => {
    const { user, channelId } = await proUserWithChannel();
    const res = await call("/v1/videos/batch", {
      token: user.accessToken,
      body: {
        items: [
          { channel_id: channelId, topic: "black holes" },
          { channel_id: channelId, topic: "" },
          { channel_id: "chn_nope", topic: "ghost channel" },
          { channel_id: channelId, topic: "coral reefs", target_seconds: 120 },
        ],
      },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await json<{
      created: number;
      failed: number;
      results: { index: number; status: number; error?: { code: string } }[];
    }>(res);
    expect(body.created).toBe(2);
    expect(body.results.map((r) => r.status)).toEqual([201, 422, 404, 201]);
    expect(body.results[1]?.error?.code).toBe("validation_failed");
    expect(body.results[2]?.error?.code).toBe("channel_not_found");
    expect(await videoCount(user.id)).toBe(2);
    await expectProblem(
      await call("/v1/videos/batch", { token: user.accessToken, body: { items: new Array(51).fill({}) } }),
      422,
      "validation_failed",
    );
  });
});

describe("reading and managing videos", () => {
  it("lists with filters, sorting and cursors", async () => {
    const { user, channelId } = await proUserWithChannel();
    // Rows written directly, with fixed costs and statuses: no pipeline runs under this test.
    const rows = [
      { id: "vid_0000000000LISTA0000000000", cost: 500, status: "published" },
      { id: "vid_0000000000LISTB0000000000", cost: 100, status: "published" },
      { id: "vid_0000000000LISTC0000000000", cost: 300, status: "failed" },
    ];
    const now = Date.now();
    await env.DB.batch(
      rows.map((r, i) =>
        env.DB.prepare(
          "INSERT INTO videos (id, user_id, channel_id, topic, language, style, target_seconds, privacy, status, cost_cap_micros, cost_micros, created_at, updated_at) VALUES (?, ?, ?, 'topic', 'en', 'explainer', 60, 'public', ?, 3000000, ?, ?, ?)",
        ).bind(r.id, user.id, channelId, r.status, r.cost, now + i, now + i),
      ),
    );
    const ids = rows.map((r) => r.id);

    const page1 = await json<{ data: { id: string }[]; next_cursor: string }>(
      await call("/v1/videos?limit=2&sort=cost&order=asc", { token: user.accessToken }),
    );
    expect(page1.data.map((v) => v.id)).toEqual([ids[1], ids[2]]);
    const page2 = await json<{ data: { id: string }[]; next_cursor: string | null }>(
      await call(`/v1/videos?limit=2&sort=cost&order=asc&cursor=${page1.next_cursor}`, { token: user.accessToken }),
    );
    expect(page2.data.map((v) => v.id)).toEqual([ids[0]]);
    expect(page2.next_cursor).toBeNull();

    const failed = await json<{ data: { id: string }[] }>(
      await call("/v1/videos?status=failed", { token: user.accessToken }),
    );
    expect(failed.data.map((v) => v.id)).toEqual([ids[2]]);
    const byChannel = await json<{ data: unknown[] }>(
      await call(`/v1/videos?channel_id=${channelId}`, { token: user.accessToken }),
    );
    expect(byChannel.data).toHaveLength(3);
    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await json<{ data: unknown[] }>(
      await call(`/v1/videos?created_after=${encodeURIComponent(future)}`, { token: user.accessToken }),
    );
    expect(none.data).toEqual([]);
    await expectProblem(await call("/v1/videos?status=bogus", { token: user.accessToken }), 422, "validation_failed");
    await expectProblem(await call("/v1/videos?sort=title", { token: user.accessToken }), 422, "validation_failed");
    await expectProblem(
      await call(`/v1/videos?limit=2&sort=created&cursor=${page1.next_cursor}`, { token: user.accessToken }),
      422,
      "validation_failed",
    );
  });

  it("another user's video id -> 404 on every route", async () => {
    const { user, channelId } = await proUserWithChannel();
    const { id } = await json<{ id: string }>(await create(user, { channel_id: channelId, topic: "private matters" }));
    const other = await signupUser();
    const token = other.accessToken;
    for (const [path, method, body] of [
      [`/v1/videos/${id}`, "GET"],
      [`/v1/videos/${id}`, "PATCH", { title: "mine" }],
      [`/v1/videos/${id}`, "DELETE"],
      [`/v1/videos/${id}/cancel`, "POST"],
      [`/v1/videos/${id}/retry`, "POST"],
      [`/v1/videos/${id}/assets`, "GET"],
      [`/v1/videos/${id}/costs`, "GET"],
    ] as const) {
      await expectProblem(await call(path, { method, token, body }), 404, "video_not_found");
    }
    expect((await json<{ data: unknown[] }>(await call("/v1/videos", { token }))).data).toEqual([]);
  });

  it("PATCH metadata before the upload; cancel stops the video; retry needs a failed video", async () => {
    const { user, channelId } = await proUserWithChannel();
    const { id } = await json<{ id: string }>(await create(user, { channel_id: channelId, topic: "glaciers" }));
    const patched = await call(`/v1/videos/${id}`, {
      method: "PATCH",
      token: user.accessToken,
      body: { title: "Glaciers, explained", tags: ["ice", "climate"] },
    });
    expect(await json(patched)).toMatchObject({ title: "Glaciers, explained", tags: ["ice", "climate"] });
    await expectProblem(
      await call(`/v1/videos/${id}`, { method: "PATCH", token: user.accessToken, body: { title: "<b>bold</b>" } }),
      422,
      "validation_failed",
    );
    await expectProblem(
      await call(`/v1/videos/${id}`, { method: "PATCH", token: user.accessToken, body: { tags: ["<script>", "a,b"] } }),
      422,
      "validation_failed",
    );
    await expectProblem(
      await call(`/v1/videos/${id}/retry`, { method: "POST", token: user.accessToken }),
      409,
      "conflict",
    );
    const cancelled = await call(`/v1/videos/${id}/cancel`, { method: "POST", token: user.accessToken });
    expect(await json(cancelled)).toMatchObject({ status: "cancelled" });
    await expectProblem(
      await call(`/v1/videos/${id}/cancel`, { method: "POST", token: user.accessToken }),
      409,
      "conflict",
    );
    expect((await call(`/v1/videos/${id}`, { method: "DELETE", token: user.accessToken })).status).toBe(204);
    await expectProblem(await call(`/v1/videos/${id}`, { token: user.accessToken }), 404, "video_not_found");
  });
});
