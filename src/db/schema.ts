import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Time is integer milliseconds since the epoch (UTC); money is integer micro-dollars. */
const createdAt = () => integer("created_at").notNull();
const updatedAt = () => integer("updated_at").notNull();

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    // Stored lower-cased; the unique index is the duplicate check at signup.
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    name: text("name"),
    role: text("role", { enum: ["user", "admin"] })
      .notNull()
      .default("user"),
    plan: text("plan", { enum: ["free", "creator", "pro", "agency"] })
      .notNull()
      .default("free"),
    timezone: text("timezone").notNull().default("UTC"),
    videoCostCapMicros: integer("video_cost_cap_micros").notNull().default(3_000_000),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex("users_email_unique").on(table.email)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Every token issued from one login shares a family; reuse of a spent token revokes the family.
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("refresh_tokens_hash_unique").on(table.tokenHash),
    index("refresh_tokens_family_idx").on(table.familyId),
    index("refresh_tokens_user_idx").on(table.userId),
  ],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // The first characters of the key, shown in lists so a user can tell keys apart.
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("api_keys_hash_unique").on(table.keyHash),
    index("api_keys_user_created_idx").on(table.userId, table.createdAt),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * The platform's YouTube API accounts (Google Cloud projects with an OAuth client). A channel's refresh
 * token works only with the client that issued it, so channels hold authorisations per account.
 */
export const uploadAccounts = sqliteTable(
  "upload_accounts",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    googleClientId: text("google_client_id").notNull(),
    // AES-GCM ciphertext (src/lib/secret-box.ts), bound to the row id.
    clientSecretEnc: text("client_secret_enc").notNull(),
    status: text("status", { enum: ["active", "reserve", "disabled"] }).notNull(),
    // Projects that have not passed YouTube's API audit can only upload private videos.
    audited: integer("audited", { mode: "boolean" }).notNull().default(false),
    // Set when the account's calls keep failing (auth errors, suspended project); selection skips it.
    unhealthyUntil: integer("unhealthy_until"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("upload_accounts_client_unique").on(table.googleClientId),
    index("upload_accounts_status_idx").on(table.status),
  ],
);

export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    niche: text("niche").notNull(),
    language: text("language").notNull(),
    defaultPrivacy: text("default_privacy", { enum: ["private", "unlisted", "public"] }).notNull(),
    // JSON: { timezone, slots: [{ weekday, time }] } (validated at the route).
    schedule: text("schedule", { mode: "json" }).$type<ChannelSchedule>().notNull(),
    status: text("status", { enum: ["pending", "connected", "reauth_required", "disconnected"] })
      .notNull()
      .default("pending"),
    youtubeChannelId: text("youtube_channel_id"),
    youtubeTitle: text("youtube_title"),
    // YouTube answered uploadLimitExceeded: this channel waits until then; others go on.
    uploadLimitedUntil: integer("upload_limited_until"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index("channels_user_created_idx").on(table.userId, table.id),
    index("channels_youtube_idx").on(table.youtubeChannelId),
  ],
);

export interface ChannelSchedule {
  timezone: string;
  slots: { weekday: "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"; time: string }[];
}

/** One channel's OAuth grant under one upload account; tokens encrypted at rest. */
export const channelAuthorizations = sqliteTable(
  "channel_authorizations",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => uploadAccounts.id),
    refreshTokenEnc: text("refresh_token_enc").notNull(),
    accessTokenEnc: text("access_token_enc"),
    accessTokenExpiresAt: integer("access_token_expires_at"),
    scopes: text("scopes").notNull(),
    // invalid: Google answered invalid_grant; the owner must connect again.
    status: text("status", { enum: ["active", "invalid"] })
      .notNull()
      .default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("channel_authorizations_channel_account_unique").on(table.channelId, table.accountId),
    index("channel_authorizations_account_idx").on(table.accountId),
  ],
);

/** A consent in flight: single use, short-lived, holds the PKCE verifier server-side. */
export const oauthSessions = sqliteTable(
  "oauth_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    channelId: text("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => uploadAccounts.id),
    codeVerifier: text("code_verifier").notNull(),
    returnUrl: text("return_url"),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: createdAt(),
  },
  (table) => [index("oauth_sessions_channel_idx").on(table.channelId)],
);

export type UploadAccountRow = typeof uploadAccounts.$inferSelect;
export type ChannelRow = typeof channels.$inferSelect;
export type ChannelAuthorizationRow = typeof channelAuthorizations.$inferSelect;

export const videoStatuses = [
  "queued",
  "scripting",
  "voicing",
  "thumbnailing",
  "rendering",
  "uploading",
  "waiting_quota",
  "published",
  "scheduled",
  "failed",
  "cancelled",
] as const;
export type VideoStatus = (typeof videoStatuses)[number];

export const pipelineSteps = ["script", "voice", "thumbnail", "render", "upload"] as const;
export type PipelineStep = (typeof pipelineSteps)[number];

