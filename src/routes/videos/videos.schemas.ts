import { z } from "@hono/zod-openapi";
import { videoStatuses } from "../../db/schema";
import { youtubeTagsLength } from "../../providers/youtube";

const MIN_PUBLISH_LEAD_MS = 15 * 60 * 1000;

const futureDate = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) > Date.now() + MIN_PUBLISH_LEAD_MS, "Must be at least 15 minutes in the future");

// YouTube's metadata rules (https://developers.google.com/youtube/v3/docs/videos#resource).
const noAngles = (value: string) => !/[<>]/.test(value);

export const VideoCreateSchema = z
  .object({
    channel_id: z.string().min(1).max(64),
    topic: z.string().trim().min(3).max(500).openapi({ example: "how volcanoes form" }),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, "A language tag such as en or pt-BR")
      .optional()
      .openapi({ description: "Defaults to the channel's language" }),
    style: z.string().trim().min(1).max(100).default("explainer"),
    target_seconds: z
      .number()
      .int()
      .min(15)
      .max(1800)
      .default(60)
      .openapi({ description: "Target length, 15 s to 30 min" }),
    privacy: z.enum(["private", "unlisted", "public"]).optional().openapi({ description: "Defaults to the channel's" }),
    publish_at: futureDate.optional().openapi({
      description: "Schedule: uploaded private with publishAt, public at that time (privacy must be public or absent)",
    }),
  })
  .strict()
  .refine((v) => !v.publish_at || v.privacy === undefined || v.privacy === "public", {
    message: "A scheduled video becomes public at publish_at: privacy must be public or absent",
    path: ["privacy"],
  })
  .openapi("VideoCreate");

export const VideoPatchSchema = z
  .object({
    title: z.string().trim().min(1).max(100).refine(noAngles, "No < or >").optional(),
    description: z
      .string()
      .refine((v) => new TextEncoder().encode(v).length <= 5000, "At most 5,000 bytes")
      .refine(noAngles, "No < or >")
      .optional(),
    tags: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(100)
          .refine((t) => !/[<>,]/.test(t), "No <, > or commas in a tag"),
      )
      .max(30)
      .refine((tags) => youtubeTagsLength(tags) <= 500, "Tags may total at most 500 characters (YouTube's rule)")
      .optional(),
    privacy: z.enum(["private", "unlisted", "public"]).optional(),
    publish_at: futureDate.nullable().optional(),
  })
  .strict()
  .refine((v) => !v.publish_at || v.privacy === undefined || v.privacy === "public", {
    message: "A scheduled video becomes public at publish_at: privacy must be public or absent",
    path: ["privacy"],
  })
  .openapi("VideoPatch");

export const VideoSchema = z
  .object({
    id: z.string(),
    channel_id: z.string(),
    topic: z.string(),
    language: z.string(),
    style: z.string(),
    target_seconds: z.number().int(),
    privacy: z.enum(["private", "unlisted", "public"]),
    publish_at: z.string().nullable(),
    status: z.enum(videoStatuses),
    step: z.enum(["script", "voice", "thumbnail", "render", "upload"]).nullable(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    waiting: z.object({ reason: z.string().nullable(), until: z.string().nullable() }).nullable(),
    error: z
      .object({
        step: z.string().nullable(),
        code: z.string().nullable(),
        message: z.string().nullable(),
        retryable: z.boolean().openapi({ description: "Whether POST /retry can help" }),
      })
      .nullable(),
    youtube: z
      .object({
        video_id: z.string(),
        url: z.string(),
        locked_private: z.boolean().openapi({ description: "Uploaded through an unaudited API project: private only" }),
      })
      .nullable(),
    warnings: z.array(z.string()),
    cost_micros: z.number().int(),
    cost_cap_micros: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Video");

export const VideoDetailSchema = VideoSchema.extend({
  history: z.array(
    z.object({
      step: z.string(),
      attempt: z.number().int(),
      status: z.string(),
      provider: z.string().nullable(),
      detail: z.string().nullable(),
      started_at: z.string(),
      finished_at: z.string().nullable(),
    }),
  ),
}).openapi("VideoDetail");

export const VideoIdParams = z.object({ id: z.string().min(1).max(64) });

export const VideoListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
  status: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",") : undefined))
    .pipe(z.array(z.enum(videoStatuses)).optional())
    .openapi({ description: "Comma-separated statuses", example: "failed,waiting_quota" }),
  channel_id: z.string().max(64).optional(),
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional(),
  sort: z.enum(["created", "cost"]).default("created"),
  order: z.enum(["asc", "desc"]).default("desc"),
});
