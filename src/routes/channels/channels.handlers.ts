import { depsOf } from "../../lib/context";
import { problemResponse } from "../../lib/errors";
import type { AppRouteHandler } from "../../lib/route";
import { principalOf } from "../../middleware/auth";
import { finishConnect, startConnect } from "../../services/channel-connect";
import {
  createChannel,
  deleteChannel,
  disconnectChannel,
  getOwnedChannel,
  listChannels,
  toChannelResponse,
  updateChannel,
} from "../../services/channels";
import type {
  connectChannelRoute,
  createChannelRoute,
  deleteChannelRoute,
  disconnectChannelRoute,
  getChannelRoute,
  listChannelsRoute,
  oauthCallbackRoute,
  patchChannelRoute,
} from "./channels.routes";

export const createChannelHandler: AppRouteHandler<typeof createChannelRoute> = async (c) => {
  const channel = await createChannel(depsOf(c), principalOf(c).userId, c.req.valid("json"));
  return c.json(toChannelResponse(channel), 201);
};

export const listChannelsHandler: AppRouteHandler<typeof listChannelsRoute> = async (c) => {
  return c.json(await listChannels(depsOf(c), principalOf(c).userId, c.req.valid("query")), 200);
};

export const getChannelHandler: AppRouteHandler<typeof getChannelRoute> = async (c) => {
  const channel = await getOwnedChannel(depsOf(c), principalOf(c).userId, c.req.valid("param").id);
  return c.json(toChannelResponse(channel), 200);
};

export const patchChannelHandler: AppRouteHandler<typeof patchChannelRoute> = async (c) => {
  const channel = await updateChannel(depsOf(c), principalOf(c).userId, c.req.valid("param").id, c.req.valid("json"));
  return c.json(toChannelResponse(channel), 200);
};

export const deleteChannelHandler: AppRouteHandler<typeof deleteChannelRoute> = async (c) => {
  await deleteChannel(depsOf(c), principalOf(c).userId, c.req.valid("param").id);
  return c.body(null, 204);
};

export const connectChannelHandler: AppRouteHandler<typeof connectChannelRoute> = async (c) => {
  const { return_url } = c.req.valid("json");
  return c.json(
    await startConnect(depsOf(c), principalOf(c).userId, c.req.valid("param").id, { returnUrl: return_url }),
    200,
  );
};

export const disconnectChannelHandler: AppRouteHandler<typeof disconnectChannelRoute> = async (c) => {
  const channel = await disconnectChannel(depsOf(c), principalOf(c).userId, c.req.valid("param").id);
  return c.json(toChannelResponse(channel), 200);
};

/** A browser lands here: with a return_url it goes back to the frontend, otherwise it reads JSON. */
export const oauthCallbackHandler: AppRouteHandler<typeof oauthCallbackRoute> = async (c) => {
  const outcome = await finishConnect(depsOf(c), c.req.valid("query"));
  if (outcome.returnUrl) {
    const target = new URL(outcome.returnUrl);
    target.searchParams.set("status", outcome.kind);
    target.searchParams.set("channel_id", outcome.kind === "connected" ? outcome.channel.id : outcome.channelId);
    if (outcome.kind === "failed") target.searchParams.set("error", outcome.error.message);
    return c.redirect(target.href, 302);
  }
  if (outcome.kind === "failed") {
    return problemResponse(outcome.error, c.req.path, c.get("requestId")) as never;
  }
  return c.json({ status: "connected" as const, channel: toChannelResponse(outcome.channel) }, 200);
};
