import { bytesToBase64Url, bytesToHex, utf8 } from "./encoding";

/** A random opaque secret: `bytes` of entropy, base64url, with an optional readable prefix. */
export function randomToken(prefix = "", bytes = 32): string {
  return prefix + bytesToBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** SHA-256 of a string, hex. Used to store tokens and API keys: a leaked table reveals nothing usable. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(value));
  return bytesToHex(new Uint8Array(digest));
}

/** Constant-time comparison of two byte arrays (length is not secret). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
