import type { Hook } from "@hono/zod-openapi";
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env as HonoEnv } from "hono";
import { ApiError, errorCodes, type FieldError, PROBLEM_CONTENT_TYPE } from "./errors";

/** A problem lists this many issues at most, so a hostile body cannot make a huge answer. */
const MAX_FIELD_ERRORS = 50;

/** Turns zod issues into `errors: [{path, message}]`, every issue, never zod's raw output. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], target: string): FieldError[] {
  const errors = issues.slice(0, MAX_FIELD_ERRORS).map((issue) => ({
    path: [target, ...issue.path.map(String)].join(".").slice(0, 200),
    message: issue.message.slice(0, 300),
  }));
  if (issues.length > MAX_FIELD_ERRORS) {
    errors.push({ path: target, message: `...and ${issues.length - MAX_FIELD_ERRORS} more problems` });
  }
  return errors;
}

const targetNames: Record<string, string> = { json: "body", query: "query", param: "path", header: "header" };

/** Every API router is built here so none forgets the validation hook. */
export function createRouter<E extends HonoEnv>() {
  // A failed schema is a 422 problem listing every issue; the handler never runs.
  const validationHook: Hook<unknown, E, string, unknown> = (result) => {
    if (result.success) return;
    const target = targetNames[result.target] ?? result.target;
    const errors = fieldErrors(result.error.issues, target);
    throw new ApiError("validation_failed", `The request ${target} is invalid: ${errors.length} problem(s).`, {
      errors,
    });
  };
  return new OpenAPIHono<E>({ defaultHook: validationHook });
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://docs.ytempire.dev/problems/validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.enum(errorCodes),
    request_id: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const errorDescriptions = {
  400: "Malformed request (for example, JSON that does not parse)",
  401: "Missing, invalid or expired credentials",
  402: "Over the per-video cost cap",
  403: "Authenticated but not allowed",
  404: "No such resource, or it belongs to someone else",
  409: "Conflicts with the current state",
  413: "Body larger than the limit",
  415: "Body is not application/json",
  422: "Body, query or path failed validation; `errors` lists every problem",
  426: "Not a WebSocket upgrade",
  429: "Rate limited; retry after `Retry-After` seconds",
  500: "Internal error; quote `request_id` when reporting it",
} as const;

export type ErrorStatus = keyof typeof errorDescriptions;

/** Documented problem responses for a route: spread into `responses`. */
export function errorResponses(...statuses: ErrorStatus[]) {
  const all: ErrorStatus[] = [...new Set<ErrorStatus>([...statuses, 429, 500])];
  return Object.fromEntries(
    all.map((status) => [
      status,
      { description: errorDescriptions[status], content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } },
    ]),
  ) as unknown as Record<
    ErrorStatus,
    { description: string; content: Record<string, { schema: typeof ProblemSchema }> }
  >;
}

/** A required JSON request body: wrong content type is 415, bad JSON 400, failed schema 422. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

/** A JSON response for `responses`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}
