import { z } from "zod";
import { createDb } from "../src/db/client";
import { pipelineSteps } from "../src/db/schema";
import { type Env, getConfig } from "../src/env";
import { createLogger, describeError } from "../src/lib/logger";
import type { ServiceDeps } from "../src/services/deps";
import type { StepMessage, StepOutcome } from "../src/services/pipeline/steps";

/**
 * Shared by the pipeline consumers: each message is validated, run alone, and acked or retried on its
 * own, so one bad message never retries a whole batch. A message that fails validation can never
 * succeed: it goes straight to the dead-letter queue with the reason.
 */
export const stepMessageSchema = z.object({ videoId: z.string().min(1).max(64), step: z.enum(pipelineSteps) });

export function consumerDeps(env: Env, queue: string): ServiceDeps {
  const config = getConfig(env);
  return { env, config, db: createDb(env.DB), logger: createLogger(config.LOG_LEVEL, { queue }) };
}

export async function consumeSteps(
  batch: MessageBatch,
  env: Env,
  run: (deps: ServiceDeps, message: StepMessage, deliveries: number) => Promise<StepOutcome>,
): Promise<void> {
  const deps = consumerDeps(env, batch.queue);
  for (const message of batch.messages) {
    const parsed = stepMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      deps.logger.error("invalid_queue_message", { message_id: message.id, issues: parsed.error.issues.length });
      await env.DLQ_QUEUE.send({ invalid: true, body: message.body, reason: "invalid message" });
      message.ack();
      continue;
    }
    try {
      const outcome = await run(deps, parsed.data, message.attempts);
      if (outcome.kind === "ack") message.ack();
      else message.retry({ delaySeconds: outcome.delaySeconds });
    } catch (error) {
      // Only our own infrastructure can land here (a D1 or R2 hiccup): let the queue retry it.
      deps.logger.error("step_crashed", {
        video_id: parsed.data.videoId,
        step: parsed.data.step,
        ...describeError(error),
      });
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** message.attempts) });
    }
  }
}
