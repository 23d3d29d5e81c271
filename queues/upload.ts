import type { Env } from "../src/env";
import { runUploadStep } from "../src/services/pipeline/upload";
import { consumeSteps } from "./consumer";

/** youtube-upload: quota, resumable upload from R2, thumbnail, publish or schedule. */
export function consumeUploads(batch: MessageBatch, env: Env): Promise<void> {
  return consumeSteps(batch, env, runUploadStep);
}
