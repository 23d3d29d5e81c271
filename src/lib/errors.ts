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
  "method_not_allowed",
  "email_taken",
  "conflict",
  "idempotency_key_reused",
  "rate_limited",
  "internal_error",
  "service_unavailable",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export function statusFor(code: ErrorCode): number {
  switch (code) {
    case "bad_request":
    case "malformed_json":
      return 400;
    case "unauthenticated":
    case "invalid_credentials":
      return 401;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "method_not_allowed":
      return 405;
    case "email_taken":
    case "conflict":
      return 409;
    case "payload_too_large":
      return 413;
    case "unsupported_media_type":
      return 415;
    case "validation_failed":
    case "idempotency_key_reused":
      return 422;
    case "rate_limited":
      return 429;
    case "internal_error":
      return 500;
    case "service_unavailable":
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
  method_not_allowed: "Method not allowed",
  email_taken: "Email already registered",
  conflict: "Conflict",
  idempotency_key_reused: "Idempotency key reused",
  rate_limited: "Too many requests",
  internal_error: "Internal error",
  service_unavailable: "Service unavailable",
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

/** Renders an ApiError as a problem+json Response. */
export function problemResponse(error: ApiError, instance: string, requestId?: string): Response {
  const body: Problem = {
    type: problemType(error.code),
    title: titles[error.code],
    status: error.status,
    detail: error.message,
    instance,
    code: error.code,
    ...(requestId ? { request_id: requestId } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...error.headers },
  });
}

function assertNever(value: never): never {
  throw new Error(`unhandled error code: ${String(value)}`);
}
