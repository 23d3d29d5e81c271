import { beforeAll, describe, expect, it } from "vitest";
import type { ProviderContext } from "../../src/providers/call";
import { listVoices } from "../../src/providers/elevenlabs";
import { refreshAccessToken } from "../../src/providers/google-oauth";
import { startRender } from "../../src/providers/n8n";
import { sendMail } from "../../src/providers/sendgrid";
import { generateImage } from "../../src/providers/stability";
import { callStripe } from "../../src/providers/stripe";
import { getMyChannel } from "../../src/providers/youtube";
import { queryReport } from "../../src/providers/youtube-analytics";
import { clearFaultsAfterEach, connectGoogleAccount, emulator, type Upstream } from "../emulator";
import { countRequests, injectFault, rejection, testContext, wait } from "./support";

clearFaultsAfterEach();

/**
 * The same reliability matrix for every upstream, over real HTTP: a 429 with Retry-After is waited
 * out; repeated 500s open the breaker (then calls fail fast without reaching the upstream); a body
 * that stalls after its headers times out; a malformed success body is a clear error.
 * (OpenAI has its own suite: test/providers/openai.test.ts.)
 */

const client = { clientId: "mechanisms.apps.googleusercontent.com", clientSecret: "mechanisms-secret" };
let google: { accessToken: string; refreshToken: string };

beforeAll(async () => {
  const { tokens } = await connectGoogleAccount(client);
  google = { accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? "" };
});

interface Case {
  name: string;
  upstream: Upstream;
  pathIncludes: string;
  /** false: a 500 is not retried (the request may have been processed). */
  idempotent: boolean;
  call(ctx: ProviderContext): Promise<unknown>;
}

const cases: Case[] = [
  {
    name: "elevenlabs",
    upstream: "elevenlabs",
    pathIncludes: "/v1/voices",
    idempotent: true,
    call: (ctx) => listVoices(ctx),
  },
  {
    name: "stability",
    upstream: "stability",
    pathIncludes: "/generate/core",
    idempotent: true,
    call: (ctx) =>
      generateImage(ctx, { engine: "core", prompt: "a harbour", aspectRatio: "16:9", outputFormat: "png" }),
  },
  {
    name: "google_oauth",
    upstream: "google",
    pathIncludes: "/oauth2/token",
    idempotent: true,
    call: (ctx) => refreshAccessToken(ctx, { ...client, refreshToken: google.refreshToken }),
  },
  {
    name: "youtube",
    upstream: "youtube",
    pathIncludes: "/youtube/v3/channels",
    idempotent: true,
    call: (ctx) => getMyChannel(ctx, google.accessToken),
  },
  {
    name: "youtube_analytics",
    upstream: "analytics",
    pathIncludes: "/v2/reports",
    idempotent: true,
    call: (ctx) =>
      queryReport(ctx, google.accessToken, { startDate: "2026-11-01", endDate: "2026-11-02", metrics: ["views"] }),
  },
  {
    name: "stripe",
    upstream: "stripe",
    pathIncludes: "/v1/customers",
    idempotent: true,
    call: (ctx) =>
      callStripe(ctx, "customers.create", (stripe) =>
        stripe.customers.create({ email: "m@example.com" }, { idempotencyKey: crypto.randomUUID() }),
      ),
  },
  {
    name: "sendgrid",
    upstream: "sendgrid",
    pathIncludes: "/v3/mail/send",
    idempotent: false,
    call: (ctx) => sendMail(ctx, { to: "m@example.com", subject: "s", text: "t" }),
  },
  {
    name: "n8n",
    upstream: "n8n",
    pathIncludes: "/webhook/render",
    idempotent: false,
    call: (ctx) =>
      startRender(ctx, {
        videoId: `vid_${crypto.randomUUID()}`,
        callbackUrl: emulator.echo.url("mechanisms"),
        assets: {
          scriptUrl: emulator.echo.url("m1"),
          audioUrl: emulator.echo.url("m2"),
          thumbnailUrl: emulator.echo.url("m3"),
        },
      }),
  },
];

describe.each(cases)("$name", ({ name, upstream, pathIncludes, idempotent, call }) => {
  it("happy path", async () => {
    await expect(call(testContext())).resolves.toBeDefined();
  });

  it("429 with Retry-After: waits, then succeeds", async () => {
    await injectFault({ upstream, pathIncludes, status: 429, headers: { "retry-after": "0.2" }, times: 1 });
    const before = await countRequests(upstream, pathIncludes);
    const started = Date.now();
    await expect(call(testContext())).resolves.toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((await countRequests(upstream, pathIncludes)) - before).toBe(2);
  });

  it("repeated 500s open the breaker; the next call fails fast without reaching the upstream; it closes after a probe", async () => {
    const ctx = testContext({ retry: { maxAttempts: 2 }, breaker: { failureThreshold: 2, coolDownMs: 300 } });
    await injectFault({ upstream, pathIncludes, status: 500, times: 2 });
    const first = await rejection(call(ctx));
    expect(first).toMatchObject({ provider: name, disposition: "retry", status: 500 });
    if (!idempotent) expect(await rejection(call(ctx))).toMatchObject({ status: 500 });

    const before = await countRequests(upstream, pathIncludes);
    expect(await rejection(call(ctx))).toMatchObject({ code: "circuit_open" });
    expect(await countRequests(upstream, pathIncludes)).toBe(before);

    await wait(350);
    await expect(call(ctx)).resolves.toBeDefined();
    expect(await countRequests(upstream, pathIncludes)).toBe(before + 1);
  });

  it("a body that stalls after its headers times out (or headers that never come)", async () => {
    const ctx = testContext({ timeoutMs: 250, retry: { maxAttempts: 1 } });
    // SendGrid's 202 has an empty body (Content-Length: 0): nothing to stall after the headers, so
    // its headers are what is held back.
    const stall = upstream === "sendgrid" ? { latencyMs: 2_000 } : { stallBodyMs: 2_000 };
    await injectFault({ upstream, pathIncludes, ...stall, times: 1 });
    const started = Date.now();
    expect(await rejection(call(ctx))).toMatchObject({ provider: name, disposition: "retry", code: "timeout" });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("a malformed success body is a clear error", async () => {
    const ctx = testContext({ retry: { maxAttempts: 1 } });
    await injectFault({ upstream, pathIncludes, status: 200, body: "<html>oops</html>", times: 1 });
    const error = await rejection(call(ctx));
    expect(error).toMatchObject({ provider: name, code: "malformed_response" });
  });
});
