import { type AppEnv, depsOf } from "../../lib/context";
import { ApiError } from "../../lib/errors";
import { createRouter } from "../../lib/openapi";
import { enforceRateLimit } from "../../lib/rate-limit";
import { principalFromToken, principalOf } from "../../middleware/auth";
import { hubOf, issueRealtimeTicket, redeemRealtimeTicket } from "../../services/realtime";
import { realtimeRoute, ticketRoute } from "./realtime.routes";

const SUBPROTOCOL = "ytempire.v1";
const BEARER_PROTOCOL = "bearer.";

export const realtimeRouter = createRouter<AppEnv>()
  .openapi(ticketRoute, async (c) => c.json(await issueRealtimeTicket(c.env, principalOf(c).userId), 201))
  .openapi(realtimeRoute, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("upgrade_required", "Open this URL as a WebSocket.", { headers: { Upgrade: "websocket" } });
    }
    // Authenticate in the Worker, before the hub wakes: a ticket, or a token carried as a subprotocol.
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const { ticket } = c.req.valid("query");
    let userId: string | undefined;
    if (ticket) userId = await redeemRealtimeTicket(c.env, ticket);
    else {
      const token = offered.find((p) => p.startsWith(BEARER_PROTOCOL))?.slice(BEARER_PROTOCOL.length);
      userId = token ? (await principalFromToken(c, token))?.userId : undefined;
    }
    if (!userId) throw new ApiError("unauthenticated", "Send an access token subprotocol or a ticket.");
    await enforceRateLimit(c.env.RATE_LIMITER, `principal:${userId}`);
    depsOf(c).logger.info("realtime_connect", { user_id: userId, via: ticket ? "ticket" : "token" });

    const headers = new Headers(c.req.raw.headers);
    headers.set("x-user-id", userId);
    if (offered.includes(SUBPROTOCOL)) headers.set("x-websocket-protocol", SUBPROTOCOL);
    return hubOf(c.env, userId).fetch(new Request(c.req.raw.url, { headers })) as never;
  });
