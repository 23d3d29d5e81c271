import type { AppEnv } from "../../lib/context";
import { createRouter } from "../../lib/openapi";
import { checkReadiness } from "../../services/health";
import { livenessRoute, readinessRoute } from "./health.routes";

export const healthRouter = createRouter<AppEnv>()
  .openapi(livenessRoute, (c) => c.json({ status: "ok" as const }, 200))
  .openapi(readinessRoute, async (c) => {
    const report = await checkReadiness(c.env);
    return report.status === "ready" ? c.json(report, 200) : c.json(report, 503);
  });
