// Google OAuth 2.0 for web server apps (https://developers.google.com/identity/protocols/oauth2/web-server):
// consent (auto-approved), the token endpoint and revocation. Every consent makes a new Google account
// with its own YouTube channel unless `login_hint` names an existing account.
import { createHash } from "node:crypto";
import { parseBracketForm } from "./forms";
import { authError, googleError } from "./google-errors";
import { bearerToken, type EmuRequest, emptyReply, header, jsonReply, type Reply, type Upstream } from "./http";
import { DIGITS, randomId, URL_SAFE } from "./ids";

export interface GoogleAccount {
  id: string;
  email: string;
  channelId: string;
  channelTitle: string;
  handle: string;
  createdAt: string;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge: string;
  accountId: string;
  offline: boolean;
  issueRefresh: boolean;
  expiresAt: number;
  used: boolean;
}

interface RefreshGrant {
  token: string;
  clientId: string;
  accountId: string;
  scope: string;
  revoked: boolean;
  createdAt: number;
}

export interface AccessGrant {
  token: string;
  clientId: string;
  accountId: string;
  scopes: string[];
  expiresAt: number;
  refreshToken?: string;
  revoked: boolean;
}

/** What survives a restart of `npm start`'s emulator (see persistence.ts). */
export interface GoogleSnapshot {
  accounts: GoogleAccount[];
  /** [client_id, client_secret]: a client's secret stays fixed once shown, across restarts too. */
  clients: Array<[string, string]>;
  codes: Array<[string, AuthCode]>;
  refreshGrants: RefreshGrant[];
  accessGrants: AccessGrant[];
  /** `account_id|client_id` pairs that consented once (later consents issue no new refresh token). */
  consented: string[];
  accountCounter: number;
}

export type AuthResult = { ok: true; grant: AccessGrant; account: GoogleAccount } | { ok: false; reply: Reply };

const ACCESS_TOKEN_SECONDS = 3599;
/** Google keeps at most this many live refresh tokens per account and client; older ones stop working. */
const MAX_REFRESH_TOKENS = 100;
const SCOPE_PREFIX = "https://www.googleapis.com/auth/";

const tokenError = (status: number, error: string, description: string) =>
  jsonReply(status, { error, error_description: description });

function htmlError(message: string): Reply {
  // Google shows an error page (it never redirects to an unverified redirect_uri).
  return {
    status: 400,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: `<!doctype html><title>Error 400: invalid_request</title><h1>Access blocked: Authorization Error</h1><p>Error 400: invalid_request</p><p>${message.replace(/</g, "&lt;")}</p>`,
  };
}

const presets: Record<string, () => Reply> = {
  invalid_grant: () => tokenError(400, "invalid_grant", "Token has been expired or revoked."),
  server_error: () => tokenError(500, "internal_failure", "Backend Error"),
};

export class GoogleOAuthEmulator implements Upstream {
  readonly name = "google" as const;
  readonly presets = presets;
  readonly behaviours = ["consent_denied"] as const;
  readonly accounts = new Map<string, GoogleAccount>();
  private clients = new Map<string, string>();
  private codes = new Map<string, AuthCode>();
  private refreshTokens = new Map<string, RefreshGrant>();
  private accessTokens = new Map<string, AccessGrant>();
  private consented = new Set<string>();
  private accountCounter = 0;

  reset(): void {
    this.accounts.clear();
    this.clients.clear();
    this.codes.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
    this.consented.clear();
  }

  snapshot(): GoogleSnapshot {
    const now = Date.now();
    return {
      accounts: [...this.accounts.values()],
      clients: [...this.clients],
      codes: [...this.codes].filter(([, code]) => !code.used && code.expiresAt > now),
      // Revoked refresh grants are kept (they must stay refused); expired access tokens can never work
      // again (nothing extends them), so they are dropped rather than piling up run after run.
      refreshGrants: [...this.refreshTokens.values()],
      accessGrants: [...this.accessTokens.values()].filter((grant) => grant.expiresAt > now),
      consented: [...this.consented],
      accountCounter: this.accountCounter,
    };
  }

