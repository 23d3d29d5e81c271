import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { getConfig } from "../src/env";
import { createLogger } from "../src/lib/logger";
import { openSecret } from "../src/lib/secret-box";
import { accessTokenFor, authorizationAad } from "../src/services/channel-tokens";
import type { ServiceDeps } from "../src/services/deps";
import { clearFaultsAfterEach, emulator } from "./emulator";
import { addUploadAccount, call, expectProblem, json, signupAdmin, signupUser, type TestUser } from "./helpers";

clearFaultsAfterEach();

function deps(): ServiceDeps {
  return { env, config: getConfig(env), db: createDb(env.DB), logger: createLogger("silent") };
}

let accountId: string;
beforeEach(async () => {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM channel_authorizations"),
    env.DB.prepare("DELETE FROM oauth_sessions"),
    env.DB.prepare("DELETE FROM upload_accounts"),
  ]);
  const admin = await signupAdmin();
  accountId = await addUploadAccount(admin.accessToken);
});

async function newChannel(user: TestUser) {
  const res = await call("/v1/channels", {
    token: user.accessToken,
    body: { name: "Science", niche: "science", language: "en" },
  });
  return (await json<{ id: string }>(res)).id;
}

/** The browser's round trip: our consent URL -> Google (emulated) -> the redirect back, as a path. */
async function consent(user: TestUser, channelId: string, body: Record<string, unknown> = {}) {
  const started = await call(`/v1/channels/${channelId}/connect`, { token: user.accessToken, body });
  expect(started.status, await started.clone().text()).toBe(200);
  const { authorization_url } = await json<{ authorization_url: string }>(started);
  const google = await fetch(authorization_url, { redirect: "manual" });
  expect(google.status).toBe(302);
  const back = new URL(google.headers.get("location") as string);
  return { authorizationUrl: new URL(authorization_url), callbackPath: `${back.pathname}${back.search}`, back };
}

async function grantOf(channelId: string) {
  return env.DB.prepare("SELECT * FROM channel_authorizations WHERE channel_id = ?").bind(channelId).first<{
    id: string;
    channel_id: string;
    account_id: string;
    refresh_token_enc: string;
    access_token_enc: string;
    access_token_expires_at: number;
    status: string;
  }>();
}

