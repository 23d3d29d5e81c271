import type { AppEnv } from "../../lib/context";
import { createRouter } from "../../lib/openapi";
import { loginHandler, logoutHandler, refreshHandler, signupHandler } from "./auth.handlers";
import { loginRoute, logoutRoute, refreshRoute, signupRoute } from "./auth.routes";

export const authRouter = createRouter<AppEnv>()
  .openapi(signupRoute, signupHandler)
  .openapi(loginRoute, loginHandler)
  .openapi(refreshRoute, refreshHandler)
  .openapi(logoutRoute, logoutHandler);
