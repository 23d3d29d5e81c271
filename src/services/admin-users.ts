import { and, desc, eq, like, lt } from "drizzle-orm";
import { z } from "zod";
import { users } from "../db/schema";
import { ApiError } from "../lib/errors";
import { decodeCursor, paginate } from "../lib/pagination";
import type { ServiceDeps } from "./deps";
import { toUserResponse } from "./users";

const cursorSchema = z.object({ id: z.string() });

export async function listUsers(deps: ServiceDeps, query: { limit: number; cursor?: string; email?: string }) {
  const after = decodeCursor(query.cursor, cursorSchema);
  const rows = await deps.db
    .select()
    .from(users)
    .where(
      and(
        after ? lt(users.id, after.id) : undefined,
        query.email ? like(users.email, `%${query.email.toLowerCase().replace(/[%_]/g, "")}%`) : undefined,
      ),
    )
    .orderBy(desc(users.id))
    .limit(query.limit + 1);
  const page = paginate(rows, query.limit, (row) => ({ id: row.id }));
  return { data: page.data.map(toUserResponse), next_cursor: page.next_cursor };
}

/** What an admin may set on an account: its role and plan. */
export async function setUserAccess(
  deps: ServiceDeps,
  userId: string,
  changes: { role?: "user" | "admin"; plan?: "free" | "creator" | "pro" | "agency" },
) {
  const updated = await deps.db
    .update(users)
    .set({ ...changes, updatedAt: Date.now() })
    .where(eq(users.id, userId))
    .returning()
    .get();
  if (!updated) throw new ApiError("not_found", `No user ${userId}.`);
  return toUserResponse(updated);
}
