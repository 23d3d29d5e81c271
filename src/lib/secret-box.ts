import { base64ToBytes, bytesToBase64, utf8 } from "./encoding";

/**
 * AES-256-GCM for secrets at rest (OAuth tokens, upload-account client secrets). Each value gets a
 * fresh 96-bit IV; the row's identity is bound as additional data, so a ciphertext copied into another
 * row does not decrypt. Stored form: `v1.<iv b64>.<ciphertext+tag b64>`.
 */
const keys = new Map<string, Promise<CryptoKey>>();

function aesKey(keyBase64: string): Promise<CryptoKey> {
  let key = keys.get(keyBase64);
  if (!key) {
    key = crypto.subtle.importKey("raw", base64ToBytes(keyBase64), "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(keyBase64, key);
  }
  return key;
}

export async function sealSecret(keyBase64: string, plaintext: string, boundTo: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(boundTo) },
    await aesKey(keyBase64),
    utf8.encode(plaintext),
  );
  return `v1.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(sealed))}`;
}

export async function openSecret(keyBase64: string, sealed: string, boundTo: string): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("sealed secret has an unknown format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: base64ToBytes(iv), additionalData: utf8.encode(boundTo) },
    await aesKey(keyBase64),
    base64ToBytes(data),
  );
  return new TextDecoder().decode(plain);
}
