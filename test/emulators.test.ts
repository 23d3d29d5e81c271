// The upstream emulators over real HTTP from workerd: the wire formats our providers depend on.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { clearFaultsAfterEach, connectGoogleAccount, emulator, googleConsent, pkcePair, waitFor } from "./emulator";

const url = () => inject("emulatorUrl");
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const encoder = new TextEncoder();

async function hmacHex(secret: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload)));
  return [...signature].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parses `t=...,v1=...` and checks v1 against HMAC-SHA256("t.body"). */
async function verifySignature(header: string | undefined, body: string, secret: string): Promise<number> {
  const parts = Object.fromEntries((header ?? "").split(",").map((kv) => kv.split("=") as [string, string]));
  expect(parts.t).toMatch(/^\d+$/);
  expect(parts.v1).toBe(await hmacHex(secret, `${parts.t}.${body}`));
  return Number(parts.t);
}

/** Byte-for-byte equality (vitest's deep equality is slow on large arrays). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65_536)));
  return out;
}

clearFaultsAfterEach();

describe("wiring", () => {
  it("points every upstream var of the Worker at the emulator and answers health", async () => {
    expect(env.OPENAI_BASE_URL).toBe(`${url()}/openai/v1`);
    expect(env.STRIPE_API_BASE_URL).toBe(url());
    expect(env.N8N_RENDER_URL).toBe(`${url()}/n8n/webhook/render`);
    expect(env.EMULATOR_URL).toBe(url());
    const res = await fetch(`${url()}/__control/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });
});

describe("OpenAI", () => {
  const openai = (path: string, body: unknown, key = env.OPENAI_API_KEY as string) =>
    fetch(`${url()}/openai/v1${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  const Script = z.object({
    title: z.string().max(100),
    description: z.string().max(5000),
    tags: z.array(z.string()).min(3),
    narration: z.string(),
    scenes: z.array(z.object({ narration: z.string(), image_prompt: z.string(), duration_seconds: z.number() })).min(3),
    mood: z.enum(["upbeat", "calm", "dramatic"]),
  });

  it("returns structured output that conforms to the JSON schema, with usage", async () => {
    const res = await openai("/chat/completions", {
      model: "gpt-4.1-mini",
      messages: [
        { role: "system", content: "You write scripts for YouTube videos." },
        { role: "user", content: 'Write a 2 minute video script. Topic: "how bees make honey"' },
      ],
      response_format: {
        type: "json_schema",
        json_schema: { name: "video_script", strict: true, schema: z.toJSONSchema(Script) },
      },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      model: string;
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(body.model).toBe("gpt-4.1-mini");
    expect(body.choices[0]?.finish_reason).toBe("stop");
    const script = Script.parse(JSON.parse(body.choices[0]?.message.content ?? ""));
    expect(script.title.toLowerCase()).toContain("bees");
    // About 15 characters a spoken second: a 2-minute script carries roughly 1,800 characters.
    expect(script.narration.length).toBeGreaterThan(1500);
    expect(script.narration.length).toBeLessThan(2100);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("rejects a strict schema that is not closed, as OpenAI does", async () => {
    const res = await openai("/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "x", strict: true, schema: { type: "object", properties: { a: { type: "string" } } } },
      },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_json_schema" } });
  });

  it("answers 401 invalid_api_key without a key", async () => {
    const res = await fetch(`${url()}/openai/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_api_key" } });
  });

  it("rate_limit preset: 429 rate_limit_exceeded with retry-after, once", async () => {
    await emulator.addFault({ upstream: "openai", pathIncludes: "/chat/completions", preset: "rate_limit", times: 1 });
    const request = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] };
    const limited = await openai("/chat/completions", request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.headers.get("retry-after-ms")).toBe("1000");
    expect(await limited.json()).toMatchObject({
      error: { code: "rate_limit_exceeded", type: "requests", param: null },
    });
    expect((await openai("/chat/completions", request)).status).toBe(200);
  });

  it("speech returns real audio whose length follows the input", async () => {
    const res = await openai("/audio/speech", {
      model: "tts-1",
      voice: "alloy",
      input: "A short sentence to speak.",
      response_format: "wav",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/wav");
    const wav = await bytesOf(res);
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe("RIFF");
    expect(wav.length).toBeGreaterThan(44 + 24_000); // more than half a second of 16-bit 24 kHz audio
  });

  it("image generation returns a real PNG in b64_json with gpt-image usage", async () => {
    const res = await openai("/images/generations", {
      model: "gpt-image-1-mini",
      prompt: "a thumbnail of a bee",
      size: "1536x1024",
      quality: "low",
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data: Array<{ b64_json: string }>;
      size: string;
      usage: { output_tokens: number };
    };
    expect(body.size).toBe("1536x1024");
    expect(body.usage.output_tokens).toBeGreaterThan(0);
    const png = Uint8Array.from(atob(body.data[0]?.b64_json ?? ""), (c) => c.charCodeAt(0));
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const view = new DataView(png.buffer);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([1536, 1024]);
  });
});

describe("ElevenLabs", () => {
  const tts = (text: string, model: string, voice = "21m00Tcm4TlvDq8ikWAM") =>
    fetch(`${url()}/elevenlabs/v1/text-to-speech/${voice}?output_format=mp3_44100_128`, {
      method: "POST",
      headers: { "xi-api-key": env.ELEVENLABS_API_KEY as string, "content-type": "application/json" },
      body: JSON.stringify({ text, model_id: model }),
    });

  it("returns MP3 bytes and reports the characters charged", async () => {
    const text = "Honey bees visit millions of flowers to make a single jar of honey.";
    const res = await tts(text, "eleven_flash_v2_5");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(res.headers.get("x-character-count")).toBe(String(text.length));
    expect(res.headers.get("character-cost")).toBe(String(Math.ceil(text.length / 2))); // Flash: half a credit per character
    const mp3 = await bytesOf(res);
    expect(mp3[0]).toBe(0xff);
    expect((mp3[1] ?? 0) & 0xe0).toBe(0xe0); // MPEG frame sync
  });

  it("enforces the per-request character limit of the model and unknown voices", async () => {
    const tooLong = await tts("a".repeat(10_001), "eleven_multilingual_v2");
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ detail: { status: "max_character_limit_exceeded" } });
    const noVoice = await tts("hi", "eleven_flash_v2_5", "nope");
    expect(noVoice.status).toBe(404);
    expect(await noVoice.json()).toMatchObject({ detail: { status: "voice_not_found" } });
  });
});

describe("Stability", () => {
  const generate = (form: FormData, accept = "image/*") =>
    fetch(`${url()}/stability/v2beta/stable-image/generate/core`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.STABILITY_API_KEY}`, accept },
      body: form,
    });
  const thumbnailForm = () => {
    const form = new FormData();
    form.set("prompt", "a honey bee on a sunflower, cinematic");
    form.set("aspect_ratio", "16:9");
    form.set("output_format", "png");
    return form;
  };

  it("takes multipart and returns image bytes with finish-reason and seed", async () => {
    const res = await generate(thumbnailForm());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("finish-reason")).toBe("SUCCESS");
    expect(res.headers.get("seed")).toMatch(/^\d+$/);
    expect(res.headers.get("x-credits-used")).toBe("3");
    const png = await bytesOf(res);
    const view = new DataView(png.buffer);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([1344, 768]);
  });

  it("content_filtered preset: 200 with finish-reason CONTENT_FILTERED (JSON too)", async () => {
    await emulator.addFault({ upstream: "stability", preset: "content_filtered", times: 2 });
    const bytes = await generate(thumbnailForm());
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get("finish-reason")).toBe("CONTENT_FILTERED");
    const json = await generate(thumbnailForm(), "application/json");
    expect(await json.json()).toMatchObject({ finish_reason: "CONTENT_FILTERED", image: expect.any(String) });
  });

  it("400 with Stability's error body when the prompt is missing", async () => {
    const form = new FormData();
    form.set("aspect_ratio", "16:9");
    const res = await generate(form);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      name: "bad_request",
      errors: ["prompt: cannot be empty"],
      id: expect.any(String),
    });
  });
});

describe("Google OAuth", () => {
  const redirectUri = "http://api.test/v1/channels/oauth/callback";
  const token = (params: Record<string, string>) =>
    fetch(`${url()}/google/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });

  it("consent -> code -> tokens -> refresh -> revoke -> invalid_grant", async () => {
    const clientId = "oauth-flow.apps.googleusercontent.com";
    const { verifier, challenge } = await pkcePair();
    const consent = await googleConsent({ clientId, redirectUri, challenge, state: "st-123" });
    expect(consent.location.origin + consent.location.pathname).toBe(redirectUri);
    expect(consent.state).toBe("st-123");
    expect(consent.code).toBeTruthy();
    const exchange = {
      grant_type: "authorization_code",
      code: consent.code ?? "",
      redirect_uri: redirectUri,
      client_id: clientId,
      client_secret: "secret-1",
      code_verifier: verifier,
    };
    const first = await token(exchange);
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
      token_type: string;
      scope: string;
    };
    expect(tokens).toMatchObject({ expires_in: 3599, token_type: "Bearer" });
    expect(tokens.scope).toContain("youtube.upload");

    const reused = await token(exchange);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: "invalid_grant" });

    const refreshed = await token({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: clientId,
      client_secret: "secret-1",
    });
    expect(refreshed.status).toBe(200);
    const renewed = (await refreshed.json()) as Record<string, unknown>;
    expect(renewed.access_token).not.toBe(tokens.access_token);
    expect(renewed.refresh_token).toBeUndefined();

    const otherClient = await token({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: "other.apps.googleusercontent.com",
      client_secret: "x",
    });
    expect(otherClient.status).toBe(400);
    expect(await otherClient.json()).toMatchObject({ error: "unauthorized_client" });

    const revoke = await fetch(`${url()}/google/oauth2/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.refresh_token }),
    });
    expect(revoke.status).toBe(200);
    const afterRevoke = await token({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: clientId,
      client_secret: "secret-1",
    });
    expect(afterRevoke.status).toBe(400);
    expect(await afterRevoke.json()).toMatchObject({ error: "invalid_grant" });
    const api = await fetch(`${url()}/google/youtube/v3/channels?part=snippet&mine=true`, {
      headers: { authorization: `Bearer ${renewed.access_token}` },
    });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: { code: 401, errors: [{ reason: "authError" }] } });
  });

  it("checks the PKCE verifier and the client secret", async () => {
    const clientId = "pkce-check.apps.googleusercontent.com";
    const { challenge } = await pkcePair();
    const consent = await googleConsent({ clientId, redirectUri, challenge });
    const res = await token({
      grant_type: "authorization_code",
      code: consent.code ?? "",
      redirect_uri: redirectUri,
      client_id: clientId,
      client_secret: "s",
      code_verifier: "wrong-verifier-wrong-verifier-wrong-verifier",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
    const wrongSecret = await token({
      grant_type: "refresh_token",
      refresh_token: "x",
      client_id: clientId,
      client_secret: "another",
    });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: "invalid_client" });
  });

  it("consent_denied preset redirects with error=access_denied; each consent is a new channel", async () => {
    const { challenge } = await pkcePair();
    await emulator.addFault({ upstream: "google", preset: "consent_denied", times: 1 });
    const denied = await googleConsent({
      clientId: "deny.apps.googleusercontent.com",
      redirectUri,
      challenge,
      state: "s1",
    });
    expect(denied).toMatchObject({ error: "access_denied", code: null, state: "s1" });
    const a = await connectGoogleAccount({ clientId: "distinct.apps.googleusercontent.com", clientSecret: "s" });
    const b = await connectGoogleAccount({ clientId: "distinct.apps.googleusercontent.com", clientSecret: "s" });
    expect(a.channelId).toMatch(/^UC[\w-]{22}$/);
    expect(b.channelId).not.toBe(a.channelId);
    const account = (await emulator.google.accounts()).accounts.find((x) => x.channel_id === a.channelId);
    const again = await connectGoogleAccount({
      clientId: "distinct.apps.googleusercontent.com",
      clientSecret: "s",
      loginHint: account?.email,
    });
    expect(again.channelId).toBe(a.channelId);
  });
});

describe("YouTube", () => {
  const CHUNK = 262_144;

  async function openSession(accessToken: string, total: number, metadata: Record<string, unknown>) {
    return fetch(`${url()}/google/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${accessToken}`,
        "content-type": "application/json; charset=UTF-8",
        "x-upload-content-length": String(total),
        "x-upload-content-type": "video/mp4",
      },
      body: JSON.stringify(metadata),
    });
  }
  const metadata = (title: string, status: Record<string, unknown> = { privacyStatus: "public" }) => ({
    snippet: { title, description: "Made by the emulator tests", tags: ["bees"], categoryId: "27" },
    status: { selfDeclaredMadeForKids: false, containsSyntheticMedia: true, ...status },
  });
  const put = (session: string, body: Uint8Array | string, range: string) =>
    fetch(session, { method: "PUT", headers: { "content-range": range }, body });

  it("resumable upload in 256 KiB chunks: 308 + Range, then the video, stored byte for byte", async () => {
    const { tokens, channelId } = await connectGoogleAccount({
      clientId: "upload.apps.googleusercontent.com",
      clientSecret: "s",
    });
    const video = randomBytes(2 * CHUNK + 123_456);
    const total = video.length;
    const opened = await openSession(tokens.access_token, total, metadata("How bees make honey"));
    expect(opened.status).toBe(200);
    const session = opened.headers.get("location") ?? "";
    expect(session).toContain("upload_id=");

    const first = await put(session, video.subarray(0, CHUNK), `bytes 0-${CHUNK - 1}/${total}`);
    expect(first.status).toBe(308);
    expect(first.headers.get("range")).toBe(`bytes=0-${CHUNK - 1}`);

    const ragged = await put(session, video.subarray(CHUNK, CHUNK + 1000), `bytes ${CHUNK}-${CHUNK + 999}/${total}`);
    expect(ragged.status).toBe(400);

    expect(
      (await put(session, video.subarray(CHUNK, 2 * CHUNK), `bytes ${CHUNK}-${2 * CHUNK - 1}/${total}`)).status,
    ).toBe(308);
    const last = await put(session, video.subarray(2 * CHUNK), `bytes ${2 * CHUNK}-${total - 1}/${total}`);
    expect(last.status).toBe(200);
    const resource = (await last.json()) as {
      id: string;
      snippet: { title: string; channelId: string };
      status: Record<string, unknown>;
    };
    expect(resource.id).toMatch(/^[\w-]{11}$/);
    expect(resource.snippet).toMatchObject({ title: "How bees make honey", channelId });
    expect(resource.status).toMatchObject({
      privacyStatus: "public",
      selfDeclaredMadeForKids: false,
      containsSyntheticMedia: true,
    });

    const stored = await emulator.youtube.video(resource.id);
    expect(stored.size).toBe(total);
    expect(stored.sha256).toBe(await sha256Hex(video));
    expect(sameBytes(await emulator.youtube.videoBytes(resource.id), video)).toBe(true);
  });

  it("keeps the bytes of a cut connection; the status query says where to resume", async () => {
    const { tokens } = await connectGoogleAccount({ clientId: "upload.apps.googleusercontent.com", clientSecret: "s" });
    const video = randomBytes(2 * CHUNK + 50_000);
    const total = video.length;
    const session =
      (await openSession(tokens.access_token, total, metadata("Interrupted upload"))).headers.get("location") ?? "";
    const uploadId = new URL(session).searchParams.get("upload_id") ?? "";
    await emulator.addFault({
      upstream: "youtube",
      method: "PUT",
      pathIncludes: uploadId,
      cutAfterBytes: 100_000,
      times: 1,
    });
    await expect(put(session, video.subarray(0, CHUNK), `bytes 0-${CHUNK - 1}/${total}`)).rejects.toThrow();

    const status = await put(session, "", `bytes */${total}`);
    expect(status.status).toBe(308);
    expect(status.headers.get("range")).toBe("bytes=0-99999");

    expect(
      (await put(session, video.subarray(100_000, 100_000 + CHUNK), `bytes 100000-${100_000 + CHUNK - 1}/${total}`))
        .status,
    ).toBe(308);
    const done = await put(session, video.subarray(100_000 + CHUNK), `bytes ${100_000 + CHUNK}-${total - 1}/${total}`);
    expect(done.status).toBe(200);
    const { id } = (await done.json()) as { id: string };
    expect(sameBytes(await emulator.youtube.videoBytes(id), video)).toBe(true);
    const again = await put(session, "", `bytes */${total}`);
    expect(again.status).toBe(200);

    await emulator.youtube.expireUpload(uploadId);
    expect((await put(session, "", `bytes */${total}`)).status).toBe(404);
  });

  it("status query before any byte: 308 without Range", async () => {
    const { tokens } = await connectGoogleAccount({ clientId: "upload.apps.googleusercontent.com", clientSecret: "s" });
    const session =
      (await openSession(tokens.access_token, 1000, metadata("Nothing yet"))).headers.get("location") ?? "";
    const status = await put(session, "", "bytes */1000");
    expect(status.status).toBe(308);
    expect(status.headers.get("range")).toBeNull();
  });

  it("validates metadata, the upload cap and the audit lock", async () => {
    const clientId = "rules.apps.googleusercontent.com";
    const { tokens, channelId } = await connectGoogleAccount({ clientId, clientSecret: "s" });
    const longTitle = await openSession(tokens.access_token, 10, metadata("x".repeat(101)));
    expect(longTitle.status).toBe(400);
    expect(await longTitle.json()).toMatchObject({ error: { errors: [{ reason: "invalidTitle" }] } });
    const badSchedule = await openSession(
      tokens.access_token,
      10,
      metadata("Scheduled", { privacyStatus: "public", publishAt: new Date(Date.now() + 86_400_000).toISOString() }),
    );
    expect(await badSchedule.json()).toMatchObject({ error: { errors: [{ reason: "invalidPublishAt" }] } });

    await emulator.youtube.setProject(clientId, { audited: false });
    const session =
      (await openSession(tokens.access_token, 5, metadata("Locked private"))).headers.get("location") ?? "";
    const done = await put(session, "hello", "bytes 0-4/5");
    expect(((await done.json()) as { status: { privacyStatus: string } }).status.privacyStatus).toBe("private");

    await emulator.youtube.setChannel(channelId, { uploadCap: 1 });
    const capped = await openSession(tokens.access_token, 10, metadata("One too many"));
    expect(capped.status).toBe(400);
    expect(await capped.json()).toMatchObject({
      error: { code: 400, errors: [{ reason: "uploadLimitExceeded", domain: "youtube.video" }] },
    });
  });

  it("quotaExceeded in Google's body shape when the project is exhausted", async () => {
    const clientId = "quota.apps.googleusercontent.com";
    const { tokens } = await connectGoogleAccount({ clientId, clientSecret: "s" });
    await emulator.youtube.setProject(clientId, { exhausted: true });
    const res = await fetch(`${url()}/google/youtube/v3/channels?part=snippet&mine=true`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as {
      error: { code: number; message: string; errors: Array<{ domain: string; reason: string; message: string }> };
    };
    expect(body.error.code).toBe(403);
    expect(body.error.errors[0]).toMatchObject({ domain: "youtube.quota", reason: "quotaExceeded" });
    expect(typeof body.error.message).toBe("string");
    await emulator.youtube.setProject(clientId, { exhausted: false });
    const project = await emulator.youtube.project(clientId);
    expect(project.used.units).toBeGreaterThan(0); // connectGoogleAccount's channels.list cost 1 unit
  });

  it("thumbnails.set accepts a PNG up to 2 MB", async () => {
    const { tokens } = await connectGoogleAccount({ clientId: "thumbs.apps.googleusercontent.com", clientSecret: "s" });
    const session =
      (await openSession(tokens.access_token, 4, metadata("With thumbnail"))).headers.get("location") ?? "";
    const { id } = (await (await put(session, "mp4!", "bytes 0-3/4")).json()) as { id: string };
    const form = new FormData();
    form.set("prompt", "thumbnail");
    form.set("aspect_ratio", "16:9");
    const png = await bytesOf(
      await fetch(`${url()}/stability/v2beta/stable-image/generate/core`, {
        method: "POST",
        headers: { authorization: `Bearer ${env.STABILITY_API_KEY}` },
        body: form,
      }),
    );
    const set = (body: Uint8Array) =>
      fetch(`${url()}/google/upload/youtube/v3/thumbnails/set?videoId=${id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "image/png" },
        body,
      });
    const ok = await set(png);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      kind: "youtube#thumbnailSetResponse",
      items: [{ default: { url: expect.any(String) } }],
    });
    expect((await emulator.youtube.video(id)).thumbnail?.sha256).toBe(await sha256Hex(png));
    const big = new Uint8Array(2 * 1024 * 1024 + 1);
    big.set(png.subarray(0, 8));
    expect((await set(big)).status).toBe(400);
  });

  it("analytics reports are a resultTable with repeatable numbers", async () => {
    const { tokens } = await connectGoogleAccount({
      clientId: "analytics.apps.googleusercontent.com",
      clientSecret: "s",
    });
    const query = `${url()}/google/youtubeanalytics/v2/reports?ids=channel==MINE&startDate=2026-01-01&endDate=2026-01-07&metrics=views,estimatedMinutesWatched,averageViewDuration,subscribersGained&dimensions=day&sort=day`;
    const get = async () =>
      (await fetch(query, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    const report = (await get()) as {
      kind: string;
      columnHeaders: Array<{ name: string; columnType: string }>;
      rows: unknown[][];
    };
    expect(report.kind).toBe("youtubeAnalytics#resultTable");
    expect(report.columnHeaders.map((c) => c.name)).toEqual([
      "day",
      "views",
      "estimatedMinutesWatched",
      "averageViewDuration",
      "subscribersGained",
    ]);
    expect(report.rows).toHaveLength(7);
    expect(report.rows[0]?.[0]).toBe("2026-01-01");
    expect(await get()).toEqual(report);
  });
});

