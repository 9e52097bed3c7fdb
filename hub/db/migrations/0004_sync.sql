CREATE TABLE "robot_alert_actions" (
	"id" serial PRIMARY KEY NOT NULL,
	"robot_id" text NOT NULL,
	"alert_edge_id" integer NOT NULL,
	"action" text NOT NULL,
	"severity" text NOT NULL,
	"by" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_clock_anchors" (
	"robot_id" text NOT NULL,
	"boot_id" text NOT NULL,
	"anchor_ms" bigint NOT NULL,
	"measured_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_clock_anchors_robot_id_boot_id_pk" PRIMARY KEY("robot_id","boot_id")
);
--> statement-breakpoint
CREATE TABLE "sync_quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"robot_id" text NOT NULL,
	"db_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"record" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "commands" DROP CONSTRAINT "commands_pkey";--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_robot_id_id_pk" PRIMARY KEY("robot_id","id");--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "edge_key" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "edge_id" integer;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "edge_seq" bigint;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "clock_corrected_ms" bigint;--> statement-breakpoint
ALTER TABLE "commands" ADD COLUMN "origin" text DEFAULT 'hub' NOT NULL;--> statement-breakpoint
ALTER TABLE "commands" ADD COLUMN "edge_seq" bigint;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "action" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "edge_key" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "edge_id" integer;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "edge_seq" bigint;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "edge_key" text;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "edge_id" integer;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "edge_seq" bigint;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "events_high_water_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "db_id" text;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "oldest_pending_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "dropped" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "rate_per_s" double precision;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "quarantined" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "corrected_samples" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "system_logs" ADD COLUMN "edge_key" text;--> statement-breakpoint
ALTER TABLE "robot_alert_actions" ADD CONSTRAINT "robot_alert_actions_robot_id_robots_robot_id_fk" FOREIGN KEY ("robot_id") REFERENCES "public"."robots"("robot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_clock_anchors" ADD CONSTRAINT "sync_clock_anchors_robot_id_robots_robot_id_fk" FOREIGN KEY ("robot_id") REFERENCES "public"."robots"("robot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_quarantine" ADD CONSTRAINT "sync_quarantine_robot_id_robots_robot_id_fk" FOREIGN KEY ("robot_id") REFERENCES "public"."robots"("robot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "robot_alert_actions_robot" ON "robot_alert_actions" USING btree ("robot_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_quarantine_robot_seq" ON "sync_quarantine" USING btree ("robot_id","db_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_robot_edge_key" ON "alerts" USING btree ("robot_id","edge_key") WHERE "alerts"."edge_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_robot_edge_key" ON "jobs" USING btree ("robot_id","edge_key") WHERE "jobs"."edge_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "reports_robot_edge_key" ON "reports" USING btree ("robot_id","edge_key") WHERE "reports"."edge_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "system_logs_robot_edge_key" ON "system_logs" USING btree ("robot_id","edge_key") WHERE "system_logs"."edge_key" is not null;