import type { AppEnv } from "../../lib/context";
import { createRouter } from "../../lib/openapi";
import { changePasswordHandler, deleteMeHandler, getMeHandler, patchMeHandler } from "./users.handlers";
import { changePasswordRoute, deleteMeRoute, getMeRoute, patchMeRoute } from "./users.routes";

export const usersRouter = createRouter<AppEnv>()
  .openapi(getMeRoute, getMeHandler)
  .openapi(patchMeRoute, patchMeHandler)
  .openapi(changePasswordRoute, changePasswordHandler)
  .openapi(deleteMeRoute, deleteMeHandler);
