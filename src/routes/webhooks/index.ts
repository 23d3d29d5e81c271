import { createRoute, z } from "@hono/zod-openapi";
import { type AppEnv, depsOf } from "../../lib/context";
import { createRouter, errorResponses, jsonResponse } from "../../lib/openapi";
import { handleRenderCallback } from "../../services/render-callback";

export const n8nWebhookRoute = createRoute({
  method: "post",
  path: "/v1/webhooks/n8n",
  tags: ["webhooks"],
  summary: "The render workflow's callback (HMAC-signed: X-N8N-Signature: t=<unix>,v1=<hex>)",
  description:
    "Signed payload `<t>.<raw body>`, HMAC-SHA256 with N8N_WEBHOOK_SECRET, hex; timestamps older than 5 minutes are refused. Processed once per execution id.",
  responses: {
    200: jsonResponse(
      z
        .object({ outcome: z.enum(["accepted", "duplicate", "ignored"]), video_id: z.string() })
        .openapi("WebhookReceipt"),
      "Received",
    ),
    ...errorResponses(400, 401, 413, 422),
  },
});

// The body is read raw (never through a JSON validator) so the signature is checked on the exact bytes.
export const webhooksRouter = createRouter<AppEnv>().openapi(n8nWebhookRoute, async (c) => {
  const result = await handleRenderCallback(depsOf(c), await c.req.text(), c.req.header("x-n8n-signature"));
  return c.json(result, 200);
});
