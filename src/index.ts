import { consumerDeps } from "../queues/consumer";
import { consumeDeadLetters } from "../queues/dead-letter";
import { consumeGeneration } from "../queues/generation";
import { consumeUploads } from "../queues/upload";
import { createApp } from "./app";
import type { Env } from "./env";
import { pruneExpired } from "./services/maintenance";
import { sweepPipeline } from "./services/pipeline/sweeper";

export { CircuitBreaker } from "../durable-objects/circuit-breaker";
export { RealtimeHub } from "../durable-objects/realtime-hub";
export { YouTubeQuota } from "../durable-objects/youtube-quota";

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch, env) {
    if (batch.queue.startsWith("ai-generation")) return consumeGeneration(batch, env);
    if (batch.queue.startsWith("youtube-upload")) return consumeUploads(batch, env);
    if (batch.queue.startsWith("pipeline-dlq")) return consumeDeadLetters(batch, env);
    throw new Error(`no consumer for queue ${batch.queue}`);
  },

  // */5: the pipeline sweeper (waits that are over, stuck steps). Hourly: pruning.
  async scheduled(controller, env, ctx) {
    const deps = consumerDeps(env, "cron");
    if (controller.cron === "0 * * * *") ctx.waitUntil(pruneExpired(deps));
    await sweepPipeline(deps);
  },
} satisfies ExportedHandler<Env>;
