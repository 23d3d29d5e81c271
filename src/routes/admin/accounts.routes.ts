import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../lib/openapi";
import { sessionOnly } from "../../lib/route";
import { requireAuth } from "../../middleware/auth";

const adminOnly = [requireAuth({ role: "admin", humansOnly: true })];

const BucketUsageSchema = z.object({
  limit: z.number().int(),
  used: z.number().int(),
  reserved: z.number().int(),
  remaining: z.number().int(),
  exhausted: z.boolean(),
});

const AccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    client_id: z.string(),
    status: z.enum(["active", "reserve", "disabled"]),
    audited: z.boolean().openapi({ description: "Passed YouTube's API audit; otherwise uploads are locked private" }),
    healthy: z.boolean(),
    unhealthy_until: z.string().nullable(),
    last_error: z.string().nullable(),
    channels: z.number().int(),
    quota: z
      .object({
        day: z.string().openapi({ description: "Quota day, America/Los_Angeles" }),
        resets_at: z.string(),
        model: z.enum(["buckets", "legacy"]),
        buckets: z.record(z.string(), BucketUsageSchema),
      })
      .nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("UploadAccount");

const AccountParams = z.object({ id: z.string().min(1).max(64) });
const LimitsSchema = z
  .object({
    uploads: z.number().int().min(0).max(1_000_000).nullable().optional(),
    searches: z.number().int().min(0).max(1_000_000).nullable().optional(),
    units: z.number().int().min(0).max(100_000_000).nullable().optional(),
  })
  .strict()
  .openapi({ description: "Per-account bucket sizes (a quota extension); null goes back to the configured table" });

export const addAccountRoute = createRoute({
  method: "post",
  path: "/v1/admin/accounts",
  tags: ["admin"],
  summary: "Add a YouTube API account (its OAuth client) to the pool",
  security: sessionOnly,
  middleware: adminOnly,
  request: {
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(100),
          client_id: z.string().trim().min(1).max(256),
          client_secret: z.string().min(1).max(256).openapi({ description: "Stored encrypted; never returned" }),
          status: z.enum(["active", "reserve"]).default("reserve"),
          audited: z.boolean().default(false),
        })
        .strict(),
    ),
  },
  responses: { 201: jsonResponse(AccountSchema, "Added"), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
});

export const listAccountsRoute = createRoute({
  method: "get",
  path: "/v1/admin/accounts",
  tags: ["admin"],
  summary: "The account pool with live quota usage",
  security: sessionOnly,
  middleware: adminOnly,
  responses: {
    200: jsonResponse(z.object({ data: z.array(AccountSchema) }).openapi("UploadAccountList"), "Every account"),
    ...errorResponses(401, 403),
  },
});

export const patchAccountRoute = createRoute({
  method: "patch",
  path: "/v1/admin/accounts/{id}",
  tags: ["admin"],
  summary: "Rename, mark audited, or set per-account quota limits",
  security: sessionOnly,
  middleware: adminOnly,
  request: {
    params: AccountParams,
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(100).optional(),
          audited: z.boolean().optional(),
          limits: LimitsSchema.optional(),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(AccountSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 413, 415, 422) },
});

export const transitionAccountRoute = createRoute({
  method: "post",
  path: "/v1/admin/accounts/{id}/{transition}",
  tags: ["admin"],
  summary: "promote (reserve -> active), demote (active -> reserve), disable, enable (disabled -> reserve)",
  security: sessionOnly,
  middleware: adminOnly,
  request: {
    params: AccountParams.extend({ transition: z.enum(["promote", "demote", "disable", "enable"]) }),
  },
  responses: { 200: jsonResponse(AccountSchema, "New state"), ...errorResponses(401, 403, 404, 409, 422) },
});

export const quotaRoute = createRoute({
  method: "get",
  path: "/v1/admin/quota",
  tags: ["admin"],
  summary: "YouTube quota across the pool: totals of active accounts and usage per account",
  security: sessionOnly,
  middleware: adminOnly,
  responses: {
    200: jsonResponse(
      z
        .object({
          active_totals: z.record(
            z.string(),
            z.object({ limit: z.number(), used: z.number(), reserved: z.number(), remaining: z.number() }),
          ),
          accounts: z.array(AccountSchema),
        })
        .openapi("QuotaOverview"),
      "Usage",
    ),
    ...errorResponses(401, 403),
  },
});
