import type { Env } from "../src/env";
import { runGenerationStep } from "../src/services/pipeline/generate";
import { consumeSteps } from "./consumer";

/** ai-generation: script -> voice -> thumbnail -> render, one step per message. */
export function consumeGeneration(batch: MessageBatch, env: Env): Promise<void> {
  return consumeSteps(batch, env, runGenerationStep);
}
