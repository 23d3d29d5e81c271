import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonResponse } from "../../lib/openapi";
import { authenticated } from "../../lib/route";
import { requireAuth } from "../../middleware/auth";

export const ticketRoute = createRoute({
  method: "post",
  path: "/v1/realtime/tickets",
  tags: ["realtime"],
  summary: "A single-use, 30-second ticket to open the realtime socket from a browser",
  security: authenticated,
  middleware: [requireAuth()],
  responses: {
    201: jsonResponse(z.object({ ticket: z.string(), expires_at: z.string() }).openapi("RealtimeTicket"), "Ticket"),
    ...errorResponses(401),
  },
});

export const realtimeRoute = createRoute({
  method: "get",
  path: "/v1/realtime",
  tags: ["realtime"],
  summary: "WebSocket of the user's live video events",
  description: [
    "Upgrade with `Sec-WebSocket-Protocol: ytempire.v1, bearer.<access token>` (servers, CLIs) or with",
    "`?ticket=<ticket from POST /v1/realtime/tickets>` (browsers). Long-lived tokens never go in the URL.",
    "Server messages: `{type: 'video.updated', video: {id, status, step, cost_micros, ...}, at}`,",
    "`{type: 'video.snapshot', video}`, `{type: 'pong'}`, `{type: 'error', code, message}`.",
    "Client messages: `{type: 'ping'}`, `{type: 'watch', video_id}`.",
  ].join(" "),
  request: { query: z.object({ ticket: z.string().max(200).optional() }) },
  responses: { 101: { description: "Switching protocols" }, ...errorResponses(401, 426) },
});
