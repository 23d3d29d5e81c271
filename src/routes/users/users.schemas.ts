import { z } from "@hono/zod-openapi";
import { canonicalTimeZone, isDisplaySafe, isTimeZone } from "../../lib/time-zone";

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "usr_01JD3Q6M2Z9X8Y7W6V5T4S3R2Q" }),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(["user", "admin"]),
    plan: z.enum(["free", "creator", "pro", "agency"]),
    timezone: z.string(),
    video_cost_cap_micros: z.number().int().openapi({ description: "Most one video may cost, in micro-dollars" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("User");

/** The whitelist of PATCH /v1/users/me: any other key (role, plan, id, email...) is a 422. */
export const ProfilePatchSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .refine(isDisplaySafe, "No control or direction-override characters")
      .nullable()
      .optional(),
    timezone: z.string().max(64).refine(isTimeZone, "Not an IANA time zone").transform(canonicalTimeZone).optional(),
    video_cost_cap_micros: z.number().int().min(10_000, "At least $0.01").max(50_000_000, "At most $50.00").optional(),
  })
  .strict()
  .openapi("ProfilePatch");
