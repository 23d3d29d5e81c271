import { type AppEnv, depsOf } from "../../lib/context";
import { createRouter } from "../../lib/openapi";
import { listUsers, setUserAccess } from "../../services/admin-users";
import {
  addAccount,
  listAccountsWithUsage,
  quotaSummary,
  transitionAccount,
  updateAccount,
} from "../../services/upload-accounts";
import {
  addAccountRoute,
  listAccountsRoute,
  patchAccountRoute,
  quotaRoute,
  transitionAccountRoute,
} from "./accounts.routes";
import { listUsersRoute, patchUserRoute } from "./users.routes";

// Admin handlers are one call each; they live here rather than in a handlers file.
export const adminRouter = createRouter<AppEnv>()
  .openapi(listUsersRoute, async (c) => c.json(await listUsers(depsOf(c), c.req.valid("query")), 200))
  .openapi(patchUserRoute, async (c) =>
    c.json(await setUserAccess(depsOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(addAccountRoute, async (c) => c.json(await addAccount(depsOf(c), c.req.valid("json")), 201))
  .openapi(listAccountsRoute, async (c) => c.json({ data: await listAccountsWithUsage(depsOf(c)) }, 200))
  .openapi(patchAccountRoute, async (c) =>
    c.json(await updateAccount(depsOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(transitionAccountRoute, async (c) => {
    const { id, transition } = c.req.valid("param");
    return c.json(await transitionAccount(depsOf(c), id, transition), 200);
  })
  .openapi(quotaRoute, async (c) => c.json(await quotaSummary(depsOf(c)), 200));
