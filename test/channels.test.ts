import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, signupUser } from "./helpers";

const channelBody = {
  name: "Volcano Facts",
  niche: "earth science explainers",
  language: "en",
  default_privacy: "unlisted",
  schedule: { timezone: "America/New_York", slots: [{ weekday: "mon", time: "09:30" }] },
};

async function channelCount(userId: string) {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM channels WHERE user_id = ?")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("channels CRUD", () => {
  it("creates, lists, gets, patches and deletes", async () => {
    const user = await signupUser();
    const created = await call("/v1/channels", { token: user.accessToken, body: channelBody });
    expect(created.status, await created.clone().text()).toBe(201);
    const channel = await json<{ id: string; status: string; youtube: unknown }>(created);
    expect(channel).toMatchObject({ status: "pending", youtube: null, default_privacy: "unlisted" });

    const list = await json<{ data: { id: string }[] }>(await call("/v1/channels", { token: user.accessToken }));
    expect(list.data.map((c) => c.id)).toEqual([channel.id]);
    const filtered = await json<{ data: unknown[] }>(
      await call("/v1/channels?status=connected", { token: user.accessToken }),
    );
    expect(filtered.data).toEqual([]);

    const patched = await call(`/v1/channels/${channel.id}`, {
      method: "PATCH",
      token: user.accessToken,
      body: { niche: "volcanology", schedule: { timezone: "UTC", slots: [] } },
    });
    expect(await json(patched)).toMatchObject({ niche: "volcanology", name: "Volcano Facts" });
    expect((await call(`/v1/channels/${channel.id}`, { token: user.accessToken })).status).toBe(200);

    expect((await call(`/v1/channels/${channel.id}`, { method: "DELETE", token: user.accessToken })).status).toBe(204);
    await expectProblem(
      await call(`/v1/channels/${channel.id}`, { token: user.accessToken }),
      404,
      "channel_not_found",
    );
  });

  it("defaults privacy to private and schedule to none", async () => {
    const user = await signupUser();
    const res = await call("/v1/channels", {
      token: user.accessToken,
      body: { name: "n", niche: "x", language: "pt-BR" },
    });
    expect(await json(res)).toMatchObject({ default_privacy: "private", schedule: { timezone: "UTC", slots: [] } });
  });

  it("bad input -> 422 listing each field, nothing written", async () => {
    const user = await signupUser();
    const res = await call("/v1/channels", {
      token: user.accessToken,
      body: {
        ...channelBody,
        language: "English",
        default_privacy: "secret",
        schedule: { timezone: "Mars/Base", slots: [{ weekday: "someday", time: "25:00" }] },
        status: "connected",
      },
    });
    const problem = await expectProblem(res, 422, "validation_failed");
    const paths = problem.errors?.map((e) => e.path) ?? [];
    for (const path of [
      "body.language",
      "body.default_privacy",
      "body.schedule.timezone",
      "body.schedule.slots.0.weekday",
      "body.schedule.slots.0.time",
    ]) {
      expect(paths, JSON.stringify(problem)).toContain(path);
    }
    expect(await channelCount(user.id)).toBe(0);
  });

  it("the plan's channel limit holds (free: 1)", async () => {
    const user = await signupUser();
    expect((await call("/v1/channels", { token: user.accessToken, body: channelBody })).status).toBe(201);
    await expectProblem(
      await call("/v1/channels", { token: user.accessToken, body: channelBody }),
      403,
      "plan_limit_reached",
    );
    expect(await channelCount(user.id)).toBe(1);
  });

  it("another user's channel id -> 404 on every route", async () => {
    const owner = await signupUser();
    const other = await signupUser();
    const { id } = await json<{ id: string }>(
      await call("/v1/channels", { token: owner.accessToken, body: channelBody }),
    );
    const token = other.accessToken;
    await expectProblem(await call(`/v1/channels/${id}`, { token }), 404, "channel_not_found");
    await expectProblem(
      await call(`/v1/channels/${id}`, { method: "PATCH", token, body: { name: "mine now" } }),
      404,
      "channel_not_found",
    );
    await expectProblem(await call(`/v1/channels/${id}`, { method: "DELETE", token }), 404, "channel_not_found");
    await expectProblem(await call(`/v1/channels/${id}/connect`, { token, body: {} }), 404, "channel_not_found");
    await expectProblem(
      await call(`/v1/channels/${id}/disconnect`, { method: "POST", token }),
      404,
      "channel_not_found",
    );
    expect((await json<{ data: unknown[] }>(await call("/v1/channels", { token }))).data).toEqual([]);
    const row = await env.DB.prepare("SELECT name FROM channels WHERE id = ?").bind(id).first();
    expect(row).toEqual({ name: "Volcano Facts" });
  });

  it("no token -> 401", async () => {
    await expectProblem(await call("/v1/channels"), 401, "unauthenticated");
    await expectProblem(await call("/v1/channels", { body: channelBody }), 401, "unauthenticated");
  });
});
