import { z } from "zod";
import type { RealtimeHub } from "../durable-objects/realtime-hub";
import type { YouTubeQuota } from "../durable-objects/youtube-quota";

/** Bindings, vars and secrets the Worker receives. Only this module reads vars and secrets. */
export interface Env {
  DB: D1Database;
  CACHE: KVNamespace;
  MEDIA: R2Bucket;
  YOUTUBE_QUOTA: DurableObjectNamespace<YouTubeQuota>;
  REALTIME: DurableObjectNamespace<RealtimeHub>;
  GENERATION_QUEUE: Queue;
  UPLOAD_QUEUE: Queue;
  DLQ_QUEUE: Queue;
  RATE_LIMITER: RateLimit;
  IP_RATE_LIMITER: RateLimit;
  AUTH_RATE_LIMITER: RateLimit;
  [key: string]: unknown;
}

const csv = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const configSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  PUBLIC_BASE_URL: z.url(),
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(900),
  REFRESH_TOKEN_TTL_DAYS: positiveInt(30),
  CORS_ORIGINS: csv,
  MAX_BODY_BYTES: positiveInt(1_048_576),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  // Secrets (wrangler secret put; .dev.vars locally).
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters"),
  ENCRYPTION_KEY: z
    .string()
    .refine((value) => base64ByteLength(value) === 32, "ENCRYPTION_KEY must be 32 bytes, base64-encoded"),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

const parsed = new WeakMap<object, Config>();

/** Parses vars and secrets once per `env` object; throws one error naming every bad setting. */
export function getConfig(env: Env): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  parsed.set(env, result.data);
  return result.data;
}

function base64ByteLength(value: string): number {
  try {
    return atob(value).length;
  } catch {
    return -1;
  }
}
