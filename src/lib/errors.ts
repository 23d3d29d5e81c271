/**
 * The one error model of the API: a closed list of codes, one exhaustive mapping to HTTP
 * statuses, one ApiError class and one renderer of RFC 9457 `application/problem+json`.
 */

export const errorCodes = [
  "bad_request",
  "malformed_json",
  "validation_failed",
  "unsupported_media_type",
  "payload_too_large",
  "unauthenticated",
  "invalid_credentials",
  "forbidden",
  "not_found",
  "channel_not_found",
  "video_not_found",
  "account_not_found",
  "method_not_allowed",
  "plan_limit_reached",
  "upgrade_required",
  "oauth_failed",
  "channel_not_connected",
  "no_upload_capacity",
  "email_taken",
  "conflict",
  "idempotency_key_reused",
  "rate_limited",
  "budget_exceeded",
  "internal_error",
  "upstream_error",
  "service_unavailable",
  "provider_unavailable",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export function statusFor(code: ErrorCode): number {
  switch (code) {
    case "bad_request":
    case "malformed_json":
    case "oauth_failed":
      return 400;
    case "unauthenticated":
    case "invalid_credentials":
      return 401;
    case "forbidden":
    case "plan_limit_reached":
      return 403;
    case "not_found":
    case "channel_not_found":
    case "video_not_found":
    case "account_not_found":
      return 404;
    case "method_not_allowed":
      return 405;
    case "email_taken":
    case "conflict":
    case "channel_not_connected":
      return 409;
    case "payload_too_large":
      return 413;
    case "unsupported_media_type":
      return 415;
    case "validation_failed":
    case "idempotency_key_reused":
      return 422;
    case "budget_exceeded":
      return 402;
    case "upgrade_required":
      return 426;
    case "rate_limited":
      return 429;
    case "internal_error":
      return 500;
    case "upstream_error":
      return 502;
    case "service_unavailable":
    case "provider_unavailable":
    case "no_upload_capacity":
      return 503;
    default:
      return assertNever(code);
  }
}

const titles: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  malformed_json: "Malformed JSON",
  validation_failed: "Validation failed",
  unsupported_media_type: "Unsupported media type",
  payload_too_large: "Payload too large",
  unauthenticated: "Authentication required",
  invalid_credentials: "Invalid credentials",
  forbidden: "Forbidden",
  not_found: "Not found",
  channel_not_found: "Channel not found",
  video_not_found: "Video not found",
  account_not_found: "Upload account not found",
  plan_limit_reached: "Plan limit reached",
  upgrade_required: "WebSocket upgrade required",
  oauth_failed: "Google authorisation failed",
  channel_not_connected: "Channel not connected",
  no_upload_capacity: "No upload capacity",
  method_not_allowed: "Method not allowed",
  email_taken: "Email already registered",
  conflict: "Conflict",
  idempotency_key_reused: "Idempotency key reused",
  rate_limited: "Too many requests",
  budget_exceeded: "Budget exceeded",
  internal_error: "Internal error",
  upstream_error: "Upstream error",
  service_unavailable: "Service unavailable",
  provider_unavailable: "Provider unavailable",
};

export interface FieldError {
  path: string;
  message: string;
}

export interface ApiErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, detail: string, options: ApiErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = statusFor(code);
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  request_id?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemType(code: ErrorCode): string {
  return `https://docs.ytempire.dev/problems/${code}`;
}

/** The RFC 9457 body of an ApiError (also embedded per item in batch results). */
export function problemBody(error: ApiError, instance: string, requestId?: string): Problem {
  return {
    type: problemType(error.code),
    title: titles[error.code],
    status: error.status,
    detail: error.message,
    instance,
    code: error.code,
    ...(requestId ? { request_id: requestId } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** Renders an ApiError as a problem+json Response. */
export function problemResponse(error: ApiError, instance: string, requestId?: string): Response {
  const body = problemBody(error, instance, requestId);
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...error.headers },
  });
}

function assertNever(value: never): never {
  throw new Error(`unhandled error code: ${String(value)}`);
}
