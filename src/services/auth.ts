import { eq } from "drizzle-orm";
import { users } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../lib/password";
import { enforceRateLimit } from "../lib/rate-limit";
import type { ServiceDeps } from "./deps";
import { assertLoginAllowed, recordLoginFailure } from "./login-throttle";
import { type Session, startSession } from "./sessions";
import { toUserResponse, type UserResponse } from "./users";

export interface Credentials {
  email: string;
  password: string;
}

export type AuthResult = Session & { user: UserResponse };

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function signup(
  deps: ServiceDeps,
  input: Credentials & { name?: string },
  ip: string,
): Promise<AuthResult> {
  await enforceRateLimit(deps.env.AUTH_RATE_LIMITER, `signup:ip:${ip}`);
  const email = normaliseEmail(input.email);
  const now = Date.now();
  const user = await deps.db
    .insert(users)
    .values({
      id: newId("usr", now),
      email,
      passwordHash: await hashPassword(input.password),
      name: input.name ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: users.email })
    .returning()
    .get();
  if (!user) throw new ApiError("email_taken", "An account with this email already exists. Log in instead.");
  return { ...(await startSession(deps, user)), user: toUserResponse(user) };
}

/**
 * Login answers the same 401 for an unknown email and a wrong password, and spends the same PBKDF2
 * time on both, so neither the answer nor its timing reveals whether an account exists. Every attempt
 * counts against the per-IP limit of the auth routes; failures also against the account
 * (login-throttle.ts), unknown emails included, so probing behaves like guessing.
 */
export async function login(deps: ServiceDeps, input: Credentials, ip: string): Promise<AuthResult> {
  const email = normaliseEmail(input.email);
  await enforceRateLimit(deps.env.AUTH_RATE_LIMITER, `login:ip:${ip}`);
  await assertLoginAllowed(deps, email, ip);
  const user = await deps.db.select().from(users).where(eq(users.email, email)).get();
  const valid = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !valid) {
    await recordLoginFailure(deps, email, ip);
    throw new ApiError("invalid_credentials", "The email or password is wrong.");
  }
  return { ...(await startSession(deps, user)), user: toUserResponse(user) };
}
