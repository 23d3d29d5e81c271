import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../lib/context";
import { ApiError, type ErrorCode, problemResponse } from "../lib/errors";
import { createLogger, describeError } from "../lib/logger";

/** Maps what Hono's own middleware throws (body limit, media-type gate, JSON parse) onto our codes. */
function fromHttpException(error: HTTPException): ApiError {
  const byStatus: Record<number, ErrorCode> = {
    400: /json/i.test(error.message) ? "malformed_json" : "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    415: "unsupported_media_type",
  };
  const code = byStatus[error.status];
  if (!code) return new ApiError("internal_error", "An internal error occurred.", { cause: error });
  const detail =
    code === "malformed_json"
      ? "The request body is not valid JSON."
      : code === "unsupported_media_type"
        ? "Send the body as application/json."
        : error.message;
  return new ApiError(code, detail);
}

/** The one error handler: every failure leaves as problem+json; a 500 shows the request id only. */
export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  let apiError: ApiError;
  if (error instanceof ApiError) apiError = error;
  else if (error instanceof HTTPException) apiError = fromHttpException(error);
  else apiError = new ApiError("internal_error", "An internal error occurred. Quote the request id when reporting it.");

  if (apiError.status >= 500) {
    const logger = c.get("logger") ?? createLogger("error", { request_id: c.get("requestId") });
    logger.error("unhandled_error", { path: c.req.path, ...describeError(apiError.cause ?? error) });
  }
  return problemResponse(apiError, c.req.path, c.get("requestId"));
};

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(
    new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`),
    c.req.path,
    c.get("requestId"),
  );

export function handleMethodNotAllowed(c: Context<AppEnv>, allowed: string[]) {
  return problemResponse(
    new ApiError(
      "method_not_allowed",
      `${c.req.method} is not allowed on ${c.req.path}. Allowed: ${allowed.join(", ")}.`,
      {
        headers: { Allow: allowed.join(", ") },
      },
    ),
    c.req.path,
    c.get("requestId"),
  );
}
