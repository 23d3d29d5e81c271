import { depsOf } from "../../lib/context";
import { clientIp } from "../../lib/rate-limit";
import type { AppRouteHandler } from "../../lib/route";
import { login, signup } from "../../services/auth";
import { endSession, refreshSession } from "../../services/sessions";
import type { loginRoute, logoutRoute, refreshRoute, signupRoute } from "./auth.routes";

export const signupHandler: AppRouteHandler<typeof signupRoute> = async (c) => {
  const result = await signup(depsOf(c), c.req.valid("json"), clientIp(c.req.raw.headers));
  return c.json(result, 201);
};

export const loginHandler: AppRouteHandler<typeof loginRoute> = async (c) => {
  const result = await login(depsOf(c), c.req.valid("json"), clientIp(c.req.raw.headers));
  return c.json(result, 200);
};

export const refreshHandler: AppRouteHandler<typeof refreshRoute> = async (c) => {
  return c.json(await refreshSession(depsOf(c), c.req.valid("json").refresh_token), 200);
};

export const logoutHandler: AppRouteHandler<typeof logoutRoute> = async (c) => {
  await endSession(depsOf(c), c.req.valid("json").refresh_token);
  return c.body(null, 204);
};
