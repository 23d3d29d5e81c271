CREATE TABLE `cost_events` (
	`id` text PRIMARY KEY NOT NULL,
	`video_id` text NOT NULL,
	`user_id` text NOT NULL,
	`step` text NOT NULL,
	`provider` text NOT NULL,
	`operation` text NOT NULL,
	`model` text,
	`usage` text NOT NULL,
	`cost_micros` integer NOT NULL,
	`dedupe_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cost_events_dedupe_unique` ON `cost_events` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `cost_events_video_idx` ON `cost_events` (`video_id`);--> statement-breakpoint
CREATE INDEX `cost_events_user_created_idx` ON `cost_events` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`user_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer,
	`body` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `key`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `video_steps` (
	`id` text PRIMARY KEY NOT NULL,
	`video_id` text NOT NULL,
	`step` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` text NOT NULL,
	`provider` text,
	`detail` text,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `video_steps_attempt_unique` ON `video_steps` (`video_id`,`step`,`attempt`);--> statement-breakpoint
CREATE TABLE `video_uploads` (
	`video_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`authorization_id` text NOT NULL,
	`reservation_id` text NOT NULL,
	`session_uri_enc` text,
	`total_bytes` integer NOT NULL,
	`confirmed_bytes` integer DEFAULT 0 NOT NULL,
	`thumbnail_state` text DEFAULT 'pending' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `videos` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`topic` text NOT NULL,
	`language` text NOT NULL,
	`style` text NOT NULL,
	`target_seconds` integer NOT NULL,
	`privacy` text NOT NULL,
	`publish_at` integer,
	`status` text NOT NULL,
	`step` text,
	`lease_until` integer,
	`step_started_at` integer,
	`wait_until` integer,
	`wait_reason` text,
	`title` text,
	`description` text,
	`tags` text,
	`metadata_edited` integer DEFAULT false NOT NULL,
	`cost_cap_micros` integer NOT NULL,
	`cost_micros` integer DEFAULT 0 NOT NULL,
	`render_execution_id` text,
	`rendered_bytes` integer,
	`rendered_sha256` text,
	`render_file_url` text,
	`youtube_video_id` text,
	`upload_account_id` text,
	`locked_private` integer DEFAULT false NOT NULL,
	`warnings` text DEFAULT '[]' NOT NULL,
	`error_step` text,
	`error_code` text,
	`error_message` text,
	`error_retryable` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `videos_user_created_idx` ON `videos` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `videos_user_status_idx` ON `videos` (`user_id`,`status`);--> statement-breakpoint
CREATE INDEX `videos_user_cost_idx` ON `videos` (`user_id`,`cost_micros`);--> statement-breakpoint
CREATE INDEX `videos_channel_idx` ON `videos` (`channel_id`);--> statement-breakpoint
CREATE INDEX `videos_status_step_started_idx` ON `videos` (`status`,`step_started_at`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`source` text NOT NULL,
	`event_id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`source`, `event_id`)
);
