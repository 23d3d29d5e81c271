import type { Config } from "../../env";
import {
  chatCostMicros,
  elevenLabsCostMicros,
  openaiImageCostMicros,
  openaiSpeechCostMicros,
  stabilityCostMicros,
  stabilityPriceKey,
} from "../../providers/pricing";
import { scriptMaxTokens } from "../ai-chains";

/**
 * What each AI step will cost at least, from the target length, with the cheapest configured
 * provider: the floor a video must fit under its cap before anything is spent, and what a step must
 * leave for the steps after it. ~15 characters of narration a second (150 words a minute).
 */
const NARRATION_CHARS_PER_SECOND = 15;
const SCRIPT_PROMPT_TOKENS = 700;

export interface StepFloors {
  script: number;
  voice: number;
  thumbnail: number;
}

export function costFloors(config: Config, targetSeconds: number): StepFloors {
  const completionTokens = scriptMaxTokens(targetSeconds);
  const characters = targetSeconds * NARRATION_CHARS_PER_SECOND;
  const cheapest = (...costs: number[]) => Math.min(...costs);
  return {
    script: cheapest(
      ...[config.SCRIPT_MODEL, config.SCRIPT_FALLBACK_MODEL].map((model) =>
        // The completion is bounded by max_tokens, not spent in full: a third is a realistic floor.
        chatCostMicros(model, {
          promptTokens: SCRIPT_PROMPT_TOKENS,
          completionTokens: Math.ceil(completionTokens / 3),
        }),
      ),
    ),
    voice: cheapest(
      elevenLabsCostMicros(config.ELEVENLABS_MODEL, characters),
      openaiSpeechCostMicros(config.OPENAI_TTS_MODEL, characters),
    ),
    thumbnail: cheapest(
      stabilityCostMicros(stabilityPriceKey(config.STABILITY_ENGINE)),
      config.OPENAI_IMAGE_MODEL.startsWith("dall-e")
        ? openaiImageCostMicros(config.OPENAI_IMAGE_MODEL, "1792x1024", "standard")
        : openaiImageCostMicros(config.OPENAI_IMAGE_MODEL, "1536x1024", "medium"),
    ),
  };
}

export function minimumVideoCost(floors: StepFloors): number {
  return floors.script + floors.voice + floors.thumbnail;
}

/** What a step may spend: the cap, minus what is spent, minus the floors of the steps still to come. */
export function stepBudget(
  capMicros: number,
  spentMicros: number,
  floors: StepFloors,
  step: "script" | "voice" | "thumbnail",
): number {
  const after = step === "script" ? floors.voice + floors.thumbnail : step === "voice" ? floors.thumbnail : 0;
  return capMicros - spentMicros - after;
}
