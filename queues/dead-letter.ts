import { z } from "zod";
import { pipelineSteps } from "../src/db/schema";
import type { Env } from "../src/env";
import { handleDeadLetter } from "../src/services/pipeline/dead-letters";
import { consumerDeps } from "./consumer";

const deadLetterSchema = z.object({
  videoId: z.string().min(1).max(64),
  step: z.enum(pipelineSteps),
  reason: z.string().max(500).optional(),
});

/** pipeline-dlq: records why, fails the video if it is not failed already, and acks. */
export async function consumeDeadLetters(batch: MessageBatch, env: Env): Promise<void> {
  const deps = consumerDeps(env, batch.queue);
  for (const message of batch.messages) {
    const parsed = deadLetterSchema.safeParse(message.body);
    if (parsed.success) await handleDeadLetter(deps, parsed.data.videoId, parsed.data.step, parsed.data.reason);
    else deps.logger.error("dead_letter_unreadable", { message_id: message.id });
    message.ack();
  }
}
