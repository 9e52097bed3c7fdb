-- Values written by earlier releases are JSON strings holding the JSON (drizzle's jsonb through
-- Bun.SQL encoded them twice): each becomes the object or array it spells. hub/db/schema.ts now
-- stores objects as objects (report figures become json in 0006, keeping their order).
UPDATE "robots" SET "info" = ("info" #>> '{}')::jsonb WHERE jsonb_typeof("info") = 'string' AND ("info" #>> '{}') ~ '^[[{]';--> statement-breakpoint
UPDATE "jobs" SET "action" = ("action" #>> '{}')::jsonb WHERE jsonb_typeof("action") = 'string' AND ("action" #>> '{}') ~ '^[[{]';--> statement-breakpoint
UPDATE "system_logs" SET "details" = ("details" #>> '{}')::jsonb WHERE jsonb_typeof("details") = 'string' AND ("details" #>> '{}') ~ '^[[{]';--> statement-breakpoint
UPDATE "commands" SET "body" = ("body" #>> '{}')::jsonb WHERE jsonb_typeof("body") = 'string' AND ("body" #>> '{}') ~ '^[[{]';--> statement-breakpoint
UPDATE "sync_state" SET "dropped" = ("dropped" #>> '{}')::jsonb WHERE jsonb_typeof("dropped") = 'string' AND ("dropped" #>> '{}') ~ '^[[{]';--> statement-breakpoint
UPDATE "sync_quarantine" SET "record" = ("record" #>> '{}')::jsonb WHERE jsonb_typeof("record") = 'string' AND ("record" #>> '{}') ~ '^[[{]';