/** A video from topic to YouTube. The row is the state machine; video_steps is its history. */
export const videos = sqliteTable(
  "videos",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    channelId: text("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    topic: text("topic").notNull(),
    language: text("language").notNull(),
    style: text("style").notNull(),
    targetSeconds: integer("target_seconds").notNull(),
    privacy: text("privacy", { enum: ["private", "unlisted", "public"] }).notNull(),
    publishAt: integer("publish_at"),
    status: text("status", { enum: videoStatuses }).notNull(),
    // The step that runs or runs next; null once published/scheduled.
    step: text("step", { enum: pipelineSteps }),
    // A consumer holds the step until then; a redelivered message meanwhile backs off.
    leaseUntil: integer("lease_until"),
    stepStartedAt: integer("step_started_at"),
    // waiting_quota: when to try again, and why.
    waitUntil: integer("wait_until"),
    waitReason: text("wait_reason"),
    title: text("title"),
    description: text("description"),
    tags: text("tags", { mode: "json" }).$type<string[]>(),
    // Set once the user edited the metadata (informational: generation fills only empty fields anyway).
    metadataEdited: integer("metadata_edited", { mode: "boolean" }).notNull().default(false),
    costCapMicros: integer("cost_cap_micros").notNull(),
    // Sum of this video's cost_events, kept in the same batch as each insert (sortable, never drifts).
    costMicros: integer("cost_micros").notNull().default(0),
    // Set when the render job was handed to N8N: a redelivered render message must not start another.
    renderExecutionId: text("render_execution_id"),
    renderedBytes: integer("rendered_bytes"),
    renderedSha256: text("rendered_sha256"),
    renderFileUrl: text("render_file_url"),
    youtubeVideoId: text("youtube_video_id"),
    uploadAccountId: text("upload_account_id"),
    // The account had not passed YouTube's audit: the video is up but locked to private.
    lockedPrivate: integer("locked_private", { mode: "boolean" }).notNull().default(false),
    warnings: text("warnings", { mode: "json" }).$type<string[]>().notNull().default([]),
    errorStep: text("error_step", { enum: pipelineSteps }),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    errorRetryable: integer("error_retryable", { mode: "boolean" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index("videos_user_created_idx").on(table.userId, table.id),
    index("videos_user_status_idx").on(table.userId, table.status),
    index("videos_user_cost_idx").on(table.userId, table.costMicros),
    index("videos_channel_idx").on(table.channelId),
    index("videos_status_step_started_idx").on(table.status, table.stepStartedAt),
  ],
);

/** One row per step attempt: what ran, who served it, how it ended. */
export const videoSteps = sqliteTable(
  "video_steps",
  {
    id: text("id").primaryKey(),
    videoId: text("video_id")
      .notNull()
      .references(() => videos.id, { onDelete: "cascade" }),
    step: text("step", { enum: pipelineSteps }).notNull(),
    attempt: integer("attempt").notNull(),
    status: text("status", { enum: ["running", "succeeded", "failed", "skipped"] }).notNull(),
    provider: text("provider"),
    detail: text("detail"),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (table) => [uniqueIndex("video_steps_attempt_unique").on(table.videoId, table.step, table.attempt)],
);

/**
 * Every cent spent on a video. `dedupe_key` makes a redelivered step unable to charge twice; the
 * video's cost is exactly the sum of these rows.
 */
export const costEvents = sqliteTable(
  "cost_events",
  {
    id: text("id").primaryKey(),
    videoId: text("video_id")
      .notNull()
      .references(() => videos.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    step: text("step", { enum: pipelineSteps }).notNull(),
    provider: text("provider").notNull(),
    operation: text("operation").notNull(),
    model: text("model"),
    usage: text("usage", { mode: "json" }).$type<Record<string, number>>().notNull(),
    costMicros: integer("cost_micros").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("cost_events_dedupe_unique").on(table.dedupeKey),
    index("cost_events_video_idx").on(table.videoId),
    index("cost_events_user_created_idx").on(table.userId, table.createdAt),
  ],
);

/** The resumable upload of a video: persisted so a redelivered message resumes, never re-uploads. */
export const videoUploads = sqliteTable("video_uploads", {
  videoId: text("video_id")
    .primaryKey()
    .references(() => videos.id, { onDelete: "cascade" }),
  accountId: text("account_id").notNull(),
  authorizationId: text("authorization_id").notNull(),
  reservationId: text("reservation_id").notNull(),
  // The session URI lets anyone holding it upload into the session: sealed like a token.
  sessionUriEnc: text("session_uri_enc"),
  totalBytes: integer("total_bytes").notNull(),
  confirmedBytes: integer("confirmed_bytes").notNull().default(0),
  thumbnailState: text("thumbnail_state", { enum: ["pending", "set", "refused"] })
    .notNull()
    .default("pending"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Replays of creating calls: the first response per (user, key), for 24 hours. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status"),
    body: text("body"),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.key] })],
);

/** Inbound webhook events already processed (Stripe event ids, N8N execution ids). */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    source: text("source").notNull(),
    eventId: text("event_id").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.source, table.eventId] })],
);

export type VideoRow = typeof videos.$inferSelect;
export type VideoStepRow = typeof videoSteps.$inferSelect;
export type CostEventRow = typeof costEvents.$inferSelect;
export type VideoUploadRow = typeof videoUploads.$inferSelect;

/**
 * Failed logins in the current one-minute window, per account and per (account, IP). Only failures
 * count, so a stranger's guesses cannot lock the owner out from another place (up to the account-wide
 * backstop), and a successful login never counts.
 */
export const loginFailures = sqliteTable("login_failures", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  failures: integer("failures").notNull(),
});
