// Google API error bodies (https://developers.google.com/youtube/v3/docs/errors):
// {"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}.
import { jsonReply, type Reply } from "./http";

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

export function googleError(
  code: number,
  reason: string,
  message: string,
  domain = "youtube.api",
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(
    code,
    {
      error: {
        code,
        message,
        errors: [{ message, domain, reason, ...extra }],
        ...(STATUS_NAMES[code] ? { status: STATUS_NAMES[code] } : {}),
      },
    },
    headers,
  );
}

export const authError = () =>
  googleError(
    401,
    "authError",
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    "global",
    { location: "Authorization", locationType: "header" },
    { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
  );

export const insufficientScopes = () =>
  googleError(
    403,
    "insufficientPermissions",
    "Request had insufficient authentication scopes.",
    "global",
    {},
    {
      "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"',
    },
  );

export const quotaExceeded = () =>
  googleError(
    403,
    "quotaExceeded",
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
    "youtube.quota",
  );

export const uploadLimitExceeded = () =>
  googleError(
    400,
    "uploadLimitExceeded",
    "The user has exceeded the number of videos they may upload.",
    "youtube.video",
  );

export const rateLimitExceeded = () => googleError(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits");

export const thumbnailForbidden = () =>
  googleError(
    403,
    "forbidden",
    "The authenticated user doesn't have permissions for uploading and setting custom video thumbnails.",
    "youtube.thumbnail",
  );
