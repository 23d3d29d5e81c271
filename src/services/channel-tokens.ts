import { and, eq, ne } from "drizzle-orm";
import { type ChannelAuthorizationRow, channelAuthorizations, channels } from "../db/schema";
import { openSecret, sealSecret } from "../lib/secret-box";
import { providerContext } from "../providers/call";
import { ProviderError } from "../providers/errors";
import { refreshAccessToken, revokeToken } from "../providers/google-oauth";
import type { ServiceDeps } from "./deps";
import { accountClientSecret, getAccount } from "./upload-accounts";

/** Additional data binding a grant's sealed tokens to its channel and account. */
export function authorizationAad(channelId: string, accountId: string): string {
  return `authorization:${channelId}:${accountId}`;
}

/** Refresh a little before expiry, so a token never dies in the middle of an upload's first request. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export type AccessTokenResult = { ok: true; accessToken: string } | { ok: false; reason: "reauth_required" };

/**
 * A usable access token for one authorisation, refreshed when near expiry. Google's `invalid_grant`
 * (revoked, expired, password changed...) cannot be cured by retrying: the authorisation is marked
 * invalid and, when it was the channel's last one, the channel becomes `reauth_required` for its owner
 * to see. Other upstream failures propagate for the caller's retry policy.
 */
export async function accessTokenFor(
  deps: ServiceDeps,
  authorization: ChannelAuthorizationRow,
  now = Date.now(),
  options: { forceRefresh?: boolean } = {},
): Promise<AccessTokenResult> {
  if (authorization.status !== "active") return { ok: false, reason: "reauth_required" };
  const aad = authorizationAad(authorization.channelId, authorization.accountId);
  const key = deps.config.ENCRYPTION_KEY;
  if (
    !options.forceRefresh &&
    authorization.accessTokenEnc &&
    authorization.accessTokenExpiresAt !== null &&
    authorization.accessTokenExpiresAt - REFRESH_MARGIN_MS > now
  ) {
    return { ok: true, accessToken: await openSecret(key, authorization.accessTokenEnc, aad) };
  }

  const account = await getAccount(deps, authorization.accountId);
  try {
    const tokens = await refreshAccessToken(providerContext(deps.env, { logger: deps.logger }), {
      clientId: account.googleClientId,
      clientSecret: await accountClientSecret(deps, account),
      refreshToken: await openSecret(key, authorization.refreshTokenEnc, aad),
    });
    await deps.db
      .update(channelAuthorizations)
      .set({
        accessTokenEnc: await sealSecret(key, tokens.accessToken, aad),
        accessTokenExpiresAt: tokens.expiresAt,
        // Google may rotate the refresh token: keep the newest.
        ...(tokens.refreshToken ? { refreshTokenEnc: await sealSecret(key, tokens.refreshToken, aad) } : {}),
        updatedAt: Date.now(),
      })
      .where(eq(channelAuthorizations.id, authorization.id));
    return { ok: true, accessToken: tokens.accessToken };
  } catch (error) {
    if (error instanceof ProviderError && error.code === "invalid_grant") {
      await invalidateAuthorization(deps, authorization);
      return { ok: false, reason: "reauth_required" };
    }
    throw error;
  }
}

async function invalidateAuthorization(deps: ServiceDeps, authorization: ChannelAuthorizationRow) {
  const now = Date.now();
  await deps.db
    .update(channelAuthorizations)
    .set({ status: "invalid", accessTokenEnc: null, accessTokenExpiresAt: null, updatedAt: now })
    .where(eq(channelAuthorizations.id, authorization.id));
  const others = await deps.db
    .select({ id: channelAuthorizations.id })
    .from(channelAuthorizations)
    .where(
      and(
        eq(channelAuthorizations.channelId, authorization.channelId),
        eq(channelAuthorizations.status, "active"),
        ne(channelAuthorizations.id, authorization.id),
      ),
    )
    .get();
  if (!others) {
    await deps.db
      .update(channels)
      .set({ status: "reauth_required", updatedAt: now })
      .where(eq(channels.id, authorization.channelId));
  }
  deps.logger.warn("channel_authorization_invalid", {
    channel_id: authorization.channelId,
    account_id: authorization.accountId,
    channel_needs_reauth: !others,
  });
}

/**
 * Revokes every Google grant of a channel (best effort: a grant Google already forgot is fine) and
 * deletes the stored tokens.
 */
export async function revokeChannelGrants(deps: ServiceDeps, channelId: string): Promise<void> {
  const grants = await deps.db
    .select()
    .from(channelAuthorizations)
    .where(eq(channelAuthorizations.channelId, channelId));
  const ctx = providerContext(deps.env, { logger: deps.logger });
  await Promise.all(
    grants.map(async (grant) => {
      try {
        const token = await openSecret(
          deps.config.ENCRYPTION_KEY,
          grant.refreshTokenEnc,
          authorizationAad(grant.channelId, grant.accountId),
        );
        await revokeToken(ctx, token);
      } catch (error) {
        deps.logger.warn("revoke_failed", { channel_id: channelId, account_id: grant.accountId, error: String(error) });
      }
    }),
  );
  await deps.db.delete(channelAuthorizations).where(eq(channelAuthorizations.channelId, channelId));
}
