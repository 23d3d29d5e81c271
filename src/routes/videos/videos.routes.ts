import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse, ProblemSchema } from "../../lib/openapi";
import { authenticated } from "../../lib/route";
import { requireAuth } from "../../middleware/auth";
import { idempotency } from "../../middleware/idempotency";
import {
  VideoCreateSchema,
  VideoDetailSchema,
  VideoIdParams,
  VideoListQuerySchema,
  VideoPatchSchema,
  VideoSchema,
} from "./videos.schemas";

const auth = [requireAuth()];
const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({ description: "Retry-safe creation: the same key replays the first response" }),
});

export const createVideoRoute = createRoute({
  method: "post",
  path: "/v1/videos",
  tags: ["videos"],
  summary: "Make a video from a topic: queued, then script, voice, thumbnail, render, upload",
  security: authenticated,
  middleware: [requireAuth(), idempotency()],
  request: { headers: idempotencyHeader, body: jsonBody(VideoCreateSchema) },
  responses: {
    201: jsonResponse(VideoSchema, "Queued"),
    ...errorResponses(400, 401, 402, 403, 404, 409, 413, 415, 422),
  },
});

export const createVideoBatchRoute = createRoute({
  method: "post",
  path: "/v1/videos/batch",
  tags: ["videos"],
  summary: "Up to 50 videos; each item is validated and created on its own",
  security: authenticated,
  middleware: [requireAuth(), idempotency()],
  request: {
    headers: idempotencyHeader,
    body: jsonBody(z.object({ items: z.array(z.unknown()).min(1).max(50) }).strict()),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          created: z.number().int(),
          failed: z.number().int(),
          results: z.array(
            z.object({
              index: z.number().int(),
              status: z.number().int(),
              video: VideoSchema.optional(),
              error: ProblemSchema.optional(),
            }),
          ),
        })
        .openapi("VideoBatchResult"),
      "One result per item, in order",
    ),
    ...errorResponses(400, 401, 413, 415, 422),
  },
});

export const listVideosRoute = createRoute({
  method: "get",
  path: "/v1/videos",
  tags: ["videos"],
  summary: "List videos: filter by status, channel and creation time; sort by created or cost",
  security: authenticated,
  middleware: auth,
  request: { query: VideoListQuerySchema },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(VideoSchema), next_cursor: z.string().nullable() }).openapi("VideoList"),
      "A page",
    ),
    ...errorResponses(401, 422),
  },
});

export const getVideoRoute = createRoute({
  method: "get",
  path: "/v1/videos/{id}",
  tags: ["videos"],
  summary: "A video with its step history",
  security: authenticated,
  middleware: auth,
  request: { params: VideoIdParams },
  responses: { 200: jsonResponse(VideoDetailSchema, "The video"), ...errorResponses(401, 404) },
});

export const patchVideoRoute = createRoute({
  method: "patch",
  path: "/v1/videos/{id}",
  tags: ["videos"],
  summary: "Change title, description, tags, privacy or publish_at, until the upload starts",
  security: authenticated,
  middleware: auth,
  request: { params: VideoIdParams, body: jsonBody(VideoPatchSchema) },
  responses: { 200: jsonResponse(VideoSchema, "Updated"), ...errorResponses(400, 401, 404, 409, 413, 415, 422) },
});

export const deleteVideoRoute = createRoute({
  method: "delete",
  path: "/v1/videos/{id}",
  tags: ["videos"],
  summary: "Delete the video and its media (a video already on YouTube stays there)",
  security: authenticated,
  middleware: auth,
  request: { params: VideoIdParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404, 409) },
});

const action = (path: string, summary: string) =>
  createRoute({
    method: "post",
    path: `/v1/videos/{id}/${path}`,
    tags: ["videos"],
    summary,
    security: authenticated,
    middleware: auth,
    request: { params: VideoIdParams },
    responses: { 200: jsonResponse(VideoSchema, "The video"), ...errorResponses(401, 404, 409) },
  });

export const cancelVideoRoute = action("cancel", "Stop the video at the next step boundary");
export const retryVideoRoute = action("retry", "Run a failed video again from the failed step");

export const videoAssetsRoute = createRoute({
  method: "get",
  path: "/v1/videos/{id}/assets",
  tags: ["videos"],
  summary: "Short-lived signed links to the script, narration, thumbnail and rendered video",
  security: authenticated,
  middleware: auth,
  request: { params: VideoIdParams },
  responses: {
    200: jsonResponse(
      z
        .object({
          data: z.array(
            z.object({
              kind: z.enum(["script", "audio", "thumbnail", "video"]),
              url: z.string(),
              expires_at: z.string(),
              size: z.number().int(),
              content_type: z.string().nullable(),
            }),
          ),
        })
        .openapi("VideoAssets"),
      "The assets that exist so far",
    ),
    ...errorResponses(401, 404),
  },
});

export const videoCostsRoute = createRoute({
  method: "get",
  path: "/v1/videos/{id}/costs",
  tags: ["videos"],
  summary: "Itemised cost events; their sum is the video's cost, to the micro-dollar",
  security: authenticated,
  middleware: auth,
  request: { params: VideoIdParams },
  responses: {
    200: jsonResponse(
      z
        .object({
          video_id: z.string(),
          total_micros: z.number().int(),
          cap_micros: z.number().int(),
          data: z.array(
            z.object({
              id: z.string(),
              step: z.string(),
              provider: z.string(),
              operation: z.string(),
              model: z.string().nullable(),
              usage: z.record(z.string(), z.number()),
              cost_micros: z.number().int(),
              created_at: z.string(),
            }),
          ),
        })
        .openapi("VideoCosts"),
      "Cost events",
    ),
    ...errorResponses(401, 404),
  },
});
