import { randomToken } from "./crypto";
import { bytesToBase64Url, utf8 } from "./encoding";

/**
 * PKCE (RFC 7636): a random verifier kept server-side and its S256 challenge sent in the consent
 * URL. 32 random bytes give a 43-character base64url verifier, the minimum length §4.1 allows, with
 * 256 bits of entropy.
 */
export interface PkcePair {
  verifier: string;
  challenge: string;
  method: "S256";
}

export async function createPkcePair(): Promise<PkcePair> {
  const verifier = randomToken("", 32);
  return { verifier, challenge: await pkceChallenge(verifier), method: "S256" };
}

/** BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2. */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(verifier));
  return bytesToBase64Url(new Uint8Array(digest));
}
