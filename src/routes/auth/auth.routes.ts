import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import { isDisplaySafe } from "../../lib/time-zone";
import { UserSchema } from "../users/users.schemas";

const EmailSchema = z.email().max(254).openapi({ example: "ada@example.com" });
// Length, not composition rules: NIST SP 800-63B. 128 caps PBKDF2 input work.
const PasswordSchema = z
  .string()
  .min(10, "Use at least 10 characters")
  .max(128)
  .openapi({ example: "correct horse battery" });

export const SessionSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().openapi({ description: "Access token lifetime in seconds" }),
    refresh_token: z.string().openapi({ description: "Opaque; single use; rotate on every refresh" }),
    refresh_token_expires_at: z.string(),
  })
  .openapi("Session");

const AuthResultSchema = SessionSchema.extend({ user: UserSchema }).openapi("AuthResult");

const RefreshBodySchema = z.object({ refresh_token: z.string().min(1).max(200) }).strict();

export const signupRoute = createRoute({
  method: "post",
  path: "/v1/auth/signup",
  tags: ["auth"],
  summary: "Create an account and start a session",
  request: {
    body: jsonBody(
      z
        .object({
          email: EmailSchema,
          password: PasswordSchema,
          name: z
            .string()
            .trim()
            .min(1)
            .max(100)
            .refine(isDisplaySafe, "No control or direction-override characters")
            .optional(),
        })
        .strict(),
    ),
  },
  responses: {
    201: jsonResponse(AuthResultSchema, "Account created; the session is ready to use"),
    ...errorResponses(400, 409, 413, 415, 422),
  },
});

export const loginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags: ["auth"],
  summary: "Exchange email and password for a session",
  description:
    "Limited to 10 attempts a minute per IP and per account. A wrong email and a wrong password get the same answer.",
  request: { body: jsonBody(z.object({ email: EmailSchema, password: z.string().min(1).max(128) }).strict()) },
  responses: {
    200: jsonResponse(AuthResultSchema, "Logged in"),
    ...errorResponses(400, 401, 413, 415, 422),
  },
});

export const refreshRoute = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  tags: ["auth"],
  summary: "Rotate a refresh token into a new session",
  description:
    "The presented token is spent. Presenting a spent token again revokes every token of its login, so refresh one at a time; two refreshes racing with the same token get 200 and 409 (use the 200's tokens).",
  request: { body: jsonBody(RefreshBodySchema) },
  responses: {
    200: jsonResponse(SessionSchema, "New access and refresh tokens"),
    ...errorResponses(400, 401, 409, 413, 415, 422),
  },
});

export const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  tags: ["auth"],
  summary: "Revoke the session the refresh token belongs to",
  request: { body: jsonBody(RefreshBodySchema) },
  responses: {
    204: { description: "Logged out (also when the token was unknown or already revoked)" },
    ...errorResponses(400, 413, 415, 422),
  },
});
