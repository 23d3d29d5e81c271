import { describe, expect, it } from "vitest";
import { createPkcePair } from "../../src/lib/pkce";
import type { ProviderContext } from "../../src/providers/call";
import {
  consentUrl,
  exchangeCode,
  refreshAccessToken,
  revokeToken,
  youtubeScopes,
} from "../../src/providers/google-oauth";
import {
  getMyChannel,
  listVideos,
  queryUploadStatus,
  setThumbnail,
  startResumableUpload,
  UPLOAD_CHUNK_GRANULARITY,
  updateVideo,
  uploadChunk,
  type VideoMetadata,
} from "../../src/providers/youtube";
import { queryReport } from "../../src/providers/youtube-analytics";
import { clearFaultsAfterEach } from "../emulator";
import { countRequests, injectFault, rejection, testContext } from "./support";

clearFaultsAfterEach();

const client = { clientId: "pool-account-1.apps.googleusercontent.com", clientSecret: "pool-secret-1" };
const redirectUri = "https://api.ytempire.test/v1/channels/oauth/callback";
const scopes = [youtubeScopes.upload, youtubeScopes.readonly, youtubeScopes.analytics, youtubeScopes.manage];

/** Consent (auto-approved by the emulator) -> code -> tokens, as the channel-connect flow does it. */
async function connect(ctx: ProviderContext) {
  const pkce = await createPkcePair();
  const url = consentUrl(ctx, { ...client, redirectUri, state: "state-123", codeChallenge: pkce.challenge, scopes });
  const consent = await fetch(url, { redirect: "manual" });
  expect(consent.status, await consent.clone().text()).toBe(302);
  const back = new URL(consent.headers.get("location") ?? "");
  expect(back.searchParams.get("state")).toBe("state-123");
  const code = back.searchParams.get("code") ?? "";
  const tokens = await exchangeCode(ctx, { ...client, code, redirectUri, codeVerifier: pkce.verifier });
  return { tokens, code, pkce };
}

const metadata: VideoMetadata = {
  title: "Why the sky is blue",
  description: "Rayleigh scattering in two minutes.",
  tags: ["science", "sky"],
  categoryId: "27",
  defaultLanguage: "en",
  privacyStatus: "private",
  publishAt: new Date(Date.now() + 86_400_000).toISOString(),
  selfDeclaredMadeForKids: false,
  containsSyntheticMedia: true,
};

function bytes(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe("google oauth", () => {
  it("consent URL carries offline access, consent prompt and S256 PKCE", () => {
    const url = new URL(
      consentUrl(testContext(), { ...client, redirectUri, state: "s", codeChallenge: "c", scopes, loginHint: "a@b.c" }),
    );
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: client.clientId,
      redirect_uri: redirectUri,
      response_type: "code",
      access_type: "offline",
      prompt: "consent",
      state: "s",
      code_challenge: "c",
      code_challenge_method: "S256",
      login_hint: "a@b.c",
      scope: scopes.join(" "),
    });
  });

  it("exchanges a code for tokens, refreshes, and a spent code is invalid_grant", async () => {
    const ctx = testContext();
    const { tokens, code, pkce } = await connect(ctx);
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 3_000_000);
    expect(tokens.scope).toContain("youtube.upload");

    const refreshed = await refreshAccessToken(ctx, { ...client, refreshToken: tokens.refreshToken ?? "" });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);

    const reused = await rejection(exchangeCode(ctx, { ...client, code, redirectUri, codeVerifier: pkce.verifier }));
    expect(reused).toMatchObject({ provider: "google_oauth", disposition: "fail", code: "invalid_grant", status: 400 });
  });

  it("a revoked refresh token is invalid_grant (fail, not retried)", async () => {
    const ctx = testContext();
    const { tokens } = await connect(ctx);
    expect(await revokeToken(ctx, tokens.refreshToken ?? "")).toEqual({ revoked: true });
    expect(await revokeToken(ctx, tokens.refreshToken ?? "")).toEqual({ revoked: false });
    const before = await countRequests("google", "/oauth2/token");
    const error = await rejection(refreshAccessToken(ctx, { ...client, refreshToken: tokens.refreshToken ?? "" }));
    expect(error).toMatchObject({ disposition: "fail", code: "invalid_grant" });
    expect((await countRequests("google", "/oauth2/token")) - before).toBe(1);
  });
});

