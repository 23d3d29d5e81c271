import type { PipelineStep } from "../../db/schema";
import { ProviderError } from "../../providers/errors";
import { ChainError } from "../ai-chains";
import type { ServiceDeps } from "../deps";
import { type Claim, claimStep, failStep, releaseStep } from "./state";
import { ack, retryOutcome, type StepMessage, type StepOutcome } from "./steps";

type Claimed = Extract<Claim, { kind: "claimed" }>;

/**
 * The frame of every pipeline step: claim it (a duplicate or a cancelled video is acked, a leased
 * step comes back later), run it, and classify whatever it throws.
 */
export async function runClaimedStep(
  deps: ServiceDeps,
  message: StepMessage,
  deliveries: number,
  run: (claim: Claimed) => Promise<StepOutcome>,
): Promise<StepOutcome> {
  const claim = await claimStep(deps, message);
  if (claim.kind === "skip") return ack;
  if (claim.kind === "busy") {
    return { kind: "retry", delaySeconds: Math.ceil(claim.retryInMs / 1000), reason: "step leased" };
  }
  try {
    return await run(claim);
  } catch (error) {
    return handleFailure(deps, claim, message.step, error, deliveries);
  }
}

/**
 * Failures are classified, not just retried: transient ones go back to the queue with backoff (the
 * queue's max_retries then hands the message to pipeline-dlq, whose consumer fails the video with the
 * last reason); the rest fail the video now, with a code and whether a retry could help.
 */
async function handleFailure(
  deps: ServiceDeps,
  claim: Claimed,
  step: PipelineStep,
  error: unknown,
  deliveries: number,
): Promise<StepOutcome> {
  const { video, attempt } = claim;
  const reason = describe(error);
  if (reason.retryable) {
    await releaseStep(deps, video, step, attempt, `${reason.code}: ${reason.message}`);
    deps.logger.warn("step_retry", { video_id: video.id, step, code: reason.code, deliveries });
    return retryOutcome(deliveries, reason.code, reason.retryAfterMs);
  }
  await failStep(deps, video.id, step, attempt, {
    code: reason.code,
    message: reason.message,
    retryable: reason.helpsLater,
  });
  await deps.env.DLQ_QUEUE.send({ videoId: video.id, step, reason: reason.code });
  return ack;
}

interface Reason {
  code: string;
  message: string;
  /** Back to the queue now. */
  retryable: boolean;
  /** A manual retry later could succeed (an outage) even though retrying now is pointless. */
  helpsLater: boolean;
  retryAfterMs?: number;
}

function describe(error: unknown): Reason {
  if (error instanceof ChainError) {
    if (error.code === "budget_exceeded") {
      return { code: "budget_exceeded", message: error.message, retryable: false, helpsLater: false };
    }
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      // A provider refusing our request for good will refuse it again.
      helpsLater: error.code !== "provider_failed",
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (error instanceof ProviderError) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.disposition === "retry",
      helpsLater: error.disposition !== "fail",
      retryAfterMs: error.retryAfterMs,
    };
  }
  // Our own bug or a binding hiccup: retry a few times, then the DLQ records it.
  return {
    code: "internal_error",
    message: error instanceof Error ? error.message : String(error),
    retryable: true,
    helpsLater: true,
  };
}
