import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import { PageQuerySchema } from "../../lib/pagination";
import { sessionOnly } from "../../lib/route";
import { requireAuth } from "../../middleware/auth";

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "First characters of the key, to tell keys apart" }),
    created_at: z.string(),
    last_used_at: z.string().nullable().openapi({ description: "Updated at most hourly" }),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");

const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The secret. Shown only in this response; store it now." }),
}).openapi("CreatedApiKey");

const humans = [requireAuth({ humansOnly: true })];

export const createApiKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: ["api-keys"],
  summary: "Create an API key for a server-to-server caller",
  security: sessionOnly,
  middleware: humans,
  request: { body: jsonBody(z.object({ name: z.string().trim().min(1).max(100) }).strict()) },
  responses: {
    201: jsonResponse(CreatedApiKeySchema, "Created; `key` is never shown again"),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422),
  },
});

export const listApiKeysRoute = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: ["api-keys"],
  summary: "List the user's API keys, newest first (secrets are never listed)",
  security: sessionOnly,
  middleware: humans,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(ApiKeySchema), next_cursor: z.string().nullable() }).openapi("ApiKeyList"),
      "A page of keys",
    ),
    ...errorResponses(401, 403, 422),
  },
});

export const revokeApiKeyRoute = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["api-keys"],
  summary: "Revoke an API key; it stops working at once",
  security: sessionOnly,
  middleware: humans,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: { 204: { description: "Revoked" }, ...errorResponses(401, 403, 404) },
});
