import { and, eq, isNull } from "drizzle-orm";
import { type ChannelRow, channelAuthorizations, channels, oauthSessions, type UploadAccountRow } from "../db/schema";
import { timingSafeEqual } from "../lib/crypto";
import { utf8 } from "../lib/encoding";
import { ApiError } from "../lib/errors";
import { hmacSha256Hex } from "../lib/hmac";
import { newId } from "../lib/ids";
import { createPkcePair } from "../lib/pkce";
import { sealSecret } from "../lib/secret-box";
import { providerContext } from "../providers/call";
import { ProviderError } from "../providers/errors";
import { consentUrl, exchangeCode, youtubeScopes } from "../providers/google-oauth";
import { getMyChannel } from "../providers/youtube";
import { chooseAccountForConnection } from "./account-selection";
import { authorizationAad } from "./channel-tokens";
import { getOwnedChannel } from "./channels";
import type { ServiceDeps } from "./deps";
import { withQuota } from "./quota";
import { accountClientSecret, getAccount, isHealthy, quotaCounter } from "./upload-accounts";

/**
 * Connecting a channel to YouTube: OAuth 2.0 authorization code with PKCE and offline access, through
 * the OAuth client of one upload account. The consent is a browser round trip, so the callback is not
 * authenticated by a token: the `state` is. It names a single-use, 10-minute session row (which holds
 * the PKCE verifier server-side and the user and channel it belongs to) and carries an HMAC, so it
 * cannot be forged, tampered with or replayed.
 */

const SESSION_TTL_MS = 10 * 60 * 1000;
const SCOPES = [youtubeScopes.upload, youtubeScopes.readonly, youtubeScopes.analytics];

function callbackUrl(deps: ServiceDeps): string {
  return new URL("/v1/oauth/google/callback", deps.config.PUBLIC_BASE_URL).href;
}

function stateMac(deps: ServiceDeps, sessionId: string, userId: string, channelId: string) {
  return hmacSha256Hex(deps.config.SIGNING_SECRET, `oauth-state:${sessionId}:${userId}:${channelId}`);
}

export async function startConnect(
  deps: ServiceDeps,
  userId: string,
  channelId: string,
  options: { returnUrl?: string },
) {
  const channel = await getOwnedChannel(deps, userId, channelId);
  if (options.returnUrl && !deps.config.CORS_ORIGINS.includes(new URL(options.returnUrl).origin)) {
    throw new ApiError("validation_failed", "return_url must be on an allowed frontend origin.", {
      errors: [{ path: "body.return_url", message: "Origin not in CORS_ORIGINS" }],
    });
  }
  const account = await accountForConnect(deps, channel);
  const pkce = await createPkcePair();
  const now = Date.now();
  const sessionId = newId("oas", now);
  await deps.db.insert(oauthSessions).values({
    id: sessionId,
    userId,
    channelId,
    accountId: account.id,
    codeVerifier: pkce.verifier,
    returnUrl: options.returnUrl ?? null,
    expiresAt: now + SESSION_TTL_MS,
    createdAt: now,
  });
  const state = `${sessionId}.${await stateMac(deps, sessionId, userId, channelId)}`;
  const url = consentUrl(providerContext(deps.env, { logger: deps.logger }), {
    clientId: account.googleClientId,
    redirectUri: callbackUrl(deps),
    state,
    codeChallenge: pkce.challenge,
    scopes: SCOPES,
  });
  return { authorization_url: url, expires_at: new Date(now + SESSION_TTL_MS).toISOString() };
}

/**
 * Reconnecting goes back to the account the channel was authorised under (its videos' project) while
 * that account can serve; otherwise the channel gains an authorisation under another one.
 */
async function accountForConnect(deps: ServiceDeps, channel: ChannelRow): Promise<UploadAccountRow> {
  const previous = await deps.db
    .select({ accountId: channelAuthorizations.accountId })
    .from(channelAuthorizations)
    .where(eq(channelAuthorizations.channelId, channel.id))
    .get();
  if (previous) {
    const account = await getAccount(deps, previous.accountId);
    // The callback spends a channels.list there: with its quota gone, connect through another account.
    const room = (await quotaCounter(deps.env, account.id).headroom()).calls["channels.list"];
    if (account.status !== "disabled" && isHealthy(account) && room > 0) return account;
  }
  return chooseAccountForConnection(deps);
}

export interface CallbackQuery {
  state?: string;
  code?: string;
  error?: string;
}

export type CallbackOutcome =
  | { kind: "connected"; channel: ChannelRow; returnUrl: string | null }
  | { kind: "failed"; error: ApiError; channelId: string; returnUrl: string | null };

const failed = (detail: string) => new ApiError("oauth_failed", detail);

/**
 * Finishes a consent. Anything wrong with the state is a plain 400 (we cannot tell whose it is); once
 * the session is known, failures are reported against its channel (and its return_url, if any).
 */
