import { eq } from "drizzle-orm";
import { type UserRow, users } from "../db/schema";
import { ApiError } from "../lib/errors";
import { hashPassword, verifyPassword } from "../lib/password";
import type { ServiceDeps } from "./deps";
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

export async function changePassword(deps: ServiceDeps, userId: string, current: string, next: string): Promise<void> {
  const user = await getUser(deps, userId);
  if (!(await verifyPassword(current, user.passwordHash))) {
    throw new ApiError("invalid_credentials", "The current password is wrong.");
  }
  await deps.db
    .update(users)
    .set({ passwordHash: await hashPassword(next), updatedAt: Date.now() })
    .where(eq(users.id, userId));
  await endAllSessions(deps, userId);
}

/**
 * Deletes the account. Rows owned by the user go with it through ON DELETE CASCADE (sessions,
 * API keys, and in later modules channels, videos and their cost events).
 */
export async function deleteUser(deps: ServiceDeps, userId: string): Promise<void> {
  await deps.db.delete(users).where(eq(users.id, userId));
}
