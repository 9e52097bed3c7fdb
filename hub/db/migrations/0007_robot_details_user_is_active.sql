ALTER TABLE "robots" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "robots" ADD COLUMN "location" text;--> statement-breakpoint
ALTER TABLE "robots" ADD COLUMN "notes" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_active" boolean DEFAULT true NOT NULL;