import { timingSafeEqual } from "./crypto";
import { bytesToHex, utf8 } from "./encoding";

/**
 * Timestamped HMAC-SHA256 signatures in Stripe's scheme, which the N8N render workflow reproduces
 * with its Crypto node (see shared/reference/webhooks.md): header `t=<unix seconds>,v1=<hex>[,v1=...]`,
 * signed payload `"<t>.<raw body>"`. Verify the raw bytes before parsing anything.
 */

export type SignatureFailure = "missing_header" | "malformed_header" | "stale_timestamp" | "bad_signature";

export class WebhookSignatureError extends Error {
  override name = "WebhookSignatureError";
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
  }
}

// One imported key per secret per isolate: importing is the expensive part.
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256 of `payload` under `secret`, hex. */
export async function hmacSha256Hex(secret: string, payload: string | Uint8Array): Promise<string> {
  const data = typeof payload === "string" ? utf8.encode(payload) : payload;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), data);
  return bytesToHex(new Uint8Array(signature));
}

/** The `t=...,v1=...` header for a body: what a sender (or a test) puts on the request. */
export async function signTimestamped(secret: string, rawBody: string, timestamp: number): Promise<string> {
  return `t=${timestamp},v1=${await hmacSha256Hex(secret, `${timestamp}.${rawBody}`)}`;
}

export interface VerifyOptions {
  toleranceSeconds?: number;
  /** Unix seconds; injectable for tests. */
  now?: number;
}

/**
 * Accepts when any `v1` matches in constant time and `|now - t|` is within the tolerance; throws
 * WebhookSignatureError naming the reason otherwise. Returns the signed timestamp.
 */
export async function verifyTimestampedSignature(
  rawBody: string,
  header: string | null | undefined,
  secret: string,
  options: VerifyOptions = {},
): Promise<{ timestamp: number }> {
  if (!header) throw new WebhookSignatureError("missing_header", "No signature header.");
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === undefined || candidates.length === 0) {
    throw new WebhookSignatureError("malformed_header", "The signature header needs t=<unix seconds> and v1=<hex>.");
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookSignatureError(
      "stale_timestamp",
      `The signature timestamp is outside the ${tolerance} s tolerance.`,
    );
  }
  const expected = utf8.encode(await hmacSha256Hex(secret, `${timestamp}.${rawBody}`));
  let matched = false;
  // Compare against every candidate (no early exit), so timing does not reveal which one matched.
  for (const candidate of candidates) matched = timingSafeEqual(expected, utf8.encode(candidate)) || matched;
  if (!matched) throw new WebhookSignatureError("bad_signature", "The signature does not match the body.");
  return { timestamp };
}