  restore(snapshot: GoogleSnapshot): void {
    this.reset();
    for (const account of snapshot.accounts) this.accounts.set(account.id, account);
    for (const [id, secret] of snapshot.clients) this.clients.set(id, secret);
    for (const [code, grant] of snapshot.codes) this.codes.set(code, grant);
    for (const grant of snapshot.refreshGrants) this.refreshTokens.set(grant.token, grant);
    for (const grant of snapshot.accessGrants) this.accessTokens.set(grant.token, grant);
    for (const pair of snapshot.consented) this.consented.add(pair);
    this.accountCounter = snapshot.accountCounter;
  }

  errorReply(status: number, message: string): Reply {
    return tokenError(status, status >= 500 ? "internal_failure" : "invalid_request", message);
  }

  handle(req: EmuRequest): Reply {
    if (req.method === "GET" && req.path === "/accounts/o/oauth2/v2/auth") return this.consent(req);
    if (req.method === "POST" && req.path === "/oauth2/token") return this.token(req);
    if (req.method === "POST" && req.path === "/oauth2/revoke") return this.revokeEndpoint(req);
    return googleError(404, "notFound", `${req.method} ${req.path} not found`, "global");
  }

  /** The consent screen, auto-approved: https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient */
  private consent(req: EmuRequest): Reply {
    const q = req.query;
    const clientId = q.get("client_id");
    const redirectUri = q.get("redirect_uri");
    if (!clientId) return htmlError("Missing required parameter: client_id");
    if (!redirectUri || !/^https?:\/\//.test(redirectUri))
      return htmlError("Missing or invalid parameter: redirect_uri");
    if (!q.get("scope")) return htmlError("Missing required parameter: scope");
    const state = q.get("state");
    const redirect = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      if (state !== null) target.searchParams.set("state", state);
      return emptyReply(302, { location: target.toString() });
    };
    if (q.get("response_type") !== "code") return redirect({ error: "unsupported_response_type" });
    // This project always sends state and PKCE (S256); the emulator insists so a missing one is caught.
    if (!state) return htmlError("Missing required parameter: state");
    const challenge = q.get("code_challenge");
    if (!challenge || q.get("code_challenge_method") !== "S256") {
      return htmlError("Missing code_challenge or code_challenge_method other than S256");
    }
    const accessType = q.get("access_type") ?? "online";
    if (!["online", "offline"].includes(accessType)) return htmlError(`Invalid access_type: ${accessType}`);
    const scopes = (q.get("scope") ?? "").split(/\s+/).filter(Boolean);
    const unknown = scopes.find((s) => !s.startsWith(SCOPE_PREFIX) && !["openid", "email", "profile"].includes(s));
    if (unknown) return redirect({ error: "invalid_scope" });
    if (req.preset === "consent_denied") return redirect({ error: "access_denied" });

    if (!this.clients.has(clientId)) this.clients.set(clientId, "");
    const account = this.accountFor(q.get("login_hint"));
    const pairKey = `${account.id}|${clientId}`;
    const offline = accessType === "offline";
    // A refresh token comes with the first offline consent of an account to a client, or with prompt=consent.
    const issueRefresh = offline && (!this.consented.has(pairKey) || (q.get("prompt") ?? "").includes("consent"));
    this.consented.add(pairKey);
    const code = `4/0${randomId(70, URL_SAFE)}`;
    const scope = scopes.join(" ");
    this.codes.set(code, {
      clientId,
      redirectUri,
      scope,
      challenge,
      accountId: account.id,
      offline,
      issueRefresh,
      expiresAt: Date.now() + 10 * 60_000,
      used: false,
    });
    return redirect({ code, scope, authuser: "0", prompt: "consent" });
  }

