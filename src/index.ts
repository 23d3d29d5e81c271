import { createApp } from "./app";
import type { Env } from "./env";

export { CircuitBreaker } from "../durable-objects/circuit-breaker";
export { RealtimeHub } from "../durable-objects/realtime-hub";
export { YouTubeQuota } from "../durable-objects/youtube-quota";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
