import { z } from "@hono/zod-openapi";
import { bytesToBase64Url, utf8 } from "./encoding";
import { ApiError } from "./errors";

/** Query parameters every list accepts. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Items per page (1-100)" }),
  cursor: z.string().max(512).optional().openapi({ description: "`next_cursor` of the previous page" }),
});

/** Opaque cursors: base64url JSON of the last item's sort key, so clients cannot depend on their shape. */
export function encodeCursor(position: Record<string, string | number>): string {
  return bytesToBase64Url(utf8.encode(JSON.stringify(position)));
}

export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, schema: T): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const base64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
    const parsed = schema.safeParse(JSON.parse(atob(base64)));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the one error below
  }
  throw new ApiError("validation_failed", "The cursor is not one this API issued.", {
    errors: [{ path: "query.cursor", message: "Invalid cursor" }],
  });
}

/** Takes `limit + 1` rows; returns the page and the cursor of the next one when there is more. */
export function paginate<T>(rows: T[], limit: number, positionOf: (row: T) => Record<string, string | number>) {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data.at(-1);
  return { data, next_cursor: hasMore && last ? encodeCursor(positionOf(last)) : null };
}
