import type { AppEnv } from "../../lib/context";
import { createRouter } from "../../lib/openapi";
import {
  connectChannelHandler,
  createChannelHandler,
  deleteChannelHandler,
  disconnectChannelHandler,
  getChannelHandler,
  listChannelsHandler,
  oauthCallbackHandler,
  patchChannelHandler,
} from "./channels.handlers";
import {
  connectChannelRoute,
  createChannelRoute,
  deleteChannelRoute,
  disconnectChannelRoute,
  getChannelRoute,
  listChannelsRoute,
  oauthCallbackRoute,
  patchChannelRoute,
} from "./channels.routes";

export const channelsRouter = createRouter<AppEnv>()
  .openapi(createChannelRoute, createChannelHandler)
  .openapi(listChannelsRoute, listChannelsHandler)
  .openapi(getChannelRoute, getChannelHandler)
  .openapi(patchChannelRoute, patchChannelHandler)
  .openapi(deleteChannelRoute, deleteChannelHandler)
  .openapi(connectChannelRoute, connectChannelHandler)
  .openapi(disconnectChannelRoute, disconnectChannelHandler)
  .openapi(oauthCallbackRoute, oauthCallbackHandler);
