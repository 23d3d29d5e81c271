import { eq } from "drizzle-orm";
import { channels, type UserRow, users } from "../db/schema";
import { ApiError } from "../lib/errors";
import { hashPassword, verifyPassword } from "../lib/password";
import { enforceRateLimit } from "../lib/rate-limit";
import { revokeChannelGrants } from "./channel-tokens";
import type { ServiceDeps } from "./deps";
import { deleteUserMedia } from "./pipeline/media";
import { endAllSessions } from "./sessions";

/** The public shape of a user: no hash, no internals. */
export function toUserResponse(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    plan: user.plan,
    timezone: user.timezone,
    video_cost_cap_micros: user.videoCostCapMicros,
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
  };
}

export type UserResponse = ReturnType<typeof toUserResponse>;

export async function findUser(deps: ServiceDeps, userId: string): Promise<UserRow | undefined> {
  return deps.db.select().from(users).where(eq(users.id, userId)).get();
}

export async function getUser(deps: ServiceDeps, userId: string): Promise<UserRow> {
  const user = await deps.db.select().from(users).where(eq(users.id, userId)).get();
  // A valid token for a deleted user: the account is gone, so the token no longer authenticates.
  if (!user) throw new ApiError("unauthenticated", "This account no longer exists.");
  return user;
}

/** Fields a user may change on themselves. Role, plan, email and id are not among them. */
export interface ProfileChanges {
  name?: string | null;
  timezone?: string;
  video_cost_cap_micros?: number;
}

export async function updateProfile(deps: ServiceDeps, userId: string, changes: ProfileChanges): Promise<UserRow> {
  const updated = await deps.db
    .update(users)
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.timezone !== undefined ? { timezone: changes.timezone } : {}),
      ...(changes.video_cost_cap_micros !== undefined ? { videoCostCapMicros: changes.video_cost_cap_micros } : {}),
      updatedAt: Date.now(),
    })
    .where(eq(users.id, userId))
    .returning()
    .get();
  if (!updated) throw new ApiError("unauthenticated", "This account no longer exists.");
  return updated;
}

/**
 * Proof that the person at the screen knows the password, for irreversible changes. Limited per user
 * (a stolen 15-minute token must not become a password oracle); a wrong password is a 422 on the
 * field, so clients do not mistake it for an expired session.
 */
async function confirmPassword(deps: ServiceDeps, user: UserRow, password: string, field: string) {
  await enforceRateLimit(deps.env.AUTH_RATE_LIMITER, `password:${user.id}`);
  if (!(await verifyPassword(password, user.passwordHash))) {
    throw new ApiError("validation_failed", "The password is wrong.", {
      errors: [{ path: `body.${field}`, message: "Wrong password" }],
    });
  }
}

export async function changePassword(deps: ServiceDeps, userId: string, current: string, next: string): Promise<void> {
  const user = await getUser(deps, userId);
  await confirmPassword(deps, user, current, "current_password");
  await deps.db
    .update(users)
    .set({ passwordHash: await hashPassword(next), updatedAt: Date.now() })
    .where(eq(users.id, userId));
  await endAllSessions(deps, userId);
}

/**
 * Deletes the account, after the password confirms it. Rows owned by the user go with it through
 * ON DELETE CASCADE (sessions, API keys, channels with their grants, videos, cost events); the media
 * in R2 is deleted first. Videos already on YouTube stay there.
 */
export async function deleteUser(deps: ServiceDeps, userId: string, password: string): Promise<void> {
  const user = await getUser(deps, userId);
  await confirmPassword(deps, user, password, "password");
  const owned = await deps.db.select({ id: channels.id }).from(channels).where(eq(channels.userId, userId));
  for (const channel of owned) await revokeChannelGrants(deps, channel.id);
  await deleteUserMedia(deps.env.MEDIA, userId);
  await deps.db.delete(users).where(eq(users.id, userId));
}
