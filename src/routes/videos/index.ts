import type { AppEnv } from "../../lib/context";
import { createRouter } from "../../lib/openapi";
import * as handlers from "./videos.handlers";
import * as routes from "./videos.routes";

export const videosRouter = createRouter<AppEnv>()
  .openapi(routes.createVideoBatchRoute, handlers.createVideoBatchHandler)
  .openapi(routes.createVideoRoute, handlers.createVideoHandler)
  .openapi(routes.listVideosRoute, handlers.listVideosHandler)
  .openapi(routes.getVideoRoute, handlers.getVideoHandler)
  .openapi(routes.patchVideoRoute, handlers.patchVideoHandler)
  .openapi(routes.deleteVideoRoute, handlers.deleteVideoHandler)
  .openapi(routes.cancelVideoRoute, handlers.cancelVideoHandler)
  .openapi(routes.retryVideoRoute, handlers.retryVideoHandler)
  .openapi(routes.videoAssetsRoute, handlers.videoAssetsHandler)
  .openapi(routes.videoCostsRoute, handlers.videoCostsHandler);
