import { depsOf } from "../../lib/context";
import type { AppRouteHandler } from "../../lib/route";
import { principalOf } from "../../middleware/auth";
import { changePassword, deleteUser, toUserResponse, updateProfile } from "../../services/users";
import type { changePasswordRoute, deleteMeRoute, getMeRoute, patchMeRoute } from "./users.routes";

export const getMeHandler: AppRouteHandler<typeof getMeRoute> = async (c) => {
  // The auth middleware has just read the row: no second query.
  return c.json(toUserResponse(principalOf(c).user), 200);
};

export const patchMeHandler: AppRouteHandler<typeof patchMeRoute> = async (c) => {
  const user = await updateProfile(depsOf(c), principalOf(c).userId, c.req.valid("json"));
  return c.json(toUserResponse(user), 200);
};

export const changePasswordHandler: AppRouteHandler<typeof changePasswordRoute> = async (c) => {
  const body = c.req.valid("json");
  await changePassword(depsOf(c), principalOf(c).userId, body.current_password, body.new_password);
  return c.body(null, 204);
};

export const deleteMeHandler: AppRouteHandler<typeof deleteMeRoute> = async (c) => {
  await deleteUser(depsOf(c), principalOf(c).userId, c.req.valid("json").password);
  return c.body(null, 204);
};
