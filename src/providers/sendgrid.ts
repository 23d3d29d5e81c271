import { fetchAll } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { classifyByStatus, malformedResponse } from "./errors";
import { answerOf, joinUrl } from "./upstream";

/**
 * SendGrid v3 Mail Send (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send):
 * `202 Accepted` with an empty body and an `X-Message-Id`.
 */

export interface MailInput {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Defaults to the platform's sender. */
  from?: { email: string; name?: string };
}

const DEFAULT_FROM = { email: "no-reply@ytempire.dev", name: "ytempire" };

/**
 * Sends one email. Not idempotent (SendGrid has no idempotency key): only a 429 or 503, which prove
 * the message was not accepted, are retried; a timeout is left to the caller.
 */
export async function sendMail(ctx: ProviderContext, input: MailInput): Promise<{ messageId?: string }> {
  const content = [{ type: "text/plain", value: input.text }];
  if (input.html) content.push({ type: "text/html", value: input.html });
  const body = JSON.stringify({
    personalizations: [{ to: [{ email: input.to }] }],
    from: input.from ?? DEFAULT_FROM,
    subject: input.subject,
    content,
  });
  const url = joinUrl(ctx.config.SENDGRID_BASE_URL, "/v3/mail/send");
  return callProvider(ctx, "sendgrid", { operation: "mail.send", idempotent: false }, async (signal) => {
    const response = await fetchAll(
      url,
      {
        method: "POST",
        headers: { authorization: `Bearer ${ctx.config.SENDGRID_API_KEY}`, "content-type": "application/json" },
        body,
      },
      signal,
    );
    if (response.status === 202) return { messageId: response.headers.get("x-message-id") ?? undefined };
    if (response.status >= 200 && response.status < 300) {
      throw malformedResponse("sendgrid", response.status, "expected 202 Accepted");
    }
    throw classifyByStatus("sendgrid", answerOf(response));
  });
}
