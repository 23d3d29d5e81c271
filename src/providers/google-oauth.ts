import { z } from "zod";
import { fetchAll } from "../lib/http";
import { callProvider, type ProviderContext } from "./call";
import { classifyGoogleOAuth } from "./errors";
import { answerOf, isSuccess, parseBody } from "./upstream";

/**
 * Google OAuth 2.0 for web server apps with PKCE (https://developers.google.com/identity/protocols/oauth2/web-server).
 * The client id and secret are per upload account (a refresh token only works with the client that
 * issued it), so they are arguments, not config.
 */

export const youtubeScopes = {
  upload: "https://www.googleapis.com/auth/youtube.upload",
  /** Manage the account: needed by videos.update (https://developers.google.com/youtube/v3/docs/videos/update#auth). */
  manage: "https://www.googleapis.com/auth/youtube",
  readonly: "https://www.googleapis.com/auth/youtube.readonly",
  analytics: "https://www.googleapis.com/auth/yt-analytics.readonly",
  analyticsMonetary: "https://www.googleapis.com/auth/yt-analytics-monetary.readonly",
} as const;

export interface ConsentUrlInput {
  clientId: string;
  redirectUri: string;
  state: string;
  /** S256 challenge of the PKCE verifier (src/lib/pkce.ts). */
  codeChallenge: string;
  scopes: string[];
  loginHint?: string;
}

/**
 * The consent screen URL: `access_type=offline` for a refresh token, `prompt=consent` so Google
 * issues a new refresh token even when the user consented before, PKCE S256.
 */
export function consentUrl(ctx: ProviderContext, input: ConsentUrlInput): string {
  const url = new URL(ctx.config.GOOGLE_AUTH_URL);
  url.searchParams.set("client_id", input.clientId);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", input.scopes.join(" "));
  url.searchParams.set("access_type", "offline");
  url.searchParams.set("prompt", "consent");
  url.searchParams.set("include_granted_scopes", "true");
  url.searchParams.set("state", input.state);
  url.searchParams.set("code_challenge", input.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  if (input.loginHint) url.searchParams.set("login_hint", input.loginHint);
  return url.toString();
}

export interface GoogleTokens {
  accessToken: string;
  /** ms since epoch. */
  expiresAt: number;
  /** Present when Google issued a new one: keep the newest. */
  refreshToken?: string;
  scope: string;
}

const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().default(""),
  token_type: z.string().optional(),
});

async function tokenRequest(
  ctx: ProviderContext,
  operation: string,
  form: Record<string, string>,
  idempotent: boolean,
): Promise<GoogleTokens> {
  const body = new URLSearchParams(form).toString();
  return callProvider(ctx, "google_oauth", { operation, idempotent }, async (signal) => {
    const sentAt = Date.now();
    const response = await fetchAll(
      ctx.config.GOOGLE_TOKEN_URL,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
      },
      signal,
    );
    if (!isSuccess(response.status)) throw classifyGoogleOAuth(answerOf(response));
    const tokens = parseBody("google_oauth", response, tokenSchema);
    return {
      accessToken: tokens.access_token,
      // Counted from when the request left, so the expiry is never later than Google's.
      expiresAt: sentAt + tokens.expires_in * 1000,
      refreshToken: tokens.refresh_token,
      scope: tokens.scope,
    };
  });
}

export interface ExchangeCodeInput {
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

/**
 * Authorization code -> tokens. Not retried after a timeout: a code is single-use, and a second
 * try after Google consumed it would only turn a lost answer into `invalid_grant`.
 */
export function exchangeCode(ctx: ProviderContext, input: ExchangeCodeInput): Promise<GoogleTokens> {
  return tokenRequest(
    ctx,
    "token.authorization_code",
    {
      grant_type: "authorization_code",
      client_id: input.clientId,
      client_secret: input.clientSecret,
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
    },
    false,
  );
}

export interface RefreshInput {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** A new access token. `invalid_grant` (ProviderError, disposition fail) means the owner must reconnect. */
export function refreshAccessToken(ctx: ProviderContext, input: RefreshInput): Promise<GoogleTokens> {
  return tokenRequest(
    ctx,
    "token.refresh_token",
    {
      grant_type: "refresh_token",
      client_id: input.clientId,
      client_secret: input.clientSecret,
      refresh_token: input.refreshToken,
    },
    true,
  );
}

/**
 * Revokes an access or refresh token (revoking a refresh token ends its access tokens too). The token
 * goes in the form body, not the query string, so it stays out of URL logs. A token Google no longer
 * knows (`invalid_token`) counts as revoked.
 */
export async function revokeToken(ctx: ProviderContext, token: string): Promise<{ revoked: boolean }> {
  return callProvider(ctx, "google_oauth", { operation: "revoke" }, async (signal) => {
    const response = await fetchAll(
      ctx.config.GOOGLE_REVOKE_URL,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }).toString(),
      },
      signal,
    );
    if (isSuccess(response.status)) return { revoked: true };
    const error = classifyGoogleOAuth(answerOf(response));
    if (error.code === "invalid_token") return { revoked: false };
    throw error;
  });
}
