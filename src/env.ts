import { z } from "zod";
import type { CircuitBreaker } from "../durable-objects/circuit-breaker";
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
  CIRCUIT_BREAKER: DurableObjectNamespace<CircuitBreaker>;
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
  PUBLIC_BASE_URL: z.url(),
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(900),
  REFRESH_TOKEN_TTL_DAYS: positiveInt(30),
  CORS_ORIGINS: csv,
  MAX_BODY_BYTES: positiveInt(1_048_576),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),

  // Upstreams: the real hosts in wrangler.toml; .dev.vars and the tests point them at emulators/.
  OPENAI_BASE_URL: z.url(),
  ELEVENLABS_BASE_URL: z.url(),
  STABILITY_BASE_URL: z.url(),
  GOOGLE_AUTH_URL: z.url(),
  GOOGLE_TOKEN_URL: z.url(),
  GOOGLE_REVOKE_URL: z.url(),
  YOUTUBE_API_BASE_URL: z.url(),
  YOUTUBE_UPLOAD_BASE_URL: z.url(),
  YOUTUBE_ANALYTICS_BASE_URL: z.url(),
  STRIPE_API_BASE_URL: z.url(),
  SENDGRID_BASE_URL: z.url(),
  N8N_RENDER_URL: z.url(),
  PROVIDER_TIMEOUT_MS: positiveInt(30_000),
  // Resumable upload chunk: a multiple of 256 KiB (YouTube's rule); bigger chunks mean fewer requests.
  UPLOAD_CHUNK_BYTES: positiveInt(8_388_608).refine(
    (n) => n % 262_144 === 0,
    "UPLOAD_CHUNK_BYTES must be a multiple of 262144",
  ),
  YOUTUBE_CATEGORY_ID: z.string().regex(/^\d+$/).default("27"),
  // Models and voices of the AI chains (prices live in src/providers/pricing.ts).
  SCRIPT_MODEL: z.string().min(1).default("gpt-4.1-mini"),
  SCRIPT_FALLBACK_MODEL: z.string().min(1).default("gpt-4o-mini"),
  ELEVENLABS_MODEL: z.string().min(1).default("eleven_flash_v2_5"),
  ELEVENLABS_VOICE_ID: z.string().min(1).default("21m00Tcm4TlvDq8ikWAM"),
  OPENAI_TTS_MODEL: z.string().min(1).default("tts-1"),
  OPENAI_TTS_VOICE: z.string().min(1).default("alloy"),
  STABILITY_ENGINE: z.enum(["core", "ultra", "sd3"]).default("core"),
  OPENAI_IMAGE_MODEL: z.string().min(1).default("gpt-image-1-mini"),
  // YouTube quota: "buckets" (Google's current model) or "legacy" (1,600 units per upload);
  // YOUTUBE_QUOTA_TABLE (JSON) overrides bucket sizes and method costs of the chosen model.
  YOUTUBE_QUOTA_MODEL: z.enum(["buckets", "legacy"]).default("buckets"),
  YOUTUBE_QUOTA_TABLE: z.string().optional(),

  // Secrets (wrangler secret put; .dev.vars locally).
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters"),
  ENCRYPTION_KEY: z
    .string()
    .refine((value) => base64ByteLength(value) === 32, "ENCRYPTION_KEY must be 32 bytes, base64-encoded"),
  SIGNING_SECRET: z.string().min(32, "SIGNING_SECRET must be at least 32 characters"),
  OPENAI_API_KEY: z.string().min(1),
  ELEVENLABS_API_KEY: z.string().min(1),
  STABILITY_API_KEY: z.string().min(1),
  STRIPE_SECRET_KEY: z.string().min(1),
  STRIPE_WEBHOOK_SECRET: z.string().min(1),
  SENDGRID_API_KEY: z.string().min(1),
  N8N_API_KEY: z.string().min(1),
  N8N_WEBHOOK_SECRET: z.string().min(16, "N8N_WEBHOOK_SECRET must be at least 16 characters"),
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
