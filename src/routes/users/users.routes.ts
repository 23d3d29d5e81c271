import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import { authenticated, sessionOnly } from "../../lib/route";
import { requireAuth } from "../../middleware/auth";
import { ProfilePatchSchema, UserSchema } from "./users.schemas";

export const getMeRoute = createRoute({
  method: "get",
  path: "/v1/users/me",
  tags: ["users"],
  summary: "The authenticated user",
  security: authenticated,
  middleware: [requireAuth()],
  responses: { 200: jsonResponse(UserSchema, "The user"), ...errorResponses(401) },
});

export const patchMeRoute = createRoute({
  method: "patch",
  path: "/v1/users/me",
  tags: ["users"],
  summary: "Change the user's own profile",
  description:
    "Only `name`, `timezone` and `video_cost_cap_micros`. Other keys (role, plan, email, id) are refused with 422.",
  security: authenticated,
  middleware: [requireAuth()],
  request: { body: jsonBody(ProfilePatchSchema) },
  responses: { 200: jsonResponse(UserSchema, "The updated user"), ...errorResponses(400, 401, 413, 415, 422) },
});

export const changePasswordRoute = createRoute({
  method: "post",
  path: "/v1/users/me/password",
  tags: ["users"],
  summary: "Change the password; ends every session",
  security: sessionOnly,
  middleware: [requireAuth({ humansOnly: true })],
  request: {
    body: jsonBody(
      z.object({ current_password: z.string().min(1).max(128), new_password: z.string().min(10).max(128) }).strict(),
    ),
  },
  responses: {
    204: { description: "Changed; every refresh token of the user is revoked. A wrong current password is a 422." },
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

export const deleteMeRoute = createRoute({
  method: "delete",
  path: "/v1/users/me",
  tags: ["users"],
  summary: "Delete the account and everything it owns",
  description:
    "Irreversible, so the password confirms it (attempts are limited per user). Removes the user, their sessions and API keys, channels (their Google grants are revoked), videos, cost events and media. Videos already on YouTube stay there.",
  security: sessionOnly,
  middleware: [requireAuth({ humansOnly: true })],
  request: { body: jsonBody(z.object({ password: z.string().min(1).max(128) }).strict()) },
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 403, 413, 415, 422) },
});
