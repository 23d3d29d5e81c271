CREATE TABLE `channel_authorizations` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`account_id` text NOT NULL,
	`refresh_token_enc` text NOT NULL,
	`access_token_enc` text,
	`access_token_expires_at` integer,
	`scopes` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `upload_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channel_authorizations_channel_account_unique` ON `channel_authorizations` (`channel_id`,`account_id`);--> statement-breakpoint
CREATE INDEX `channel_authorizations_account_idx` ON `channel_authorizations` (`account_id`);--> statement-breakpoint
CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`niche` text NOT NULL,
	`language` text NOT NULL,
	`default_privacy` text NOT NULL,
	`schedule` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`youtube_channel_id` text,
	`youtube_title` text,
	`upload_limited_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `channels_user_created_idx` ON `channels` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `channels_youtube_idx` ON `channels` (`youtube_channel_id`);--> statement-breakpoint
CREATE TABLE `oauth_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`account_id` text NOT NULL,
	`code_verifier` text NOT NULL,
	`return_url` text,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `upload_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `oauth_sessions_channel_idx` ON `oauth_sessions` (`channel_id`);--> statement-breakpoint
CREATE TABLE `upload_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`google_client_id` text NOT NULL,
	`client_secret_enc` text NOT NULL,
	`status` text NOT NULL,
	`audited` integer DEFAULT false NOT NULL,
	`unhealthy_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `upload_accounts_client_unique` ON `upload_accounts` (`google_client_id`);--> statement-breakpoint
CREATE INDEX `upload_accounts_status_idx` ON `upload_accounts` (`status`);