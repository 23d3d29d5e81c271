import type { z } from "zod";
import type { BufferedResponse } from "../lib/http";
import { malformedResponse, type ProviderName, parseJsonSafely, type UpstreamAnswer } from "./errors";

/** Helpers shared by the plain-fetch provider modules. */

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A buffered response as the classifiers see it. */
export function answerOf(response: BufferedResponse): UpstreamAnswer {
  return { status: response.status, headers: response.headers, body: parseJsonSafely(response.text()) };
}

/** Parses and validates a success body; anything else is a clear `malformed_response`, not a crash. */
export function parseBody<S extends z.ZodType>(
  provider: ProviderName,
  response: BufferedResponse,
  schema: S,
): z.infer<S> {
  const body = parseJsonSafely(response.text());
  if (body === undefined) throw malformedResponse(provider, response.status, "not JSON");
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`)
      .join("; ");
    throw malformedResponse(provider, response.status, where);
  }
  return parsed.data;
}

/** Joins a base URL (which may carry a path, e.g. `.../openai/v1`) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