  private accountFor(loginHint: string | null): GoogleAccount {
    if (loginHint) {
      for (const account of this.accounts.values()) {
        if (account.email === loginHint || account.id === loginHint || account.channelId === loginHint) return account;
      }
    }
    this.accountCounter += 1;
    const n = this.accountCounter;
    const id = `1${randomId(20, DIGITS)}`;
    const account: GoogleAccount = {
      id,
      email: loginHint?.includes("@") ? loginHint : `creator${n}.${id.slice(-6)}@emulator.test`,
      channelId: `UC${randomId(22, URL_SAFE)}`,
      channelTitle: `Emulated Channel ${n}`,
      handle: `@emulatedchannel${n}${id.slice(-4)}`,
      createdAt: new Date().toISOString(),
    };
    this.accounts.set(id, account);
    return account;
  }

  /** https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code */
  private token(req: EmuRequest): Reply {
    const form = parseBracketForm(req.body.toString("utf8"));
    const field = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : undefined);
    let clientId = field("client_id");
    let clientSecret = field("client_secret");
    const basic = header(req, "authorization")?.match(/^Basic\s+(\S+)$/i)?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, "base64").toString("utf8").split(":");
      clientId = id ? decodeURIComponent(id) : clientId;
      clientSecret = secret !== undefined ? decodeURIComponent(secret) : clientSecret;
    }
    if (!clientId) return tokenError(400, "invalid_request", "Could not determine client ID from request.");
    if (!clientSecret) return tokenError(400, "invalid_request", "client_secret is missing.");
    // Any client is accepted the first time it shows its secret; from then on the pair is fixed.
    const known = this.clients.get(clientId);
    if (known && known !== clientSecret) return tokenError(401, "invalid_client", "Unauthorized");
    this.clients.set(clientId, clientSecret);

    const grantType = field("grant_type");
    if (grantType === "authorization_code") return this.exchangeCode(clientId, field);
    if (grantType === "refresh_token") return this.refresh(clientId, field("refresh_token"));
    return tokenError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
  }

  private exchangeCode(clientId: string, field: (name: string) => string | undefined): Reply {
    const code = this.codes.get(field("code") ?? "");
    if (!code) return tokenError(400, "invalid_grant", "Malformed auth code.");
    if (code.used || code.expiresAt < Date.now()) return tokenError(400, "invalid_grant", "Bad Request");
    code.used = true; // single use, whatever happens next
    if (code.clientId !== clientId) return tokenError(400, "invalid_grant", "Bad Request");
    if (field("redirect_uri") !== code.redirectUri) return tokenError(400, "redirect_uri_mismatch", "Bad Request");
    const verifier = field("code_verifier");
    if (!verifier) return tokenError(400, "invalid_grant", "Missing code verifier.");
    const computed = createHash("sha256").update(verifier).digest("base64url");
    if (computed !== code.challenge) return tokenError(400, "invalid_grant", "Invalid code verifier.");

    let refreshToken: string | undefined;
    if (code.issueRefresh) {
      refreshToken = `1//0${randomId(100, URL_SAFE)}`;
      this.refreshTokens.set(refreshToken, {
        token: refreshToken,
        clientId,
        accountId: code.accountId,
        scope: code.scope,
        revoked: false,
        createdAt: Date.now(),
      });
      this.trimRefreshTokens(code.accountId, clientId);
    }
    const access = this.issueAccess(clientId, code.accountId, code.scope, refreshToken);
    return jsonReply(200, {
      access_token: access.token,
      expires_in: ACCESS_TOKEN_SECONDS,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope: code.scope,
      token_type: "Bearer",
    });
  }

  private trimRefreshTokens(accountId: string, clientId: string): void {
    const live = [...this.refreshTokens.values()].filter(
      (t) => !t.revoked && t.accountId === accountId && t.clientId === clientId,
    );
    for (const old of live.slice(0, Math.max(0, live.length - MAX_REFRESH_TOKENS))) this.revokeGrant(old.token);
  }

  /** https://developers.google.com/identity/protocols/oauth2/web-server#offline */
  private refresh(clientId: string, token: string | undefined): Reply {
    const grant = this.refreshTokens.get(token ?? "");
    if (!grant || grant.revoked) return tokenError(400, "invalid_grant", "Token has been expired or revoked.");
    // A refresh token works only with the client (project) that issued it.
    if (grant.clientId !== clientId) return tokenError(400, "unauthorized_client", "Unauthorized");
    const access = this.issueAccess(clientId, grant.accountId, grant.scope, grant.token);
    return jsonReply(200, {
      access_token: access.token,
      expires_in: ACCESS_TOKEN_SECONDS,
      scope: grant.scope,
      token_type: "Bearer",
    });
  }

  private issueAccess(clientId: string, accountId: string, scope: string, refreshToken?: string): AccessGrant {
    const grant: AccessGrant = {
      token: `ya29.a0${randomId(150, URL_SAFE)}`,
      clientId,
      accountId,
      scopes: scope.split(" ").filter(Boolean),
      expiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000,
      refreshToken,
      revoked: false,
    };
    this.accessTokens.set(grant.token, grant);
    return grant;
  }

  /** https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke */
  private revokeEndpoint(req: EmuRequest): Reply {
    const form = parseBracketForm(req.body.toString("utf8"));
    const token = typeof form.token === "string" ? form.token : (req.query.get("token") ?? "");
    if (!this.revokeGrant(token)) return tokenError(400, "invalid_token", "Token expired or revoked");
    return { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body: "{}" };
  }

  /** Revoking either token revokes the whole grant: the refresh token and every access token from it. */
  revokeGrant(token: string): boolean {
    const access = this.accessTokens.get(token);
    const refreshToken = access ? access.refreshToken : token;
    const refresh = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
    if ((!access || access.revoked) && (!refresh || refresh.revoked)) return false;
    if (access) access.revoked = true;
    if (refresh) {
      refresh.revoked = true;
      for (const grant of this.accessTokens.values()) if (grant.refreshToken === refresh.token) grant.revoked = true;
    }
    return true;
  }

  /** Control API: make live access tokens expire now (all, or those of a channel, client or token). */
  expireAccessTokens(filter: { channel_id?: string; client_id?: string; access_token?: string }): number {
    let count = 0;
    for (const grant of this.accessTokens.values()) {
      const account = this.accounts.get(grant.accountId);
      if (filter.channel_id && account?.channelId !== filter.channel_id) continue;
      if (filter.client_id && grant.clientId !== filter.client_id) continue;
      if (filter.access_token && grant.token !== filter.access_token) continue;
      if (grant.expiresAt > Date.now()) {
        grant.expiresAt = Date.now() - 1;
        count++;
      }
    }
    return count;
  }

  /** Checks `Authorization: Bearer` against live access tokens and the scopes a call needs. */
  authenticate(req: EmuRequest, anyOfScopes: string[]): AuthResult {
    const token = bearerToken(req);
    const grant = token ? this.accessTokens.get(token) : undefined;
    const account = grant ? this.accounts.get(grant.accountId) : undefined;
    if (!grant || !account || grant.revoked || grant.expiresAt <= Date.now()) return { ok: false, reply: authError() };
    const has = anyOfScopes.some((scope) => grant.scopes.includes(SCOPE_PREFIX + scope));
    if (!has) {
      return {
        ok: false,
        reply: googleError(403, "insufficientPermissions", "Request had insufficient authentication scopes.", "global"),
      };
    }
    return { ok: true, grant, account };
  }

  accountByChannel(channelId: string): GoogleAccount | undefined {
    for (const account of this.accounts.values()) if (account.channelId === channelId) return account;
    return undefined;
  }
}
