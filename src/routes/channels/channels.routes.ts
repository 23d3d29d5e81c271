import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import { PageQuerySchema } from "../../lib/pagination";
import { authenticated } from "../../lib/route";
import { requireAuth } from "../../middleware/auth";
import { ChannelCreateSchema, ChannelIdParams, ChannelPatchSchema, ChannelSchema } from "./channels.schemas";

const auth = [requireAuth()];

export const createChannelRoute = createRoute({
  method: "post",
  path: "/v1/channels",
  tags: ["channels"],
  summary: "Create a channel (then connect it to YouTube)",
  security: authenticated,
  middleware: auth,
  request: { body: jsonBody(ChannelCreateSchema) },
  responses: {
    201: jsonResponse(ChannelSchema, "Created, status pending"),
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

export const listChannelsRoute = createRoute({
  method: "get",
  path: "/v1/channels",
  tags: ["channels"],
  summary: "List the user's channels, newest first",
  security: authenticated,
  middleware: auth,
  request: {
    query: PageQuerySchema.extend({
      status: z.enum(["pending", "connected", "reauth_required", "disconnected"]).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(ChannelSchema), next_cursor: z.string().nullable() }).openapi("ChannelList"),
      "A page of channels",
    ),
    ...errorResponses(401, 422),
  },
});

export const getChannelRoute = createRoute({
  method: "get",
  path: "/v1/channels/{id}",
  tags: ["channels"],
  summary: "One channel",
  security: authenticated,
  middleware: auth,
  request: { params: ChannelIdParams },
  responses: { 200: jsonResponse(ChannelSchema, "The channel"), ...errorResponses(401, 404) },
});

export const patchChannelRoute = createRoute({
  method: "patch",
  path: "/v1/channels/{id}",
  tags: ["channels"],
  summary: "Change a channel's name, niche, language, default privacy or schedule",
  security: authenticated,
  middleware: auth,
  request: { params: ChannelIdParams, body: jsonBody(ChannelPatchSchema) },
  responses: {
    200: jsonResponse(ChannelSchema, "The updated channel"),
    ...errorResponses(400, 401, 404, 413, 415, 422),
  },
});

export const deleteChannelRoute = createRoute({
  method: "delete",
  path: "/v1/channels/{id}",
  tags: ["channels"],
  summary: "Delete a channel; its Google grants are revoked first",
  security: authenticated,
  middleware: auth,
  request: { params: ChannelIdParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404, 409) },
});

export const connectChannelRoute = createRoute({
  method: "post",
  path: "/v1/channels/{id}/connect",
  tags: ["channels"],
  summary: "Start connecting the channel to YouTube: returns Google's consent URL",
  description:
    "Open `authorization_url` in the owner's browser. Google sends them back to `/v1/oauth/google/callback`, which finishes the connection. The URL is valid for 10 minutes and works once.",
  security: authenticated,
  middleware: auth,
  request: {
    params: ChannelIdParams,
    body: jsonBody(
      z
        .object({
          return_url: z.url().optional().openapi({
            description: "Where the callback sends the browser afterwards; its origin must be in CORS_ORIGINS",
          }),
        })
        .strict(),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({ authorization_url: z.string(), expires_at: z.string() }).openapi("ConsentStart"),
      "Consent URL",
    ),
    ...errorResponses(400, 401, 404, 413, 415, 422),
  },
});

export const disconnectChannelRoute = createRoute({
  method: "post",
  path: "/v1/channels/{id}/disconnect",
  tags: ["channels"],
  summary: "Revoke the channel's Google grants and forget its tokens",
  security: authenticated,
  middleware: auth,
  request: { params: ChannelIdParams },
  responses: { 200: jsonResponse(ChannelSchema, "Disconnected"), ...errorResponses(401, 404) },
});

export const oauthCallbackRoute = createRoute({
  method: "get",
  path: "/v1/oauth/google/callback",
  tags: ["channels"],
  summary: "Google's redirect after consent (a browser navigation, authenticated by the signed state)",
  request: {
    query: z.object({
      state: z.string().max(1024).optional(),
      code: z.string().max(2048).optional(),
      error: z.string().max(200).optional(),
      scope: z.string().max(2048).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ status: z.literal("connected"), channel: ChannelSchema }).openapi("ConnectResult"),
      "Connected (when no return_url was given)",
    ),
    302: { description: "Back to the return_url given at connect, with `status` and `channel_id` (and `error`)" },
    ...errorResponses(400, 422),
  },
});
