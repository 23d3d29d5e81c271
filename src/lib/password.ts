import { timingSafeEqual } from "./crypto";
import { base64ToBytes, bytesToBase64, utf8 } from "./encoding";

/**
 * PBKDF2-SHA-256 through WebCrypto with a per-user random salt. Workers cap PBKDF2 at 100,000
 * iterations (https://developers.cloudflare.com/workers/runtime-apis/web-crypto/), so that is the cost.
 * Stored form: `pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`, so the cost can rise later.
 */
const ITERATIONS = 100_000;
const HASH_BITS = 256;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2_sha256$${ITERATIONS}$${bytesToBase64(salt)}$${bytesToBase64(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2_sha256" || !iterations || !salt || !hash) return false;
  const expected = base64ToBytes(hash);
  const actual = await derive(password, base64ToBytes(salt), Number(iterations));
  return timingSafeEqual(actual, expected);
}

/** A valid hash of a random password: verifying against it costs the same as a real check. */
export const DUMMY_PASSWORD_HASH =
  "pbkdf2_sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
