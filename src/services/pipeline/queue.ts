import type { Env } from "../../env";
import { queueOfStep, type StepMessage } from "./steps";

/** Sends a step to its queue: upload on youtube-upload, everything else on ai-generation. */
export async function enqueueStep(env: Env, message: StepMessage, delaySeconds?: number): Promise<void> {
  const queue = queueOfStep(message.step) === "upload" ? env.UPLOAD_QUEUE : env.GENERATION_QUEUE;
  await queue.send(message, delaySeconds ? { delaySeconds } : undefined);
}
