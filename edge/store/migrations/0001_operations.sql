CREATE TABLE `alert_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`metric` text NOT NULL,
	`direction` text NOT NULL,
	`warning` real,
	`critical` real,
	`min_duration_s` real DEFAULT 0 NOT NULL,
	`hysteresis` real DEFAULT 0 NOT NULL,
	`auto_resolve` integer DEFAULT true NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_rules_metric_unique` ON `alert_rules` (`metric`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`source` text DEFAULT '' NOT NULL,
	`value` real,
	`threshold` real,
	`title` text NOT NULL,
	`message` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`acknowledged` integer DEFAULT false NOT NULL,
	`acknowledged_by` text,
	`acknowledged_at` integer,
	`resolved` integer DEFAULT false NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_one_open` ON `alerts` (`type`,`source`) WHERE "alerts"."resolved" = 0;--> statement-breakpoint
CREATE INDEX `alerts_created` ON `alerts` (`created_at`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`seq` integer NOT NULL,
	`task_name` text NOT NULL,
	`status` text NOT NULL,
	`items_done` integer,
	`items_total` integer,
	`percent` real,
	`reason` text,
	`action` text,
	`source` text NOT NULL,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_started` ON `jobs` (`started_at`);--> statement-breakpoint
CREATE TABLE `reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`seq` integer NOT NULL,
	`report_type` text NOT NULL,
	`from_ts` integer NOT NULL,
	`to_ts` integer NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`figures` text NOT NULL,
	`narrative` text,
	`narrative_error` text
);
