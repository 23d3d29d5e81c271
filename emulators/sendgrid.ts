// SendGrid v3 Mail Send (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send):
// validates the message, answers 202 with no body and keeps the message for tests.
import {
  bearerToken,
  type EmulatorContext,
  type EmuRequest,
  emptyReply,
  isRecord,
  jsonReply,
  parseJsonBody,
  type Reply,
  type Upstream,
} from "./http";
import { randomId } from "./ids";

export interface SentMessage {
  message_id: string;
  received_at: string;
  to: string[];
  from: string;
  subject: string;
  body: Record<string, unknown>;
}

const sendgridError = (status: number, message: string, field: string | null = null) =>
  jsonReply(status, {
    errors: [
      {
        message,
        field,
        help: field
          ? `http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.${field.replace(/\.\d+/g, "")}`
          : null,
      },
    ],
  });

const isEmail = (value: unknown) =>
  isRecord(value) && typeof value.email === "string" && /^[^@\s]+@[^@\s]+$/.test(value.email);

export class SendGridEmulator implements Upstream {
  readonly name = "sendgrid" as const;
  readonly presets: Record<string, () => Reply> = {
    unauthorized: () => sendgridError(401, "The provided authorization grant is invalid, expired, or revoked"),
    rate_limit: () => sendgridError(429, "too many requests"),
  };
  readonly behaviours = [] as const;
  readonly messages: SentMessage[] = [];

  constructor(private readonly ctx: EmulatorContext) {}

  reset(): void {
    this.messages.length = 0;
  }

  errorReply(status: number, message: string): Reply {
    return sendgridError(status, message);
  }

  handle(req: EmuRequest): Reply {
    if (req.method !== "POST" || req.path !== "/v3/mail/send") return sendgridError(404, "resource not found");
    const key = bearerToken(req);
    const expected = this.ctx.secrets.SENDGRID_API_KEY;
    if (!key || (expected ? key !== expected : !key.startsWith("SG."))) {
      return sendgridError(401, "The provided authorization grant is invalid, expired, or revoked");
    }
    const parsed = parseJsonBody(req);
    if (!parsed.ok || !isRecord(parsed.value)) return sendgridError(400, "Bad Request", null);
    const body = parsed.value;
    const personalizations = body.personalizations;
    if (!Array.isArray(personalizations) || personalizations.length === 0 || personalizations.length > 1000) {
      return sendgridError(
        400,
        "The personalizations field is required and must have at least one personalization.",
        "personalizations",
      );
    }
    const to: string[] = [];
    for (const [i, p] of personalizations.entries()) {
      if (!isRecord(p) || !Array.isArray(p.to) || p.to.length === 0) {
        return sendgridError(
          400,
          "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
          `personalizations.${i}.to`,
        );
      }
      for (const [j, recipient] of p.to.entries()) {
        if (!isEmail(recipient)) {
          return sendgridError(400, "Does not contain a valid address.", `personalizations.${i}.to.${j}.email`);
        }
        to.push((recipient as { email: string }).email);
      }
    }
    if (!isEmail(body.from))
      return sendgridError(
        400,
        "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.",
        "from",
      );
    const template = typeof body.template_id === "string";
    const subject = typeof body.subject === "string" ? body.subject : "";
    const everySubject = personalizations.every((p) => isRecord(p) && typeof p.subject === "string");
    if (!template && !subject && !everySubject) {
      return sendgridError(
        400,
        "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
        "subject",
      );
    }
    const content = body.content;
    if (!template) {
      if (!Array.isArray(content) || content.length === 0) {
        return sendgridError(
          400,
          "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.",
          "content",
        );
      }
      for (const [i, block] of content.entries()) {
        if (
          !isRecord(block) ||
          typeof block.type !== "string" ||
          typeof block.value !== "string" ||
          block.value === ""
        ) {
          return sendgridError(
            400,
            "The content value must be a string at least one character in length.",
            `content.${i}.value`,
          );
        }
      }
    }
    const messageId = randomId(22);
    this.messages.push({
      message_id: messageId,
      received_at: new Date().toISOString(),
      to,
      from: (body.from as { email: string }).email,
      subject,
      body,
    });
    return emptyReply(202, { "x-message-id": messageId });
  }
}
