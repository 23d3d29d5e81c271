import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/env";
import { signTimestamped } from "../../src/lib/hmac";
import { startRender, verifyN8nSignature } from "../../src/providers/n8n";
import { sendMail } from "../../src/providers/sendgrid";
import { callStripe, verifyStripeWebhook } from "../../src/providers/stripe";
import { clearFaultsAfterEach, emulator, waitFor } from "../emulator";
import { countRequests, injectFault, rejection, testContext } from "./support";

clearFaultsAfterEach();

const config = getConfig(env);

describe("stripe", () => {
  it("calls the API through the fetch client at STRIPE_API_BASE_URL", async () => {
    const ctx = testContext();
    const email = `buyer-${crypto.randomUUID()}@example.com`;
    const customer = await callStripe(ctx, "customers.create", (stripe) =>
      stripe.customers.create({ email }, { idempotencyKey: `customer:${email}` }),
    );
    expect(customer.id).toMatch(/^cus_/);
    expect(customer.email).toBe(email);
  });

  it("a 5xx is retried by our layer only (the SDK's own retries are off)", async () => {
    const ctx = testContext({ retry: { maxAttempts: 2 } });
    const before = await countRequests("stripe", "/v1/customers");
    await injectFault({ upstream: "stripe", pathIncludes: "/v1/customers", status: 500, times: 2 });
    const error = await rejection(
      callStripe(ctx, "customers.create", (stripe) =>
        stripe.customers.create({ email: "x@example.com" }, { idempotencyKey: crypto.randomUUID() }),
      ),
    );
    expect(error).toMatchObject({ provider: "stripe", disposition: "retry", status: 500 });
    expect((await countRequests("stripe", "/v1/customers")) - before).toBe(2);
  });

  it("verifies a webhook over the raw body; a changed body or stale timestamp is refused", async () => {
    const secret = config.STRIPE_WEBHOOK_SECRET;
    const body = JSON.stringify({ id: "evt_1", object: "event", type: "invoice.paid", data: { object: {} } });
    const now = Math.floor(Date.now() / 1000);
    const header = await signTimestamped(secret, body, now);
    const event = await verifyStripeWebhook(body, header, secret);
    expect(event).toMatchObject({ id: "evt_1", type: "invoice.paid" });
    await expect(verifyStripeWebhook(`${body} `, header, secret)).rejects.toThrow(/signature/i);
    const stale = await signTimestamped(secret, body, now - 600);
    await expect(verifyStripeWebhook(body, stale, secret)).rejects.toThrow(/tolerance|timestamp/i);
    await expect(verifyStripeWebhook(body, null, secret)).rejects.toThrow();
  });
});

describe("sendgrid", () => {
  it("sends a mail (202)", async () => {
    const result = await sendMail(testContext(), { to: "user@example.com", subject: "Your video is live", text: "Hi" });
    expect(result).toBeDefined();
  });

  it("is not retried after a 500 (the message may have been accepted), but is after a 429", async () => {
    const before = await countRequests("sendgrid", "/mail/send");
    await injectFault({ upstream: "sendgrid", pathIncludes: "/mail/send", status: 500, times: 1 });
    expect(await rejection(sendMail(testContext(), { to: "u@example.com", subject: "s", text: "t" }))).toMatchObject({
      disposition: "retry",
      status: 500,
    });
    expect((await countRequests("sendgrid", "/mail/send")) - before).toBe(1);
    await injectFault({ upstream: "sendgrid", pathIncludes: "/mail/send", status: 429, times: 1 });
    await sendMail(testContext(), { to: "u@example.com", subject: "s", text: "t" });
  });
});

describe("n8n", () => {
  it("starts a render with the API key header and returns the execution id", async () => {
    const videoId = `vid_${crypto.randomUUID()}`;
    const result = await startRender(testContext(), {
      videoId,
      callbackUrl: emulator.echo.url("render-callback"),
      assets: {
        scriptUrl: emulator.echo.url("script"),
        audioUrl: emulator.echo.url("audio"),
        thumbnailUrl: emulator.echo.url("thumbnail"),
      },
    });
    expect(result.executionId).toBeTruthy();
    const job = await emulator.n8n.job(result.executionId);
    expect(job).toMatchObject({ video_id: videoId });
    const sent = await emulator.requests({ upstream: "n8n", pathIncludes: "/webhook/render" });
    expect(sent.at(-1)?.headers["idempotency-key"]).toBe(`render:${videoId}`);
  });

  it("a 503 is retried (the render did not start); other failures are not", async () => {
    await injectFault({ upstream: "n8n", pathIncludes: "/webhook/render", preset: "unavailable", times: 1 });
    const request = {
      videoId: "vid_retry",
      callbackUrl: emulator.echo.url("render-callback"),
      assets: {
        scriptUrl: emulator.echo.url("s"),
        audioUrl: emulator.echo.url("a"),
        thumbnailUrl: emulator.echo.url("t"),
      },
    };
    expect((await startRender(testContext(), request)).executionId).toBeTruthy();
    const before = await countRequests("n8n", "/webhook/render");
    await injectFault({ upstream: "n8n", pathIncludes: "/webhook/render", latencyMs: 1_000, times: 1 });
    expect(await rejection(startRender(testContext({ timeoutMs: 200 }), request))).toMatchObject({ code: "timeout" });
    // The log records a request when the emulator answers it (after its latency). A retry would have
    // gone out right after the timeout, without latency, so it would be logged before the first one.
    const sent = await waitFor(async () => {
      const n = (await countRequests("n8n", "/webhook/render")) - before;
      return n > 0 ? n : undefined;
    });
    expect(sent).toBe(1);
  });

  it("verifies the workflow's signed callback", async () => {
    const secret = config.N8N_WEBHOOK_SECRET;
    const body = '{"videoId":"vid_1","executionId":"42","status":"rendered"}';
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyN8nSignature(body, await signTimestamped(secret, body, now), secret)).resolves.toEqual({
      timestamp: now,
    });
    const stale = await signTimestamped(secret, body, now - 301);
    expect(await rejection(verifyN8nSignature(body, stale, secret))).toMatchObject({ reason: "stale_timestamp" });
    await expect(verifyN8nSignature(body, stale, secret, 600)).resolves.toEqual({ timestamp: now - 301 });
    expect(await rejection(verifyN8nSignature(body, "t=1,v1=zz", secret))).toMatchObject({
      reason: "malformed_header",
    });
  });
});
