import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse } from "../../lib/openapi";

const CheckSchema = z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() });
const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "unavailable"]),
    checks: z.object({ d1: CheckSchema, kv: CheckSchema, r2: CheckSchema }),
  })
  .openapi("Readiness");

export const livenessRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Liveness: the Worker answers",
  responses: { 200: jsonResponse(z.object({ status: z.literal("ok") }), "Alive") },
});

export const readinessRoute = createRoute({
  method: "get",
  path: "/health/ready",
  tags: ["health"],
  summary: "Readiness: D1, KV and R2 are reachable",
  responses: {
    200: jsonResponse(ReadinessSchema, "Every dependency answered"),
    503: jsonResponse(ReadinessSchema, "At least one dependency did not answer"),
  },
});