export async function finishConnect(deps: ServiceDeps, query: CallbackQuery): Promise<CallbackOutcome> {
  const session = await claimSession(deps, query.state);
  const fail = (error: ApiError): CallbackOutcome => ({
    kind: "failed",
    error,
    channelId: session.channelId,
    returnUrl: session.returnUrl,
  });
  if (query.error) {
    return fail(failed(`Google did not grant access (${query.error}). Connect again and allow access.`));
  }
  if (!query.code) return fail(failed("Google's answer carried no authorisation code."));

  try {
    const channel = await connectWithCode(deps, session, query.code);
    return { kind: "connected", channel, returnUrl: session.returnUrl };
  } catch (error) {
    if (error instanceof ApiError) return fail(error);
    if (error instanceof ProviderError && error.code === "invalid_grant") {
      return fail(failed("The authorisation code was already used or has expired. Connect again."));
    }
    throw error;
  }
}

async function claimSession(deps: ServiceDeps, state: string | undefined) {
  const [sessionId, mac] = (state ?? "").split(".");
  if (!sessionId || !mac) throw failed("The state parameter is missing or malformed.");
  const session = await deps.db.select().from(oauthSessions).where(eq(oauthSessions.id, sessionId)).get();
  const expected = session ? await stateMac(deps, session.id, session.userId, session.channelId) : "";
  if (!session || !timingSafeEqual(utf8.encode(mac), utf8.encode(expected))) {
    throw failed("The state parameter is not one this API issued.");
  }
  const now = Date.now();
  if (session.expiresAt <= now) throw failed("This consent link has expired. Connect again.");
  const claimed = await deps.db
    .update(oauthSessions)
    .set({ usedAt: now })
    .where(and(eq(oauthSessions.id, session.id), isNull(oauthSessions.usedAt)))
    .returning({ id: oauthSessions.id })
    .get();
  if (!claimed) throw failed("This consent was already completed. Connect again to start a new one.");
  return session;
}

async function connectWithCode(
  deps: ServiceDeps,
  session: typeof oauthSessions.$inferSelect,
  code: string,
): Promise<ChannelRow> {
  const account = await getAccount(deps, session.accountId);
  const ctx = providerContext(deps.env, { logger: deps.logger });
  const tokens = await exchangeCode(ctx, {
    clientId: account.googleClientId,
    clientSecret: await accountClientSecret(deps, account),
    code,
    redirectUri: callbackUrl(deps),
    codeVerifier: session.codeVerifier,
  });
  if (!tokens.refreshToken) throw failed("Google granted no offline access. Connect again and allow access.");
  const youtube = await withQuota(deps, account.id, "channels.list", "connect", () =>
    getMyChannel(ctx, tokens.accessToken),
  ).catch((error: unknown) => {
    if (error instanceof ProviderError && error.code === "channel_not_found") {
      throw failed("This Google account has no YouTube channel. Create one, then connect again.");
    }
    throw error;
  });

  const channel = await deps.db.select().from(channels).where(eq(channels.id, session.channelId)).get();
  if (!channel) throw failed("The channel was deleted during the consent.");
  if (channel.youtubeChannelId && channel.youtubeChannelId !== youtube.id) {
    throw failed(
      `This channel is linked to YouTube channel ${channel.youtubeChannelId}; sign in with that channel's Google account.`,
    );
  }
  const twin = await deps.db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.userId, session.userId), eq(channels.youtubeChannelId, youtube.id)))
    .get();
  if (twin && twin.id !== channel.id) throw failed(`That YouTube channel is already connected as ${twin.id}.`);

  const now = Date.now();
  const aad = authorizationAad(channel.id, account.id);
  const sealed = {
    refreshTokenEnc: await sealSecret(deps.config.ENCRYPTION_KEY, tokens.refreshToken, aad),
    accessTokenEnc: await sealSecret(deps.config.ENCRYPTION_KEY, tokens.accessToken, aad),
    accessTokenExpiresAt: tokens.expiresAt,
    scopes: tokens.scope,
    status: "active" as const,
    updatedAt: now,
  };
  const [, updated] = await deps.db.batch([
    deps.db
      .insert(channelAuthorizations)
      .values({ id: newId("cau", now), channelId: channel.id, accountId: account.id, createdAt: now, ...sealed })
      .onConflictDoUpdate({
        target: [channelAuthorizations.channelId, channelAuthorizations.accountId],
        set: sealed,
      }),
    deps.db
      .update(channels)
      .set({ status: "connected", youtubeChannelId: youtube.id, youtubeTitle: youtube.title, updatedAt: now })
      .where(eq(channels.id, channel.id))
      .returning(),
  ]);
  deps.logger.info("channel_connected", { channel_id: channel.id, account_id: account.id });
  return updated[0] ?? channel;
}
