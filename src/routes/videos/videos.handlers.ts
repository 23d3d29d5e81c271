import { depsOf } from "../../lib/context";
import type { AppRouteHandler } from "../../lib/route";
import { principalOf } from "../../middleware/auth";
import {
  cancelVideo,
  createVideo,
  createVideoBatch,
  deleteVideo,
  listVideos,
  retryVideo,
  toVideoResponse,
  updateVideo,
  videoAssets,
  videoCosts,
  videoDetail,
} from "../../services/videos";
import type * as routes from "./videos.routes";
import { VideoCreateSchema } from "./videos.schemas";

export const createVideoHandler: AppRouteHandler<typeof routes.createVideoRoute> = async (c) => {
  const video = await createVideo(depsOf(c), principalOf(c).userId, c.req.valid("json"));
  return c.json(toVideoResponse(video), 201);
};

export const createVideoBatchHandler: AppRouteHandler<typeof routes.createVideoBatchRoute> = async (c) => {
  const { items } = c.req.valid("json");
  return c.json(await createVideoBatch(depsOf(c), principalOf(c).userId, items, VideoCreateSchema), 200);
};

export const listVideosHandler: AppRouteHandler<typeof routes.listVideosRoute> = async (c) => {
  return c.json(await listVideos(depsOf(c), principalOf(c).userId, c.req.valid("query")), 200);
};

export const getVideoHandler: AppRouteHandler<typeof routes.getVideoRoute> = async (c) => {
  return c.json(await videoDetail(depsOf(c), principalOf(c).userId, c.req.valid("param").id), 200);
};

export const patchVideoHandler: AppRouteHandler<typeof routes.patchVideoRoute> = async (c) => {
  const video = await updateVideo(depsOf(c), principalOf(c).userId, c.req.valid("param").id, c.req.valid("json"));
  return c.json(toVideoResponse(video), 200);
};

export const deleteVideoHandler: AppRouteHandler<typeof routes.deleteVideoRoute> = async (c) => {
  await deleteVideo(depsOf(c), principalOf(c).userId, c.req.valid("param").id);
  return c.body(null, 204);
};

export const cancelVideoHandler: AppRouteHandler<typeof routes.cancelVideoRoute> = async (c) => {
  return c.json(toVideoResponse(await cancelVideo(depsOf(c), principalOf(c).userId, c.req.valid("param").id)), 200);
};

export const retryVideoHandler: AppRouteHandler<typeof routes.retryVideoRoute> = async (c) => {
  return c.json(toVideoResponse(await retryVideo(depsOf(c), principalOf(c).userId, c.req.valid("param").id)), 200);
};

export const videoAssetsHandler: AppRouteHandler<typeof routes.videoAssetsRoute> = async (c) => {
  return c.json(await videoAssets(depsOf(c), principalOf(c).userId, c.req.valid("param").id), 200);
};

export const videoCostsHandler: AppRouteHandler<typeof routes.videoCostsRoute> = async (c) => {
  return c.json(await videoCosts(depsOf(c), principalOf(c).userId, c.req.valid("param").id), 200);
};
