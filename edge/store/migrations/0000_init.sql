CREATE TABLE `chunk_minutes` (
	`stream` text NOT NULL,
	`minute` integer NOT NULL,
	`first_seq` integer NOT NULL,
	`last_seq` integer NOT NULL,
	PRIMARY KEY(`stream`, `minute`)
);
--> statement-breakpoint
CREATE TABLE `chunks` (
	`seq` integer PRIMARY KEY NOT NULL,
	`stream` text NOT NULL,
	`t0` integer NOT NULL,
	`t1` integer NOT NULL,
	`n` integer NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE TABLE `commands` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`ts` integer NOT NULL,
	`username` text NOT NULL,
	`origin` text NOT NULL,
	`type` text NOT NULL,
	`body` text NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `commands_ts` ON `commands` (`ts`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`ts` integer NOT NULL,
	`kind` text NOT NULL,
	`level` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_kind_ts` ON `events` (`kind`,`ts`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rollups` (
	`stream` text NOT NULL,
	`minute` integer NOT NULL,
	`source` text NOT NULL,
	`field` text NOT NULL,
	`n` integer NOT NULL,
	`min` real NOT NULL,
	`max` real NOT NULL,
	`sum` real NOT NULL,
	PRIMARY KEY(`stream`, `minute`, `source`, `field`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`email` text,
	`token_version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);