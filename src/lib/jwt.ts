import { jwtVerify, SignJWT } from "jose";
import { utf8 } from "./encoding";

/** HS256 access tokens. The HMAC key is imported once per isolate per secret, not per request. */
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
}

export interface AccessClaims {
  sub: string;
  role: "user" | "admin";
}

/** Clock skew tolerated between the machines that sign and verify. */
const CLOCK_TOLERANCE_SECONDS = 30;

export async function signAccessToken(settings: JwtSettings, claims: AccessClaims, ttlSeconds: number) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(await hmacKey(settings.secret));
}

/** Verifies signature (HS256 only: `alg: none` and others are refused), iss, aud, exp and nbf. */
export async function verifyAccessToken(settings: JwtSettings, token: string): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(settings.secret), {
      algorithms: ["HS256"],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["sub", "exp", "nbf", "iat"],
    });
    const role = payload.role;
    if (typeof payload.sub !== "string" || (role !== "user" && role !== "admin")) return null;
    return { sub: payload.sub, role };
  } catch {
    return null;
  }
}
