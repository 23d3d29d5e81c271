import { depsOf } from "../../lib/context";
import type { AppRouteHandler } from "../../lib/route";
import { principalOf } from "../../middleware/auth";
import { createApiKey, listApiKeys, revokeApiKey } from "../../services/api-keys";
import type { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from "./api-keys.routes";

export const createApiKeyHandler: AppRouteHandler<typeof createApiKeyRoute> = async (c) => {
  const created = await createApiKey(depsOf(c), principalOf(c).userId, c.req.valid("json").name);
  return c.json(created, 201);
};

export const listApiKeysHandler: AppRouteHandler<typeof listApiKeysRoute> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await listApiKeys(depsOf(c), principalOf(c).userId, limit, cursor), 200);
};

export const revokeApiKeyHandler: AppRouteHandler<typeof revokeApiKeyRoute> = async (c) => {
  await revokeApiKey(depsOf(c), principalOf(c).userId, c.req.valid("param").id);
  return c.body(null, 204);
};
