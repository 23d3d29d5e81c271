import { z } from "@hono/zod-openapi";
import { canonicalTimeZone, isDisplaySafe, isTimeZone } from "../../lib/time-zone";

export const ScheduleSchema = z
  .object({
    timezone: z.string().max(64).refine(isTimeZone, "Not an IANA time zone").transform(canonicalTimeZone),
    slots: z
      .array(
        z.object({
          weekday: z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
          time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use HH:MM, 24-hour"),
        }),
      )
      .max(70, "At most 70 slots a week"),
  })
  .openapi("ChannelSchedule", {
    example: { timezone: "America/New_York", slots: [{ weekday: "mon", time: "09:00" }] },
  });

const channelFields = {
  name: z.string().trim().min(1).max(100).refine(isDisplaySafe, "No control or direction-override characters"),
  niche: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine(isDisplaySafe, "No control or direction-override characters")
    .openapi({ example: "science explainers" }),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, "A language tag such as en or pt-BR")
    .openapi({ example: "en" }),
  default_privacy: z.enum(["private", "unlisted", "public"]),
  schedule: ScheduleSchema,
};

export const ChannelCreateSchema = z
  .object({
    ...channelFields,
    default_privacy: channelFields.default_privacy.default("private"),
    schedule: ScheduleSchema.default({ timezone: "UTC", slots: [] }),
  })
  .strict()
  .openapi("ChannelCreate");

export const ChannelPatchSchema = z.object(channelFields).partial().strict().openapi("ChannelPatch");

export const ChannelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    niche: z.string(),
    language: z.string(),
    default_privacy: z.enum(["private", "unlisted", "public"]),
    schedule: ScheduleSchema,
    status: z.enum(["pending", "connected", "reauth_required", "disconnected"]).openapi({
      description: "pending: never connected; reauth_required: Google revoked the grant, connect again",
    }),
    youtube: z.object({ channel_id: z.string(), title: z.string().nullable(), url: z.string() }).nullable(),
    upload_limited: z.boolean().openapi({ description: "YouTube's 24-hour upload cap reached; uploads wait" }),
    upload_limited_until: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Channel");

export const ChannelIdParams = z.object({ id: z.string().min(1).max(64) });
