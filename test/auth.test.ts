import { env } from "cloudflare:workers";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { call, expectProblem, freshIp, json, signupUser, uniqueEmail } from "./helpers";

const SECRET = new TextEncoder().encode(env.JWT_SECRET as string);
const ISSUER = env.JWT_ISSUER as string;
const AUDIENCE = env.JWT_AUDIENCE as string;

function token(overrides: { secret?: Uint8Array; aud?: string; exp?: number; nbf?: number; sub?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: "user" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(overrides.sub ?? "usr_nobody")
    .setIssuer(ISSUER)
    .setAudience(overrides.aud ?? AUDIENCE)
    .setIssuedAt(now)
    .setNotBefore(overrides.nbf ?? now)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(overrides.secret ?? SECRET);
}

describe("signup, login, me, refresh, logout", () => {
  it("runs the whole flow", async () => {
    const email = uniqueEmail("flow");
    const password = "correct horse battery";
    const signup = await call("/v1/auth/signup", { body: { email, password, name: "Ada" } });
    expect(signup.status, await signup.clone().text()).toBe(201);
    const created = await json<{ user: { id: string; email: string; role: string } }>(signup);
    expect(created.user).toMatchObject({ email, role: "user" });
    expect(JSON.stringify(created)).not.toContain("password");

    const login = await call("/v1/auth/login", { body: { email: email.toUpperCase(), password } });
    expect(login.status, await login.clone().text()).toBe(200);
    const session = await json<{ access_token: string; refresh_token: string; expires_in: number }>(login);
    expect(session.expires_in).toBe(900);

    const me = await call("/v1/users/me", { token: session.access_token });
    expect(me.status).toBe(200);
    expect(await json(me)).toMatchObject({ id: created.user.id, email, name: "Ada" });

    const refreshed = await call("/v1/auth/refresh", { body: { refresh_token: session.refresh_token } });
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    const next = await json<{ access_token: string; refresh_token: string }>(refreshed);
    expect(next.refresh_token).not.toBe(session.refresh_token);
    expect((await call("/v1/users/me", { token: next.access_token })).status).toBe(200);

    expect((await call("/v1/auth/logout", { body: { refresh_token: next.refresh_token } })).status).toBe(204);
    await expectProblem(
      await call("/v1/auth/refresh", { body: { refresh_token: next.refresh_token } }),
      401,
      "unauthenticated",
    );
  });

  it("stores the password hashed with PBKDF2 and a per-user salt", async () => {
    const a = await signupUser();
    const b = await signupUser();
    const rows = await env.DB.prepare("SELECT password_hash FROM users WHERE id IN (?, ?)")
      .bind(a.id, b.id)
      .all<{ password_hash: string }>();
    const [hashA, hashB] = rows.results.map((r) => r.password_hash);
    expect(hashA).toMatch(/^pbkdf2_sha256\$100000\$/);
    expect(hashA?.split("$")[2]).not.toBe(hashB?.split("$")[2]);
    expect(hashA).not.toContain(a.password);
  });

  it("a taken email -> 409", async () => {
    const user = await signupUser();
    await expectProblem(
      await call("/v1/auth/signup", { body: { email: user.email, password: "another-password" } }),
      409,
      "email_taken",
    );
  });

  it("login does not reveal whether an email exists", async () => {
    const user = await signupUser();
    const wrongPassword = await expectProblem(
      await call("/v1/auth/login", { body: { email: user.email, password: "wrong-password" } }),
      401,
      "invalid_credentials",
    );
    const unknownEmail = await expectProblem(
      await call("/v1/auth/login", { body: { email: uniqueEmail("ghost"), password: "wrong-password" } }),
      401,
      "invalid_credentials",
    );
    expect(unknownEmail.detail).toBe(wrongPassword.detail);
  });

  it("the 11th failed login in a minute -> 429 for that account from that IP; the owner elsewhere still gets in", async () => {
    const user = await signupUser();
    const ip = freshIp();
    for (let i = 0; i < 10; i++) {
      const res = await call("/v1/auth/login", { ip, body: { email: user.email, password: `wrong-${i}` } });
      await expectProblem(res, 401, "invalid_credentials");
    }
    const eleventh = await call("/v1/auth/login", { ip, body: { email: user.email, password: user.password } });
    expect(Number(eleventh.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(eleventh, 429, "rate_limited");
    // A stranger's guesses do not lock the owner out from another place.
    const owner = await call("/v1/auth/login", { body: { email: user.email, password: user.password } });
    expect(owner.status).toBe(200);
  });

  it("guesses spread over many IPs hit the account-wide limit (50 a minute)", async () => {
    const user = await signupUser();
    for (let i = 0; i < 50; i++) {
      await call("/v1/auth/login", { body: { email: user.email.toUpperCase(), password: `wrong-${i}` } });
    }
    await expectProblem(
      await call("/v1/auth/login", { body: { email: user.email, password: user.password } }),
      429,
      "rate_limited",
    );
  });

  it("successful logins never count as failures", async () => {
    const user = await signupUser();
    const ip = freshIp();
    for (let i = 0; i < 12; i++) {
      const res = await call("/v1/auth/login", { ip, body: { email: user.email, password: user.password } });
      expect(res.status, `login ${i + 1}`).toBe(200);
    }
  });

  it("token responses are never cached", async () => {
    const user = await signupUser();
    const res = await call("/v1/auth/login", { body: { email: user.email, password: user.password } });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("access tokens", () => {
  it("alg none -> 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = new UnsecuredJWT({ role: "admin" })
      .setSubject("usr_x")
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .encode();
    await expectProblem(await call("/v1/users/me", { token: unsigned }), 401, "unauthenticated");
  });

  it("signed with a wrong key -> 401", async () => {
    const user = await signupUser();
    const forged = await token({ sub: user.id, secret: new TextEncoder().encode("x".repeat(48)) });
    await expectProblem(await call("/v1/users/me", { token: forged }), 401, "unauthenticated");
  });

  it("expired -> 401 (beyond the 30 s skew)", async () => {
    const user = await signupUser();
    const now = Math.floor(Date.now() / 1000);
    const expired = await token({ sub: user.id, exp: now - 120, nbf: now - 1000 });
    await expectProblem(await call("/v1/users/me", { token: expired }), 401, "unauthenticated");
  });

  it("not yet valid -> 401", async () => {
    const user = await signupUser();
    const future = await token({ sub: user.id, nbf: Math.floor(Date.now() / 1000) + 600 });
    await expectProblem(await call("/v1/users/me", { token: future }), 401, "unauthenticated");
  });

  it("wrong audience -> 401", async () => {
    const user = await signupUser();
    const other = await token({ sub: user.id, aud: "some-other-api" });
    await expectProblem(await call("/v1/users/me", { token: other }), 401, "unauthenticated");
  });

  it("a well-formed token within the skew is accepted", async () => {
    const user = await signupUser();
    const valid = await token({ sub: user.id });
    expect((await call("/v1/users/me", { token: valid })).status).toBe(200);
  });
});

describe("refresh tokens", () => {
  it("reuse of a spent token revokes the whole family", async () => {
    const user = await signupUser();
    const first = await call("/v1/auth/refresh", { body: { refresh_token: user.refreshToken } });
    expect(first.status).toBe(200);
    const { refresh_token: second } = await json<{ refresh_token: string }>(first);

    // The original token again: a copy is in someone else's hands.
    await expectProblem(
      await call("/v1/auth/refresh", { body: { refresh_token: user.refreshToken } }),
      401,
      "unauthenticated",
    );
    // Its successor, never used, dies with the family.
    await expectProblem(await call("/v1/auth/refresh", { body: { refresh_token: second } }), 401, "unauthenticated");
    const live = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL",
    )
      .bind(user.id)
      .first<{ n: number }>();
    expect(live?.n).toBe(0);
  });

  it("another login's family is untouched by a reuse", async () => {
    const user = await signupUser();
    const login = await call("/v1/auth/login", { body: { email: user.email, password: user.password } });
    const other = await json<{ refresh_token: string }>(login);
    await call("/v1/auth/refresh", { body: { refresh_token: user.refreshToken } });
    await call("/v1/auth/refresh", { body: { refresh_token: user.refreshToken } });
    expect((await call("/v1/auth/refresh", { body: { refresh_token: other.refresh_token } })).status).toBe(200);
  });

  it("tokens are stored hashed", async () => {
    const user = await signupUser();
    const row = await env.DB.prepare("SELECT token_hash FROM refresh_tokens WHERE user_id = ?")
      .bind(user.id)
      .first<{ token_hash: string }>();
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.token_hash).not.toBe(user.refreshToken);
  });

  it("an unknown refresh token -> 401; logout with one -> 204", async () => {
    await expectProblem(
      await call("/v1/auth/refresh", { body: { refresh_token: "rt_unknown" } }),
      401,
      "unauthenticated",
    );
    expect((await call("/v1/auth/logout", { body: { refresh_token: "rt_unknown" } })).status).toBe(204);
  });
});