describe("Stripe", () => {
  const stripe = (method: string, path: string, form?: string, headers: Record<string, string> = {}) =>
    fetch(`${url()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${env.STRIPE_SECRET_KEY}`,
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      },
      body: form,
    });

  it("creates a customer from a bracket-notation form and replays idempotent requests", async () => {
    const form = "email=bee%40example.com&name=Bee&metadata[user_id]=usr_123&metadata%5Bplan%5D=pro";
    const res = await stripe("POST", "/v1/customers", form, { "idempotency-key": "cust-1" });
    expect(res.status).toBe(200);
    const customer = (await res.json()) as {
      id: string;
      object: string;
      email: string;
      metadata: Record<string, string>;
      livemode: boolean;
    };
    expect(customer).toMatchObject({
      object: "customer",
      email: "bee@example.com",
      metadata: { user_id: "usr_123", plan: "pro" },
      livemode: false,
    });
    expect(customer.id).toMatch(/^cus_/);
    const replay = await stripe("POST", "/v1/customers", form, { "idempotency-key": "cust-1" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(((await replay.json()) as { id: string }).id).toBe(customer.id);
    const conflict = await stripe("POST", "/v1/customers", "email=other%40example.com", {
      "idempotency-key": "cust-1",
    });
    expect(conflict.status).toBe(400);
    expect(await conflict.json()).toMatchObject({ error: { type: "idempotency_error" } });
    const fetched = await stripe("GET", `/v1/customers/${customer.id}`);
    expect(((await fetched.json()) as { id: string }).id).toBe(customer.id);
    const missing = await stripe("GET", "/v1/customers/cus_nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: "invalid_request_error", code: "resource_missing" } });
  });

  it("checkout completion sends signed checkout.session.completed then customer.subscription.created", async () => {
    const created = await stripe(
      "POST",
      "/v1/checkout/sessions",
      "mode=subscription&line_items[0][price]=price_pro_monthly&line_items[0][quantity]=1&success_url=http%3A%2F%2Fapp.test%2Fok&cancel_url=http%3A%2F%2Fapp.test%2Fno&client_reference_id=usr_42&customer_email=bee%40example.com",
    );
    const session = (await created.json()) as { id: string; url: string; status: string };
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url.startsWith(url())).toBe(true);
    await emulator.echo.clear("stripe");
    const result = await emulator.stripe.completeCheckout(session.id, emulator.echo.url("stripe"));
    expect(result.deliveries.map((d) => [d.type, d.status])).toEqual([
      ["checkout.session.completed", 200],
      ["customer.subscription.created", 200],
    ]);
    const received = await emulator.echo.received("stripe");
    expect(received).toHaveLength(2);
    for (const delivery of received) {
      const t = await verifySignature(
        delivery.headers["stripe-signature"],
        delivery.body,
        env.STRIPE_WEBHOOK_SECRET as string,
      );
      expect(Math.abs(Date.now() / 1000 - t)).toBeLessThan(300);
    }
    const [completed, subscriptionCreated] = received.map((r) => JSON.parse(r.body));
    expect(completed).toMatchObject({
      object: "event",
      type: "checkout.session.completed",
      livemode: false,
      data: { object: { id: session.id, client_reference_id: "usr_42", status: "complete" } },
    });
    expect(completed.id).toMatch(/^evt_/);
    expect(subscriptionCreated.data.object).toMatchObject({
      object: "subscription",
      status: "active",
      id: result.subscription?.id,
    });
    const sub = await stripe("GET", `/v1/subscriptions/${result.subscription?.id}`);
    expect(
      ((await sub.json()) as { items: { data: Array<{ current_period_end: number }> } }).items.data[0]
        ?.current_period_end,
    ).toBeGreaterThan(Date.now() / 1000);
  });

  it("sends any event on request, signed with the webhook secret", async () => {
    await emulator.echo.clear("stripe-any");
    const { event, delivery } = await emulator.stripe.sendEvent(
      "invoice.payment_failed",
      { id: "in_123", object: "invoice", attempt_count: 2 },
      emulator.echo.url("stripe-any", 400),
    );
    expect(delivery.status).toBe(400);
    const [received] = await emulator.echo.received("stripe-any");
    await verifySignature(
      received?.headers["stripe-signature"],
      received?.body ?? "",
      env.STRIPE_WEBHOOK_SECRET as string,
    );
    expect(JSON.parse(received?.body ?? "{}")).toMatchObject({
      id: event.id,
      type: "invoice.payment_failed",
      data: { object: { attempt_count: 2 } },
    });
  });
});