describe("youtube", () => {
  it("reads the token owner's channel", async () => {
    const ctx = testContext();
    const { tokens } = await connect(ctx);
    const channel = await getMyChannel(ctx, tokens.accessToken);
    expect(channel.id).toMatch(/^UC/);
    expect(channel.title).toBeTruthy();
  });

  it("resumable upload in 256 KiB chunks, resumed from the server's Range; thumbnail; list; update", async () => {
    const ctx = testContext();
    const { tokens } = await connect(ctx);
    const total = UPLOAD_CHUNK_GRANULARITY * 2 + 1_000;
    const file = bytes(total);
    const session = await startResumableUpload(ctx, tokens.accessToken, {
      metadata,
      contentLength: total,
      contentType: "video/mp4",
    });
    expect(session).toContain("upload_id=");

    expect(await queryUploadStatus(ctx, session, total)).toEqual({ done: false, nextByte: 0 });
    const first = await uploadChunk(ctx, session, {
      body: file.slice(0, UPLOAD_CHUNK_GRANULARITY),
      start: 0,
      end: UPLOAD_CHUNK_GRANULARITY - 1,
      total,
    });
    expect(first).toEqual({ done: false, nextByte: UPLOAD_CHUNK_GRANULARITY });

    // The second chunk goes as a stream (as it would from R2).
    const secondEnd = UPLOAD_CHUNK_GRANULARITY * 2 - 1;
    const stream = new Blob([file.slice(UPLOAD_CHUNK_GRANULARITY, secondEnd + 1)]).stream();
    const second = await uploadChunk(ctx, session, {
      body: stream,
      start: UPLOAD_CHUNK_GRANULARITY,
      end: secondEnd,
      total,
    });
    expect(second).toEqual({ done: false, nextByte: secondEnd + 1 });

    // "Interrupted": ask where to continue, then send the rest.
    const status = await queryUploadStatus(ctx, session, total);
    expect(status).toEqual({ done: false, nextByte: secondEnd + 1 });
    const last = await uploadChunk(ctx, session, {
      body: file.slice(secondEnd + 1),
      start: secondEnd + 1,
      end: total - 1,
      total,
    });
    if (!last.done) throw new Error("upload should be complete");
    expect(last.video.id).toBeTruthy();
    expect(last.video.snippet?.title).toBe(metadata.title);
    expect(last.video.status?.containsSyntheticMedia).toBe(true);

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...bytes(64)]);
    const thumb = await setThumbnail(ctx, tokens.accessToken, last.video.id, png, "image/png");
    expect(thumb.thumbnailUrl).toBeTruthy();

    const listed = await listVideos(ctx, tokens.accessToken, [last.video.id, "missing0000"]);
    expect(listed.map((v) => v.id)).toEqual([last.video.id]);

    const updated = await updateVideo(ctx, tokens.accessToken, {
      id: last.video.id,
      snippet: { title: "A better title", categoryId: "27", description: "new" },
    });
    expect(updated.snippet?.title).toBe("A better title");
  });

  it("refuses bad metadata and bad chunks before spending quota", async () => {
    const ctx = testContext();
    const bad = { ...metadata, title: "x".repeat(101), privacyStatus: "public" as const };
    const error = await rejection(
      startResumableUpload(ctx, "token", { metadata: bad, contentLength: 10, contentType: "video/mp4" }),
    );
    expect(error).toMatchObject({ disposition: "fail", code: "invalid_metadata" });
    expect(error.message).toMatch(/title/);
    expect(error.message).toMatch(/publishAt/);
    const chunk = await rejection(
      uploadChunk(ctx, "http://x.test/s", { body: bytes(1_000), start: 0, end: 999, total: 5_000 }),
    );
    expect(chunk).toMatchObject({ code: "invalid_chunk" });
  });

  it("an unknown session is session_expired", async () => {
    const ctx = testContext();
    const { tokens } = await connect(ctx);
    const session = await startResumableUpload(ctx, tokens.accessToken, {
      metadata,
      contentLength: 10,
      contentType: "video/mp4",
    });
    const gone = session.replace(/upload_id=[^&]+/, "upload_id=AUyexpired");
    expect(await rejection(queryUploadStatus(ctx, gone, 10))).toMatchObject({
      disposition: "fail",
      code: "session_expired",
    });
  });

  it("quota, upload limit, rate limit and forbidden thumbnails carry YouTube's reason", async () => {
    const ctx = testContext();
    const { tokens } = await connect(ctx);
    const start = () =>
      startResumableUpload(ctx, tokens.accessToken, { metadata, contentLength: 10, contentType: "video/mp4" });

    await injectFault({
      upstream: "youtube",
      pathIncludes: "/upload/youtube/v3/videos",
      preset: "quota_exceeded",
      times: 1,
    });
    expect(await rejection(start())).toMatchObject({ disposition: "failover", code: "quotaExceeded", status: 403 });

    await injectFault({
      upstream: "youtube",
      pathIncludes: "/upload/youtube/v3/videos",
      preset: "upload_limit_exceeded",
      times: 1,
    });
    expect(await rejection(start())).toMatchObject({ disposition: "fail", code: "uploadLimitExceeded", status: 400 });

    await injectFault({
      upstream: "youtube",
      pathIncludes: "/youtube/v3/channels",
      preset: "rate_limit_exceeded",
      times: 1,
    });
    expect((await getMyChannel(ctx, tokens.accessToken)).id).toMatch(/^UC/);

    await injectFault({
      upstream: "youtube",
      pathIncludes: "/thumbnails/set",
      preset: "thumbnail_forbidden",
      times: 1,
    });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, ...bytes(16)]);
    expect(await rejection(setThumbnail(ctx, tokens.accessToken, "anyvideo", png, "image/png"))).toMatchObject({
      disposition: "fail",
      code: "forbidden",
    });
  });

  it("an expired or bad token is authError (fail: refresh, then call again)", async () => {
    expect(await rejection(getMyChannel(testContext(), "ya29.not-a-token"))).toMatchObject({
      disposition: "fail",
      code: "authError",
      status: 401,
    });
  });
});

describe("youtube analytics", () => {
  it("returns typed rows keyed by column", async () => {
    const ctx = testContext();
    const { tokens } = await connect(ctx);
    const report = await queryReport(ctx, tokens.accessToken, {
      startDate: "2026-11-01",
      endDate: "2026-11-07",
      metrics: ["views", "estimatedMinutesWatched"],
      dimensions: ["day"],
      sort: "day",
    });
    expect(report.columns.map((c) => c.name)).toEqual(["day", "views", "estimatedMinutesWatched"]);
    expect(report.rows.length).toBe(7);
    const row = report.rows[0];
    expect(typeof row?.day).toBe("string");
    expect(typeof row?.views).toBe("number");
  });

  it("a bad query is our mistake: fail", async () => {
    const ctx = testContext();
    const { tokens } = await connect(ctx);
    const error = await rejection(
      queryReport(ctx, tokens.accessToken, { startDate: "2026-11-01", endDate: "2026-11-07", metrics: ["notAMetric"] }),
    );
    expect(error).toMatchObject({ provider: "youtube_analytics", disposition: "fail", status: 400 });
  });
});
