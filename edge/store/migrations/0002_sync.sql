CREATE TABLE `clock_spans` (
	`first_seq` integer PRIMARY KEY NOT NULL,
	`boot_id` text NOT NULL,
	`offset_ms` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `alert_rules` ADD `hub_updated_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `origin` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `hub_id` integer;--> statement-breakpoint
CREATE INDEX `alerts_seq` ON `alerts` (`seq`);--> statement-breakpoint
CREATE INDEX `commands_seq` ON `commands` (`seq`);--> statement-breakpoint
CREATE INDEX `jobs_seq` ON `jobs` (`seq`);--> statement-breakpoint
CREATE INDEX `reports_seq` ON `reports` (`seq`);