describe("SendGrid", () => {
  it("accepts a valid message with 202 and keeps it", async () => {
    const subject = `Your video is live ${crypto.randomUUID()}`;
    const res = await fetch(`${url()}/sendgrid/v3/mail/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.SENDGRID_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        personalizations: [{ to: [{ email: "creator@example.com" }] }],
        from: { email: "noreply@ytempire.local" },
        subject,
        content: [{ type: "text/plain", value: "It is up." }],
      }),
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
    expect((await emulator.sendgrid.messages()).some((m) => m.subject === subject)).toBe(true);
    const invalid = await fetch(`${url()}/sendgrid/v3/mail/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.SENDGRID_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ personalizations: [], from: { email: "a@b.c" } }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ errors: [{ field: "personalizations" }] });
  });
});

describe("N8N render workflow", () => {
  // The emulator is shared by every test file: set the workflow's behaviour this suite relies on.
  beforeEach(async () => {
    await emulator.n8n.config({ delayMs: 10, fetchAssets: true, callbackRetries: 0 });
  });

  const render = (job: Record<string, unknown>, key = env.N8N_API_KEY as string) =>
    fetch(env.N8N_RENDER_URL as string, {
      method: "POST",
      headers: { "x-n8n-api-key": key, "content-type": "application/json" },
      body: JSON.stringify(job),
    });
  const assets = () => ({
    script_url: `${url()}/__control/health`,
    audio_url: `${url()}/__control/health`,
    thumbnail_url: `${url()}/__control/health`,
  });

  it("fetches the assets, then calls back signed with the rendered MP4's size and sha256", async () => {
    await emulator.echo.clear("n8n-ok");
    const res = await render({ video_id: "vid_1", callback_url: emulator.echo.url("n8n-ok"), assets: assets() });
    expect(res.status).toBe(200);
    const { execution_id } = (await res.json()) as { execution_id: string };
    const [callback] = await waitFor(
      async () => {
        const received = await emulator.echo.received("n8n-ok");
        return received.length > 0 ? received : undefined;
      },
      10_000,
      "the N8N callback",
    );
    await verifySignature(callback?.headers["x-n8n-signature"], callback?.body ?? "", env.N8N_WEBHOOK_SECRET as string);
    const body = JSON.parse(callback?.body ?? "{}") as {
      execution_id: string;
      video_id: string;
      status: string;
      file_url: string;
      size: number;
      sha256: string;
      duration_seconds: number;
    };
    expect(body).toMatchObject({ execution_id, video_id: "vid_1", status: "succeeded" });
    expect(body.duration_seconds).toBeCloseTo(6, 0);
    const file = await bytesOf(await fetch(body.file_url));
    expect(file.length).toBe(body.size);
    expect(file.length).toBeGreaterThan(2 * 262_144);
    expect(await sha256Hex(file)).toBe(body.sha256);
    const job = await emulator.n8n.job(execution_id);
    expect((job.assets as Array<{ status: number }>).map((a) => a.status)).toEqual([200, 200, 200]);
  });

  it("rejects a wrong API key and fails the job when an asset link does not answer 200", async () => {
    expect(
      (await render({ video_id: "v", callback_url: emulator.echo.url("x"), assets: assets() }, "wrong")).status,
    ).toBe(401);
    await emulator.echo.clear("n8n-bad");
    await render({
      video_id: "vid_2",
      callback_url: emulator.echo.url("n8n-bad"),
      assets: { ...assets(), audio_url: `${url()}/__control/no-such-asset` },
    });
    const [callback] = await waitFor(
      async () => {
        const received = await emulator.echo.received("n8n-bad");
        return received.length > 0 ? received : undefined;
      },
      10_000,
      "the failure callback",
    );
    expect(JSON.parse(callback?.body ?? "{}")).toMatchObject({
      video_id: "vid_2",
      status: "failed",
      error: expect.stringContaining("audio_url"),
    });
  });

  it("double_callback preset delivers the same result twice", async () => {
    await emulator.echo.clear("n8n-twice");
    await emulator.addFault({ upstream: "n8n", preset: "double_callback", times: 1 });
    await render({ video_id: "vid_3", callback_url: emulator.echo.url("n8n-twice"), assets: assets() });
    const received = await waitFor(
      async () => {
        const list = await emulator.echo.received("n8n-twice");
        return list.length >= 2 ? list : undefined;
      },
      10_000,
      "two callbacks",
    );
    expect(received[0]?.body).toBe(received[1]?.body);
  });
});
