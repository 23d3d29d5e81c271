import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import { PageQuerySchema } from "../../lib/pagination";
import { sessionOnly } from "../../lib/route";
import { requireAuth } from "../../middleware/auth";
import { UserSchema } from "../users/users.schemas";

const adminOnly = [requireAuth({ role: "admin", humansOnly: true })];

export const listUsersRoute = createRoute({
  method: "get",
  path: "/v1/admin/users",
  tags: ["admin"],
  summary: "List accounts, newest first",
  security: sessionOnly,
  middleware: adminOnly,
  request: { query: PageQuerySchema.extend({ email: z.string().max(254).optional() }) },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(UserSchema), next_cursor: z.string().nullable() }).openapi("UserList"),
      "A page of users",
    ),
    ...errorResponses(401, 403, 422),
  },
});

export const patchUserRoute = createRoute({
  method: "patch",
  path: "/v1/admin/users/{id}",
  tags: ["admin"],
  summary: "Set an account's role or plan",
  security: sessionOnly,
  middleware: adminOnly,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: jsonBody(
      z
        .object({
          role: z.enum(["user", "admin"]).optional(),
          plan: z.enum(["free", "creator", "pro", "agency"]).optional(),
        })
        .strict(),
    ),
  },
  responses: {
    200: jsonResponse(UserSchema, "The updated user"),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422),
  },
});
