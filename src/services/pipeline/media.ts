import { timingSafeEqual } from "../../lib/crypto";
import { utf8 } from "../../lib/encoding";
import { hmacSha256Hex } from "../../lib/hmac";

/**
 * Where a video's media lives in R2 (deterministic, so a re-run step finds its own output) and the
 * short-lived signed links through which the render workflow and the frontend fetch it.
 */
export const mediaKinds = ["script", "audio", "thumbnail", "video"] as const;
export type MediaKind = (typeof mediaKinds)[number];

const fileNames: Record<MediaKind, string> = {
  script: "script.json",
  audio: "narration.audio",
  thumbnail: "thumbnail.image",
  video: "render.mp4",
};

export function mediaPrefix(userId: string, videoId: string): string {
  return `videos/${userId}/${videoId}/`;
}

export function mediaKey(userId: string, videoId: string, kind: MediaKind): string {
  return `${mediaPrefix(userId, videoId)}${fileNames[kind]}`;
}

export const SIGNED_LINK_TTL_SECONDS = 15 * 60;

function signedPayload(videoId: string, kind: MediaKind, expires: number) {
  return `media:${videoId}:${kind}:${expires}`;
}

export async function signedMediaUrl(
  baseUrl: string,
  secret: string,
  videoId: string,
  kind: MediaKind,
  now = Date.now(),
  ttlSeconds = SIGNED_LINK_TTL_SECONDS,
): Promise<{ url: string; expiresAt: number }> {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const signature = await hmacSha256Hex(secret, signedPayload(videoId, kind, expires));
  const url = new URL(`/v1/media/${videoId}/${kind}`, baseUrl);
  url.searchParams.set("expires", String(expires));
  url.searchParams.set("signature", signature);
  return { url: url.href, expiresAt: expires * 1000 };
}

export async function verifyMediaSignature(
  secret: string,
  videoId: string,
  kind: MediaKind,
  expires: number,
  signature: string,
  now = Date.now(),
): Promise<boolean> {
  if (expires * 1000 < now) return false;
  const expected = await hmacSha256Hex(secret, signedPayload(videoId, kind, expires));
  return timingSafeEqual(utf8.encode(expected), utf8.encode(signature));
}

/** Deletes everything stored under a prefix (R2 lists at most 1,000 keys a page). */
async function deleteByPrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    const keys = page.objects.map((o) => o.key);
    if (keys.length > 0) await bucket.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

export function deleteVideoMedia(bucket: R2Bucket, userId: string, videoId: string): Promise<number> {
  return deleteByPrefix(bucket, mediaPrefix(userId, videoId));
}

export function deleteUserMedia(bucket: R2Bucket, userId: string): Promise<number> {
  return deleteByPrefix(bucket, `videos/${userId}/`);
}
