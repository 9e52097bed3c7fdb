ALTER TABLE "alert_rules" ADD COLUMN "auto_resolve" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Rows from before this migration: their last change, not the migration's time.
UPDATE "alerts" SET "updated_at" = greatest("created_at", coalesce("acknowledged_at", "created_at"), coalesce("resolved_at", "created_at"));--> statement-breakpoint
-- One rule per (robot or global, metric): keep the newest of any duplicates before the indexes.
DELETE FROM "alert_rules" a USING "alert_rules" b WHERE a."metric" = b."metric" AND a."robot_id" IS NOT DISTINCT FROM b."robot_id" AND a."id" < b."id";--> statement-breakpoint
CREATE UNIQUE INDEX "alert_rules_global_metric" ON "alert_rules" USING btree ("metric") WHERE "alert_rules"."robot_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_rules_robot_metric" ON "alert_rules" USING btree ("robot_id","metric") WHERE "alert_rules"."robot_id" is not null;