describe("connecting a channel to YouTube", () => {
  it("consent URL carries PKCE, offline access and a signed state; the callback connects the channel", async () => {
    const user = await signupUser();
    const channelId = await newChannel(user);
    const { authorizationUrl, callbackPath, back } = await consent(user, channelId);
    const q = authorizationUrl.searchParams;
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("access_type")).toBe("offline");
    expect(q.get("redirect_uri")).toBe(`${env.PUBLIC_BASE_URL}/v1/oauth/google/callback`);
    expect(q.get("scope")).toContain("youtube.upload");
    expect(back.pathname).toBe("/v1/oauth/google/callback");

    const res = await call(callbackPath);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await json<{ status: string; channel: { status: string; youtube: { channel_id: string } } }>(res);
    expect(body.channel.status).toBe("connected");
    expect(body.channel.youtube.channel_id).toMatch(/^UC/);

    const grant = await grantOf(channelId);
    expect(grant).toMatchObject({ account_id: accountId, status: "active" });
    expect(grant?.refresh_token_enc).toMatch(/^v1\./);
    const refresh = await openSecret(
      env.ENCRYPTION_KEY as string,
      grant?.refresh_token_enc as string,
      authorizationAad(channelId, accountId),
    );
    expect(grant?.refresh_token_enc).not.toContain(refresh);

    const listed = await json<{ status: string }>(await call(`/v1/channels/${channelId}`, { token: user.accessToken }));
    expect(listed.status).toBe("connected");
  });

  it("a tampered state -> 400 and nothing changes", async () => {
    const user = await signupUser();
    const channelId = await newChannel(user);
    const { back } = await consent(user, channelId);
    const state = back.searchParams.get("state") as string;
    const tampered = `${state.slice(0, -4)}${state.endsWith("aaaa") ? "bbbb" : "aaaa"}`;
    back.searchParams.set("state", tampered);
    await expectProblem(await call(`${back.pathname}${back.search}`), 400, "oauth_failed");
    back.searchParams.delete("state");
    await expectProblem(await call(`${back.pathname}${back.search}`), 400, "oauth_failed");
    expect(await grantOf(channelId)).toBeNull();
  });

  it("a code (or state) used twice -> error, the first connection stands", async () => {
    const user = await signupUser();
    const channelId = await newChannel(user);
    const first = await consent(user, channelId);
    expect((await call(first.callbackPath)).status).toBe(200);
    // The same redirect again: its state is spent.
    await expectProblem(await call(first.callbackPath), 400, "oauth_failed");
    // A fresh state with the old code: Google refuses the spent code (invalid_grant).
    const second = await consent(user, channelId);
    const reused = new URL(second.back);
    reused.searchParams.set("code", first.back.searchParams.get("code") as string);
    const problem = await expectProblem(await call(`${reused.pathname}${reused.search}`), 400, "oauth_failed");
    expect(problem.detail).toMatch(/already used|expired/);
    expect((await grantOf(channelId))?.status).toBe("active");
  });

  it("denied consent -> a clear error; the channel stays pending", async () => {
    const user = await signupUser();
    const channelId = await newChannel(user);
    await emulator.addFault({
      upstream: "google",
      pathIncludes: "/o/oauth2/v2/auth",
      preset: "consent_denied",
      times: 1,
    });
    const { callbackPath } = await consent(user, channelId);
    const problem = await expectProblem(await call(callbackPath), 400, "oauth_failed");
    expect(problem.detail).toContain("access_denied");
    const channel = await json<{ status: string }>(
      await call(`/v1/channels/${channelId}`, { token: user.accessToken }),
    );
    expect(channel.status).toBe("pending");
  });

  it("with a return_url the browser goes back to the frontend; other origins are refused", async () => {
    const user = await signupUser();
    const channelId = await newChannel(user);
    const { callbackPath } = await consent(user, channelId, { return_url: "http://localhost:3000/channels" });
    const res = await call(callbackPath);
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get("location") as string);
    expect(target.origin).toBe("http://localhost:3000");
    expect(target.searchParams.get("status")).toBe("connected");
    expect(target.searchParams.get("channel_id")).toBe(channelId);
    await expectProblem(
      await call(`/v1/channels/${channelId}/connect`, {
        token: user.accessToken,
        body: { return_url: "https://evil.example/x" },
      }),
      422,
      "validation_failed",
    );
  });

  it("refreshes an access token near expiry; invalid_grant marks the channel reauth_required", async () => {
    const user = await signupUser();
    const channelId = await newChannel(user);
    expect((await call((await consent(user, channelId)).callbackPath)).status).toBe(200);
    await env.DB.prepare("UPDATE channel_authorizations SET access_token_expires_at = ? WHERE channel_id = ?")
      .bind(Date.now() + 60_000, channelId)
      .run();
    const before = await grantOf(channelId);

    const grant = await createDb(env.DB).query.channelAuthorizations.findFirst({
      where: (t, { eq }) => eq(t.channelId, channelId),
    });
    if (!grant) throw new Error("no grant stored");
    const refreshed = await accessTokenFor(deps(), grant);
    expect(refreshed.ok).toBe(true);
    const after = await grantOf(channelId);
    expect(after?.access_token_expires_at).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(after?.access_token_enc).not.toBe(before?.access_token_enc);
    const token = refreshed.ok ? refreshed.accessToken : "";
    const mine = await fetch(`${emulator.url()}/google/youtube/v3/channels?part=id&mine=true`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(mine.status).toBe(200);

    // Google revokes the grant: the next refresh is invalid_grant, which no retry cures.
    const refresh = await openSecret(
      env.ENCRYPTION_KEY as string,
      after?.refresh_token_enc as string,
      authorizationAad(channelId, accountId),
    );
    await emulator.google.revoke(refresh);
    await env.DB.prepare("UPDATE channel_authorizations SET access_token_expires_at = 0 WHERE channel_id = ?")
      .bind(channelId)
      .run();
    const row = await createDb(env.DB).query.channelAuthorizations.findFirst({
      where: (t, { eq }) => eq(t.channelId, channelId),
    });
    expect(await accessTokenFor(deps(), row as NonNullable<typeof row>)).toEqual({
      ok: false,
      reason: "reauth_required",
    });
    const channel = await json<{ status: string }>(
      await call(`/v1/channels/${channelId}`, { token: user.accessToken }),
    );
    expect(channel.status).toBe("reauth_required");
    expect((await grantOf(channelId))?.status).toBe("invalid");
  });

  it("disconnect revokes the grant at Google and forgets the tokens", async () => {
    const user = await signupUser();
    const channelId = await newChannel(user);
    expect((await call((await consent(user, channelId)).callbackPath)).status).toBe(200);
    const since = Math.max(0, ...(await emulator.requests()).map((r) => r.id));
    const res = await call(`/v1/channels/${channelId}/disconnect`, { method: "POST", token: user.accessToken });
    expect(await json(res)).toMatchObject({ status: "disconnected" });
    expect(await grantOf(channelId)).toBeNull();
    const revokes = await emulator.requests({ upstream: "google", pathIncludes: "/revoke", since });
    expect(revokes).toHaveLength(1);
  });

  it("another user cannot finish or start a connection for my channel", async () => {
    const owner = await signupUser();
    const other = await signupUser();
    const channelId = await newChannel(owner);
    await expectProblem(
      await call(`/v1/channels/${channelId}/connect`, { token: other.accessToken, body: {} }),
      404,
      "channel_not_found",
    );
  });
});
