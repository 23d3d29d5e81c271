import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { videos } from "../../db/schema";
import { type AppEnv, depsOf } from "../../lib/context";
import { ApiError } from "../../lib/errors";
import { createRouter, errorResponses } from "../../lib/openapi";
import { mediaKey, mediaKinds, verifyMediaSignature } from "../../services/pipeline/media";

export const mediaRoute = createRoute({
  method: "get",
  path: "/v1/media/{video_id}/{kind}",
  tags: ["videos"],
  summary: "A signed, short-lived link to one asset (from GET /v1/videos/:id/assets or the render job)",
  request: {
    params: z.object({ video_id: z.string().min(1).max(64), kind: z.enum(mediaKinds) }),
    query: z.object({ expires: z.coerce.number().int().positive(), signature: z.string().regex(/^[0-9a-f]{64}$/) }),
  },
  responses: {
    200: { description: "The bytes, streamed from R2" },
    ...errorResponses(401, 404, 422),
  },
});

export const mediaRouter = createRouter<AppEnv>().openapi(mediaRoute, async (c) => {
  const { video_id: videoId, kind } = c.req.valid("param");
  const { expires, signature } = c.req.valid("query");
  const deps = depsOf(c);
  if (!(await verifyMediaSignature(deps.config.SIGNING_SECRET, videoId, kind, expires, signature))) {
    throw new ApiError("unauthenticated", "The link is invalid or has expired.");
  }
  const owner = await deps.db.select({ userId: videos.userId }).from(videos).where(eq(videos.id, videoId)).get();
  const object = owner ? await c.env.MEDIA.get(mediaKey(owner.userId, videoId, kind)) : null;
  if (!object) throw new ApiError("not_found", "No such asset.");
  return new Response(object.body, {
    headers: {
      "content-type": object.httpMetadata?.contentType ?? "application/octet-stream",
      "content-length": String(object.size),
      "cache-control": "private, max-age=300",
    },
  }) as never;
});
