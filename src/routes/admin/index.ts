import type { AppEnv } from "../../lib/context";
import { depsOf } from "../../lib/context";
import { createRouter } from "../../lib/openapi";
import { listUsers, setUserAccess } from "../../services/admin-users";
import { listUsersRoute, patchUserRoute } from "./users.routes";

export const adminRouter = createRouter<AppEnv>()
  .openapi(listUsersRoute, async (c) => c.json(await listUsers(depsOf(c), c.req.valid("query")), 200))
  .openapi(patchUserRoute, async (c) =>
    c.json(await setUserAccess(depsOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );
